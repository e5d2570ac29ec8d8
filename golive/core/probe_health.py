"""Did the probe measure the release, or itself? Its client lag against the plan's bound (pure).

Every probe sample carries `client_lag_ms` (tasks/metrics): the worst event-loop stall of
the measuring client while that request was in flight, what the client may have added to
its latency (and `send_lag_ms`, how late it left, which is shown but changes no latency).
A starved client (a busy worker, a noisy neighbour, too much concurrency for one event
loop) reads a healthy server as a slow one. So, for each latency SLO, the judge asks how
far the client's lag could have moved that SLO's number: its stat over the latencies as
measured, minus its stat over the latencies less each one's lag. Both stats are monotone
in every sample, so that difference bounds what the lag did to the number (as far as the
lag bounds each sample's delay).

- The probe is **saturated** when that distortion exceeds the SLO's bound for any latency
  SLO (`LagBounds`: the plan's probe.max_client_lag for every SLO, by default a tenth of
  each SLO's own threshold: board p95 < 800 ms may move 80 ms, drawer mean < 200 ms 20 ms).
  Where no latency SLO has a successful sample (or there is none) it is saturated when the
  lag's p95 exceeds the tightest bound (1 s with no latency SLO). One stall that the
  requests in flight shared moves a p95 or a mean little; a client that is behind all the
  time moves them a lot.
- A saturated evaluation is `inconclusive`, with a reason starting "probe saturated: "
  and the figures — never a failed SLO blamed on the release. The whole evaluation, not
  only its failing checks: a check that passes under saturation keeps its status and its
  figure (a slow client only makes latencies look worse), but comparisons between canary
  and stable can be distorted either way, and a probe that is behind is not sending the
  load the plan asked for. A failed check becomes inconclusive and says it was measured
  under saturation — except an error rate that fails on the server's own 5xx answers
  alone (`server_errors_only`): no client lag makes a server answer 500, so that failure
  stands. CloudWatch alarms are not the probe's evidence either: an ALARM still fails.
- Samples that do not know their lag (no column, or all NaN: CloudWatch, older CSVs)
  are judged as before: no probe-health check at all.

The lag is an estimate from the client's side (the worst single stall a request saw): a
response that waits on several busy loop turns can lose more than one stall. That is one
reason the default bound is small against the SLOs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from blocks.plan import LatencySlo, Slos, client_lag_bounds_ms, default_max_client_lag_ms
from golive.core.checks import CheckResult
from golive.core.formatting import budget_ms, ms
from golive.core.latency_stats import latency_stat

__all__ = [
    "LAG_COLUMN",
    "PROBE_CHECK",
    "SATURATION_PERCENTILE",
    "SEND_LAG_COLUMN",
    "ClientLag",
    "LagBounds",
    "client_lag",
    "lag_check",
    "server_errors_only",
    "under_saturation",
]

LAG_COLUMN = "client_lag_ms"
SEND_LAG_COLUMN = "send_lag_ms"
PROBE_CHECK = "probe client lag"  # the check's name in a verdict
SATURATION_PERCENTILE = 95.0


@dataclass(frozen=True)
class LagBounds:
    """How far the client lag may move each latency SLO's number, and the lag's own p95 (all in ms)."""

    slos: tuple[LatencySlo, ...]
    per_slo_ms: dict[str, float]  # 'board p95' -> ms
    p95_ms: (
        float  # where no SLO number can be worked out: the tightest bound (1 s with no latency SLO)
    )

    @classmethod
    def of(cls, slos: Slos, max_client_lag_ms: float | None = None) -> LagBounds:
        """The plan's bounds: `max_client_lag_ms` (probe.max_client_lag) for all, else a tenth of each threshold."""
        return cls(
            tuple(slos.latency),
            client_lag_bounds_ms(slos, max_client_lag_ms),
            default_max_client_lag_ms(slos, max_client_lag_ms),
        )

    @classmethod
    def uniform(cls, bound_ms: float, slos: Sequence[LatencySlo] = ()) -> LagBounds:
        return cls(
            tuple(slos), {f"{s.name} {s.stat}": float(bound_ms) for s in slos}, float(bound_ms)
        )

    @property
    def tightest_ms(self) -> float:
        return min(self.per_slo_ms.values()) if self.per_slo_ms else self.p95_ms

    def describe(self) -> str:
        """'board p95 80 ms, drawer mean 20 ms' or '20 ms'."""
        values = set(self.per_slo_ms.values())
        if len(values) <= 1:
            return budget_ms(self.tightest_ms)
        return ", ".join(f"{label} {budget_ms(bound)}" for label, bound in self.per_slo_ms.items())


@dataclass(frozen=True)
class ClientLag:
    """The client lag of one evaluation's samples, against the bounds (all in ms)."""

    measured: int  # samples that know their lag
    p95_ms: float
    max_ms: float
    late: int  # samples whose lag exceeds the tightest bound
    bounds: LagBounds
    # how far the lag could have moved each latency SLO's number ('board p95' -> ms), worst version
    distortion_ms: dict[str, float] = field(default_factory=dict)
    send_p95_ms: float | None = None  # how late requests left, where known
    send_max_ms: float | None = None

    def _over(self, label: str) -> float:
        return self.distortion_ms[label] / self.bounds.per_slo_ms[label]

    @property
    def worst(self) -> str | None:
        """The SLO number the lag could have moved most, against its bound."""
        return max(self.distortion_ms, key=self._over) if self.distortion_ms else None

    @property
    def saturated(self) -> bool:
        worst = self.worst
        return self._over(worst) > 1 if worst is not None else self.p95_ms > self.bounds.p95_ms

    @property
    def value(self) -> str:
        worst = self.worst
        moved = (
            f"; {worst} up to +{ms(self.distortion_ms[worst], self.bounds.per_slo_ms[worst])}"
            if worst is not None
            else ""
        )
        return f"p95 {ms(self.p95_ms)}, max {ms(self.max_ms)}{moved}"

    @property
    def threshold(self) -> str:
        if self.distortion_ms:
            return f"each SLO's number moved <= {self.bounds.describe()}"
        return f"p95 <= {budget_ms(self.bounds.p95_ms)}"

    @property
    def figures(self) -> str:
        """'the client's own lag could make board p95 up to 95 ms higher (80 ms allowed), drawer mean 12 ms
        (20 ms): over its bound; client lag p95 40 ms, max 310 ms; 37 of 250 requests late by more than 20 ms'
        and, where known, '; sent late by p95 12 ms, max 96 ms'."""
        tightest = budget_ms(self.bounds.tightest_ms)
        if self.distortion_ms:
            ordered = sorted(self.distortion_ms, key=lambda label: -self._over(label))
            moved = [
                f"{label} {ms(self.distortion_ms[label], self.bounds.per_slo_ms[label])} "
                f"({budget_ms(self.bounds.per_slo_ms[label])})"
                for label in ordered[1:]
            ]
            first = ordered[0]
            relation = "over its bound" if self.saturated else "within the bounds"
            head = (
                f"the client's own lag could make {first} up to "
                f"{ms(self.distortion_ms[first], self.bounds.per_slo_ms[first])} higher "
                f"({budget_ms(self.bounds.per_slo_ms[first])} allowed)"
                + (f", {', '.join(moved)}" if moved else "")
                + f": {relation}; client lag p95 {ms(self.p95_ms)}, max {ms(self.max_ms)}"
            )
        else:
            relation = "over" if self.saturated else "within"
            head = (
                f"client lag p95 {ms(self.p95_ms, self.bounds.p95_ms)}, {relation} the "
                f"{budget_ms(self.bounds.p95_ms)} bound, max {ms(self.max_ms)}"
            )
        sends = (
            ""
            if self.send_p95_ms is None or self.send_max_ms is None
            else f"; sent late by p95 {ms(self.send_p95_ms)}, max {ms(self.send_max_ms)}"
        )
        return (
            f"{head}; {self.late} of {self.measured} requests late by more than {tightest}{sends}"
        )

    @property
    def reason(self) -> str:
        return f"probe saturated: {self.figures}"


def client_lag(
    samples: pd.DataFrame, bounds: LagBounds, versions: Sequence[str] | None = None
) -> ClientLag | None:
    """The samples' client lag, or None when none of them knows it (judge as if it were not there).

    `versions`: work the distortion out per version (the canary judge: canary and stable).
    """
    if LAG_COLUMN not in samples.columns or samples.empty:
        return None
    lags = _known(samples, LAG_COLUMN)
    if not len(lags):
        return None
    sends = _known(samples, SEND_LAG_COLUMN)
    return ClientLag(
        measured=len(lags),
        p95_ms=float(np.percentile(lags, SATURATION_PERCENTILE)),
        max_ms=float(lags.max()),
        late=int(np.count_nonzero(lags > bounds.tightest_ms)),
        bounds=bounds,
        distortion_ms=_distortions(samples, bounds.slos, versions),
        send_p95_ms=float(np.percentile(sends, SATURATION_PERCENTILE)) if len(sends) else None,
        send_max_ms=float(sends.max()) if len(sends) else None,
    )


def _distortions(
    samples: pd.DataFrame, slos: Sequence[LatencySlo], versions: Sequence[str] | None
) -> dict[str, float]:
    """SLO label -> how much higher its stat is as measured than with each sample's lag taken off."""
    if not slos or not {"slo", "latency_ms", "error"} <= set(samples.columns):
        return {}
    names = samples["slo"].to_numpy(dtype=object)
    latency = samples["latency_ms"].to_numpy(dtype=float)
    lag = np.nan_to_num(
        pd.to_numeric(samples[LAG_COLUMN], errors="coerce").to_numpy(dtype=float), nan=0.0
    )
    usable = ~samples["error"].to_numpy().astype(bool) & ~np.isnan(latency)
    if versions is not None and "version" in samples.columns:
        version = samples["version"].to_numpy(dtype=object)
        sides = [version == name for name in versions]
    else:
        sides = [np.ones(len(samples), dtype=bool)]
    found: dict[str, float] = {}
    for slo in slos:
        for side in sides:
            mine = usable & side & (names == slo.name)
            if not mine.any():
                continue
            measured = latency[mine]
            moved = latency_stat(measured, slo.stat) - latency_stat(
                np.maximum(measured - lag[mine], 0.0), slo.stat
            )
            label = f"{slo.name} {slo.stat}"
            found[label] = max(found.get(label, 0.0), float(moved))
    return found


def _known(samples: pd.DataFrame, column: str) -> np.ndarray:
    if column not in samples.columns:
        return np.empty(0)
    values = pd.to_numeric(samples[column], errors="coerce").to_numpy(dtype=float)
    return values[~np.isnan(values)]


def server_errors_only(samples: pd.DataFrame) -> pd.DataFrame:
    """The samples with only the server's own answers (status >= 500) counted as errors.

    A request with no response (status 0: a reset, or the client's own timeout) may be the
    starved client's doing; a 5xx is the server's. Without a status column, every error counts.
    """
    if "status" not in samples.columns or samples.empty:
        return samples
    status = pd.to_numeric(samples["status"], errors="coerce").fillna(0).to_numpy()
    return samples.assign(error=samples["error"].to_numpy().astype(bool) & (status != 0))


def lag_check(lag: ClientLag) -> CheckResult:
    """The probe-health check a verdict carries: pass, or inconclusive when saturated."""
    return CheckResult(
        name=PROBE_CHECK,
        status="inconclusive" if lag.saturated else "pass",
        value=lag.value,
        threshold=lag.threshold,
        detail=lag.reason if lag.saturated else lag.figures,
        samples=lag.measured,
    )


def under_saturation(
    checks: list[CheckResult], lag: ClientLag | None, standing: Sequence[CheckResult] = ()
) -> list[CheckResult]:
    """The probe's checks with the probe-health check: first when saturated, else last.

    Saturated, a failed check becomes inconclusive, unless a `standing` check of the same name
    (one judged on evidence no client lag explains: the error rate on 5xx answers alone) fails
    too: then that one stands, failed.
    """
    if lag is None:
        return list(checks)
    if not lag.saturated:
        return [*checks, lag_check(lag)]
    stands = {check.name: check for check in standing if check.status == "fail"}
    kept = [
        _standing(stands[check.name]) if check.name in stands else _not_judged(check)
        for check in checks
    ]
    return [lag_check(lag), *kept]


def _standing(check: CheckResult) -> CheckResult:
    return check.model_copy(
        update={"detail": f"{check.detail}, 5xx answers alone: no client lag explains them"}
    )


def _not_judged(check: CheckResult) -> CheckResult:
    if check.status != "fail":
        return check
    return check.model_copy(
        update={
            "status": "inconclusive",
            "detail": f"{check.detail} — measured by a saturated probe: not judged",
        }
    )
