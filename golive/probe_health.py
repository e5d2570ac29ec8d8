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

- The probe is **saturated** when that distortion exceeds the bound for any latency SLO
  (`LaunchPlan.max_client_lag_ms`: probe.max_client_lag, by default a tenth of the
  tightest latency SLO). Where no latency SLO has a successful sample (or there is none)
  it is saturated when the lag's p95 exceeds the bound. One stall that a few requests
  in flight shared moves a p95 or a mean little; a client that is behind all the time
  moves them a lot.
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

from blocks.plan import LatencySlo
from golive.checks import CheckResult
from golive.formatting import budget_ms, ms
from golive.latency_stats import latency_stat

__all__ = ["LAG_COLUMN", "PROBE_CHECK", "SATURATION_PERCENTILE", "SEND_LAG_COLUMN", "ClientLag", "client_lag",
           "lag_check", "server_errors_only", "under_saturation"]

LAG_COLUMN = "client_lag_ms"
SEND_LAG_COLUMN = "send_lag_ms"
PROBE_CHECK = "probe client lag"  # the check's name in a verdict
SATURATION_PERCENTILE = 95.0


@dataclass(frozen=True)
class ClientLag:
    """The client lag of one evaluation's samples, against the bound (all in ms)."""

    measured: int  # samples that know their lag
    p95_ms: float
    max_ms: float
    late: int  # samples whose lag exceeds the bound
    bound_ms: float
    # how far the lag could have moved each latency SLO's number ('board p95' -> ms), worst version first
    distortion_ms: dict[str, float] = field(default_factory=dict)
    send_p95_ms: float | None = None  # how late requests left, where known
    send_max_ms: float | None = None

    @property
    def worst(self) -> tuple[str, float] | None:
        """The SLO number the lag could have moved most, and by how much."""
        return max(self.distortion_ms.items(), key=lambda item: item[1]) if self.distortion_ms else None

    @property
    def saturated(self) -> bool:
        worst = self.worst
        return worst[1] > self.bound_ms if worst is not None else self.p95_ms > self.bound_ms

    @property
    def value(self) -> str:
        worst = self.worst
        moved = f"; {worst[0]} up to +{ms(worst[1], self.bound_ms)}" if worst is not None else ""
        return f"p95 {ms(self.p95_ms)}, max {ms(self.max_ms)}{moved}"

    @property
    def threshold(self) -> str:
        what = "each SLO's number moved" if self.distortion_ms else "p95"
        return f"{what} <= {budget_ms(self.bound_ms)}"

    @property
    def figures(self) -> str:
        """'the client's own lag could make board p95 up to 48 ms higher (drawer mean 12 ms), over the 20 ms
        bound; client lag p95 40 ms, max 310 ms; 37 of 250 requests late by more than 20 ms; sent late by ...'."""
        relation = "over" if self.saturated else "within"
        bound = budget_ms(self.bound_ms)
        if self.distortion_ms:
            (name, worst), *others = sorted(self.distortion_ms.items(), key=lambda item: -item[1])
            rest = f" ({', '.join(f'{n} {ms(v)}' for n, v in others)})" if others else ""
            head = (f"the client's own lag could make {name} up to {ms(worst, self.bound_ms)} higher{rest}, "
                    f"{relation} the {bound} bound; client lag p95 {ms(self.p95_ms)}, max {ms(self.max_ms)}")
        else:
            head = (f"client lag p95 {ms(self.p95_ms, self.bound_ms)}, {relation} the {bound} bound, "
                    f"max {ms(self.max_ms)}")
        sends = ("" if self.send_p95_ms is None or self.send_max_ms is None
                 else f"; sent late by p95 {ms(self.send_p95_ms)}, max {ms(self.send_max_ms)}")
        return f"{head}; {self.late} of {self.measured} requests late by more than {bound}{sends}"

    @property
    def reason(self) -> str:
        return f"probe saturated: {self.figures}"


def client_lag(samples: pd.DataFrame, bound_ms: float, slos: Sequence[LatencySlo] = (),
               versions: Sequence[str] | None = None) -> ClientLag | None:
    """The samples' client lag, or None when none of them knows it (judge as if it were not there).

    `slos`: the latency SLOs whose numbers the lag could move (without them only the lag's p95 is
    judged); `versions`: work the distortion out per version (the canary judge: canary and stable).
    """
    if not bound_ms > 0:
        raise ValueError(f"the client-lag bound must be more than 0 ms, not {bound_ms!r}")
    if LAG_COLUMN not in samples.columns or samples.empty:
        return None
    lags = _known(samples, LAG_COLUMN)
    if not len(lags):
        return None
    sends = _known(samples, SEND_LAG_COLUMN)
    return ClientLag(measured=len(lags), p95_ms=float(np.percentile(lags, SATURATION_PERCENTILE)),
                     max_ms=float(lags.max()), late=int(np.count_nonzero(lags > bound_ms)), bound_ms=bound_ms,
                     distortion_ms=_distortions(samples, slos, versions),
                     send_p95_ms=float(np.percentile(sends, SATURATION_PERCENTILE)) if len(sends) else None,
                     send_max_ms=float(sends.max()) if len(sends) else None)


def _distortions(samples: pd.DataFrame, slos: Sequence[LatencySlo],
                 versions: Sequence[str] | None) -> dict[str, float]:
    """SLO label -> how much higher its stat is as measured than with each sample's lag taken off."""
    if not slos or not {"slo", "latency_ms", "error"} <= set(samples.columns):
        return {}
    names = samples["slo"].to_numpy(dtype=object)
    latency = samples["latency_ms"].to_numpy(dtype=float)
    lag = np.nan_to_num(pd.to_numeric(samples[LAG_COLUMN], errors="coerce").to_numpy(dtype=float), nan=0.0)
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
            moved = latency_stat(measured, slo.stat) - latency_stat(np.maximum(measured - lag[mine], 0.0), slo.stat)
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
    return CheckResult(name=PROBE_CHECK, status="inconclusive" if lag.saturated else "pass", value=lag.value,
                       threshold=lag.threshold, detail=lag.reason if lag.saturated else lag.figures,
                       samples=lag.measured)


def under_saturation(checks: list[CheckResult], lag: ClientLag | None,
                     standing: Sequence[CheckResult] = ()) -> list[CheckResult]:
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
    kept = [_standing(stands[check.name]) if check.name in stands else _not_judged(check) for check in checks]
    return [lag_check(lag), *kept]


def _standing(check: CheckResult) -> CheckResult:
    return check.model_copy(update={"detail": f"{check.detail}, 5xx answers alone: no client lag explains them"})


def _not_judged(check: CheckResult) -> CheckResult:
    if check.status != "fail":
        return check
    return check.model_copy(update={"status": "inconclusive",
                                    "detail": f"{check.detail} — measured by a saturated probe: not judged"})
