"""What one canary evaluation can see, from the plan alone (pure): for `golive plan check`.

Per canary step: how many probe requests should reach the canary in one evaluation
(`requests_per_evaluation` × the step's %), how many of those per latency SLO endpoint (the
probe sends request i to endpoint i mod their number, `tasks/metrics/probe.py`), and the
smallest canary error rate one evaluation can prove to be over the plan's error-rate limit.
An evaluation judges the newest interval, reaching back over the step's earlier ones until
every count has `slos.min_samples` (`canary_policy.evaluation_window`): the sight says how
many intervals that takes when the canary is healthy, and judges the rate on all of them.

The last uses the canary judge's own rule (`golive/core/judge.py: _canary_error_rate`): k
errors in n requests fail only if k/n is at or over the limit *and* the one-sided binomial
test says so, P(Binomial(n, limit) ≥ k) < alpha. The smallest such k/n is the detectable
rate; a true rate below it is at best inconclusive in one evaluation (the step bakes on).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from blocks.plan import LaunchPlan
from golive.core.formatting import is_at_least, percent_limit
from golive.core.judge import BREACH_ALPHA, binomial_tail

__all__ = [
    "StepSight",
    "canary_sights",
    "describe",
    "sight_warnings",
    "smallest_detectable_error_rate",
]

DETECTABLE_MARGIN = 2.0  # warn when one evaluation only proves rates over twice the limit


@dataclass(frozen=True)
class StepSight:
    step: int  # canary %
    requests: float  # expected probe requests reaching the canary per evaluation interval
    per_endpoint: float  # of those, per latency SLO endpoint (all of them without latency SLOs)
    endpoints: int  # latency SLO endpoints the probe splits its requests over (0: none)
    window: int  # intervals a healthy evaluation judges together to reach slos.min_samples
    starved: bool  # the step's bake holds fewer intervals than that: its SLOs cannot pass
    detectable: float | None  # smallest error rate one evaluation fails; None: none can

    @property
    def judged(self) -> int:
        """Whole canary requests one evaluation judges (the judge counts what arrived)."""
        return math.floor(self.requests * self.window)


def smallest_detectable_error_rate(
    n: int, limit: float, alpha: float = BREACH_ALPHA
) -> float | None:
    """The smallest k/n the canary judge fails with k errors in n requests, or None if even
    n errors in n would not be significant (too few requests)."""
    for k in range(1, n + 1):
        if is_at_least(k / n, limit) and binomial_tail(k, n, limit) < alpha:
            return k / n
    return None


def canary_sights(plan: LaunchPlan, alpha: float = BREACH_ALPHA) -> list[StepSight]:
    """One `StepSight` per canary step of the plan."""
    endpoints, min_samples = len(plan.slos.latency), plan.slos.min_samples
    sights = []
    for step in plan.canary.steps:
        requests = plan.expected_canary_samples(step)
        per_endpoint = requests / max(endpoints, 1)
        # evaluation_window reaches back over the step's intervals until every count has min_samples
        needed = math.ceil(min_samples / per_endpoint) if per_endpoint else math.inf
        available = plan.canary.evaluations_per_step
        window = int(max(1, min(needed, available)))
        judged = math.floor(requests * window)
        sights.append(
            StepSight(
                step=step,
                requests=requests,
                per_endpoint=per_endpoint,
                endpoints=endpoints,
                window=window,
                starved=needed > available,
                detectable=smallest_detectable_error_rate(
                    judged, plan.slos.error_rate.limit, alpha
                ),
            )
        )
    return sights


def rate_text(rate: float) -> str:
    """0.0833 -> '8.3 %': two significant digits are enough to compare with a limit."""
    return f"{rate * 100:.2g} %"


def describe(sight: StepSight) -> str:
    """'~60 per interval (~30 per SLO endpoint); 2 intervals (120) prove errors ≥ 5.8 %'."""
    split = f" (~{sight.per_endpoint:.3g} per SLO endpoint)" if sight.endpoints > 1 else ""
    window = f"{sight.window} intervals" if sight.window > 1 else "1 interval"
    verb = "prove" if sight.window > 1 else "proves"
    proves = (
        f"{verb} errors ≥ {rate_text(sight.detectable)}"
        if sight.detectable is not None
        else f"{verb} no error rate"
    )
    return f"~{sight.requests:.3g} per interval{split}; {window} ({sight.judged}) {proves}"


def sight_warnings(plan: LaunchPlan, alpha: float = BREACH_ALPHA) -> list[str]:
    """What one evaluation cannot see, per step: too few samples per interval, breaches it cannot prove."""
    limit, min_samples = plan.slos.error_rate.limit, plan.slos.min_samples
    found = []
    sights = canary_sights(plan, alpha)
    for sight in sights:
        where = f"canary {sight.step}%"
        per = "per latency SLO endpoint " if sight.endpoints > 1 else ""
        if sight.starved:
            found.append(
                f"{where}: ~{sight.per_endpoint:.3g} probe requests {per}reach the canary per interval, "
                f"~{sight.per_endpoint * sight.window:.3g} in the step's {sight.window} evaluation intervals, "
                f"below slos.min_samples ({min_samples}): the step cannot pass (inconclusive, then a human decides)"
            )
        elif sight.window > 1:
            found.append(
                f"{where}: ~{sight.per_endpoint:.3g} probe requests {per}reach the canary per interval, "
                f"below slos.min_samples ({min_samples}): each evaluation judges the last {sight.window} "
                "intervals together, and the step's first evaluation is inconclusive"
            )
        if sight.detectable is None:
            found.append(
                f"{where}: an evaluation's ~{sight.judged} canary requests cannot prove any error rate over "
                f"the {percent_limit(limit)} limit: raise probe.requests_per_evaluation"
            )
    blind = [
        s for s in sights if s.detectable is not None and s.detectable > DETECTABLE_MARGIN * limit
    ]
    if blind:
        found.append(
            f"slos.error_rate: one evaluation proves a breach of the {percent_limit(limit)} limit only from "
            + ", ".join(
                f"{rate_text(s.detectable or 0)} at {s.step}% (~{s.judged} requests)" for s in blind
            )
            + "; a smaller breach does not fail it"
        )
    return found
