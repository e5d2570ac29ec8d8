"""The plan's `slos:` section: the error-rate and latency objectives a release is judged by.

`Slos` holds one error-rate SLO (a target and a limit) and any number of named latency
SLOs (a statistic of one path's latency under a threshold). `client_lag_bounds_ms` and
`default_max_client_lag_ms` say how far the probe's own lag may move each SLO's number
before an evaluation is inconclusive (golive.core.probe_health).
"""

from __future__ import annotations

from typing import Literal, Self

from pydantic import Field, model_validator

from blocks.plan.base import _Model, _unique_field
from blocks.plan.errors import _Checks
from blocks.plan.strings import PlaceholderPath, Slug
from blocks.plan.units import Fraction, PositiveLatency


class ErrorRateSlo(_Model):
    target: Fraction  # what a healthy release achieves (below it: pass)
    limit: Fraction  # at or above it: fail

    @model_validator(mode="after")
    def _target_below_limit(self) -> Self:
        checks = _Checks()
        if self.target >= self.limit:
            checks.fail("target", self.target, f"must be below the limit ({self.limit.text!r})")
        checks.raise_any()
        return self


LatencyStat = Literal["mean", "p50", "p90", "p95", "p99"]


class LatencySlo(_Model):
    name: Slug
    path: PlaceholderPath  # {id} and the other names probe.id_source captures
    stat: LatencyStat
    threshold: PositiveLatency


class Slos(_Model):
    error_rate: ErrorRateSlo
    latency: list[LatencySlo] = Field(default_factory=list)
    min_samples: int = Field(
        50, ge=10
    )  # per version per evaluation; fewer is inconclusive, never a pass

    @model_validator(mode="after")
    def _unique_names(self) -> Self:
        checks = _Checks()
        _unique_field(checks, self.latency, "name", ("latency",), "SLO names")
        checks.raise_any()
        return self


# How far the probe's own client lag may move an SLO's number (golive.core.probe_health), by default a tenth
# of that SLO's threshold: small beside the SLO's margin, so a verdict near its line is not the client's
# doing, yet far above what a healthy client adds (a few ms; board p95 800ms -> 80 ms, drawer 200ms -> 20 ms).
CLIENT_LAG_SHARE = 0.1
# With no latency SLO the lag's own p95 is judged, against a tenth of the probe's request timeout (10 s).
CLIENT_LAG_WITHOUT_LATENCY_SLOS_MS = 1000.0


def client_lag_bounds_ms(slos: Slos, max_client_lag_ms: float | None = None) -> dict[str, float]:
    """'board p95' -> how far the probe's own lag may move that SLO's number (ms): `max_client_lag_ms` (the
    plan's probe.max_client_lag) for every SLO if given, else CLIENT_LAG_SHARE of each SLO's threshold."""
    return {
        f"{slo.name} {slo.stat}": float(max_client_lag_ms)
        if max_client_lag_ms is not None
        else CLIENT_LAG_SHARE * float(slo.threshold)
        for slo in slos.latency
    }


def default_max_client_lag_ms(slos: Slos, max_client_lag_ms: float | None = None) -> float:
    """The tightest of `client_lag_bounds_ms`; with no latency SLO, the bound on the lag's own p95."""
    bounds = client_lag_bounds_ms(slos, max_client_lag_ms)
    if bounds:
        return min(bounds.values())
    return (
        float(max_client_lag_ms)
        if max_client_lag_ms is not None
        else CLIENT_LAG_WITHOUT_LATENCY_SLOS_MS
    )
