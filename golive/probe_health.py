"""Did the probe measure the release, or itself? Its client lag against the plan's bound (pure).

Every probe sample carries `client_lag_ms` (tasks/metrics): the longest the measuring
client held that request up — leaving late against when it was due, or an event-loop
stall while it was in flight. A starved client (a busy worker, a noisy neighbour, too
much concurrency for one event loop) reads a healthy server as a slow one, so:

- the probe is **saturated** when the lag's p95 over the judged samples exceeds the bound
  (`LaunchPlan.max_client_lag_ms`: probe.max_client_lag, by default a tenth of the
  tightest latency SLO): more than one sample in twenty may be off by more than the
  bound, enough to move a p95, a mean or an error count across a line;
- a saturated evaluation is `inconclusive`, with a reason starting "probe saturated: "
  and the figures — never a failed SLO blamed on the release. The whole evaluation, not
  only its failing checks: a check that passes under saturation keeps its status and its
  figure (a slow client only makes latencies look worse), but comparisons between canary
  and stable can be distorted either way, and a probe that is behind is not sending the
  load the plan asked for. A failed check becomes inconclusive and says it was measured
  under saturation. CloudWatch alarms are not the probe's evidence: an ALARM still fails;
- samples that do not know their lag (no column, or all NaN: CloudWatch, older CSVs)
  are judged as before: no probe-health check at all.

The lag is an estimate from the client's side (the worst single stall a request saw): a
response that waits on several busy loop turns can lose more than one stall. That is why
the default bound is small against the SLOs.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from golive.checks import CheckResult
from golive.formatting import budget_ms, ms

__all__ = ["LAG_COLUMN", "PROBE_CHECK", "SATURATION_PERCENTILE", "ClientLag", "client_lag", "lag_check",
           "under_saturation"]

LAG_COLUMN = "client_lag_ms"
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

    @property
    def saturated(self) -> bool:
        return self.p95_ms > self.bound_ms

    @property
    def value(self) -> str:
        return f"p95 {ms(self.p95_ms, self.bound_ms)}, max {ms(self.max_ms)}"

    @property
    def figures(self) -> str:
        """'client lag p95 48 ms, max 310 ms > 20 ms bound; 37 of 250 requests late by more than 20 ms'."""
        relation = ">" if self.saturated else "<="
        return (f"client lag p95 {ms(self.p95_ms, self.bound_ms)}, max {ms(self.max_ms)} (p95 {relation} "
                f"{budget_ms(self.bound_ms)} bound); {self.late} of {self.measured} requests late by more "
                f"than {budget_ms(self.bound_ms)}")

    @property
    def reason(self) -> str:
        return f"probe saturated: {self.figures}"


def client_lag(samples: pd.DataFrame, bound_ms: float) -> ClientLag | None:
    """The samples' client lag, or None when none of them knows it (judge as if it were not there)."""
    if not bound_ms > 0:
        raise ValueError(f"the client-lag bound must be more than 0 ms, not {bound_ms!r}")
    if LAG_COLUMN not in samples.columns or samples.empty:
        return None
    lags = pd.to_numeric(samples[LAG_COLUMN], errors="coerce").to_numpy(dtype=float)
    lags = lags[~np.isnan(lags)]
    if not len(lags):
        return None
    return ClientLag(measured=len(lags), p95_ms=float(np.percentile(lags, SATURATION_PERCENTILE)),
                     max_ms=float(lags.max()), late=int(np.count_nonzero(lags > bound_ms)), bound_ms=bound_ms)


def lag_check(lag: ClientLag) -> CheckResult:
    """The probe-health check a verdict carries: pass, or inconclusive when saturated."""
    return CheckResult(name=PROBE_CHECK, status="inconclusive" if lag.saturated else "pass", value=lag.value,
                       threshold=f"p95 <= {budget_ms(lag.bound_ms)}",
                       detail=lag.reason if lag.saturated else lag.figures, samples=lag.measured)


def under_saturation(checks: list[CheckResult], lag: ClientLag | None) -> list[CheckResult]:
    """The probe's checks with the probe-health check: first when saturated (fails made inconclusive), else last."""
    if lag is None:
        return list(checks)
    if not lag.saturated:
        return [*checks, lag_check(lag)]
    return [lag_check(lag), *(_not_judged(check) for check in checks)]


def _not_judged(check: CheckResult) -> CheckResult:
    if check.status != "fail":
        return check
    return check.model_copy(update={"status": "inconclusive",
                                    "detail": f"{check.detail} — measured by a saturated probe: not judged"})

