"""What to do after each canary evaluation: keep baking, advance, extend, roll back or ask a human (pure).

One `StepTracker` per canary step is fed one `Verdict` (from `golive.core.judge.judge_canary`)
per evaluation interval and answers with a `StepDecision`:

- a `fail` counts toward the consecutive and the total failures; reaching
  `max_consecutive_failures` in a row, or `max_total_failures` in all, rolls back at
  once. With `max_consecutive_failures: 1` the first failed evaluation rolls back (the
  runbook's "roll back the moment something breaches"). There is no separate shortcut
  for a "large" breach: the canary judge fails only what it has shown to be over the
  line, so a plan that wants the first failure to roll back says 1, and a plan that
  says 2 asks for one confirming evaluation, which costs one interval. The
  decision-quality benchmark measured both on the sandbox plan: with 1, 2.4–5.2 % of
  healthy canaries were rolled back; with 2, none of 2,500. The total carries over
  from step to step (`failures_before`), so `max_total_failures` counts over the
  whole canary;
- only `pass` and `warn` clear the consecutive count: an `inconclusive` evaluation is no
  evidence of health, so fail, inconclusive, fail is two in a row;
- at the end of the bake (`bake / evaluation_interval` evaluations) the step advances if
  the last verdict is `pass` or `warn`; otherwise (inconclusive, or a failure below the
  limits) the bake is extended by one bake, at most `max_inconclusive_extensions`
  times, and then a human decides (`ask_human`: the approval pause fails closed).

Each evaluation should judge a window that holds enough samples: `evaluation_window`
takes the step's interval frames and reaches back from the newest until the canary
has `min_samples` per SLO (at the sandbox's 10 % step one interval holds about 12
board requests, so the window is two intervals). It never reaches back past the last
failed evaluation (`StepTracker.fresh_from`): a failure is confirmed only by samples
it did not see. Without that rule, two overlapping windows failing "in a row" were
mostly one chance event seen twice: the benchmark's healthy canaries were rolled back
about once in 150 at the 10 % step. A window of w intervals makes confirmation slower;
`worst_case_time_to_rollback` counts it.

An evaluation lasts its interval or its probe, whichever is longer (the flow sleeps out the
rest of the interval after the probe): `rollback_costs` estimates the probe's time and the
rollback's own action from the plan, and `rollback_sentence` states the worst case with
them. The stage artifact then shows how long the evaluations really took.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

from blocks.plan import CanaryPolicy, LaunchPlan, Slos
from golive.core.formatting import budget_ms, elapsed
from golive.core.judge import CANARY, Verdict

__all__ = [
    "SHARE_CHECK_REQUESTS",
    "Decision",
    "RollbackCosts",
    "StepDecision",
    "StepPolicy",
    "StepTracker",
    "evaluation_window",
    "expected_window_intervals",
    "measured_sentence",
    "probe_seconds",
    "rollback_costs",
    "rollback_sentence",
    "worst_case_time_to_rollback",
]

# The rollback's share check (flows/rollback.py VERIFY_REQUESTS) and a router change's API call.
SHARE_CHECK_REQUESTS = 200
ROUTER_CHANGE_S = 1.0

Decision = Literal["continue_baking", "advance", "rollback", "extend", "ask_human"]
FINAL: frozenset[Decision] = frozenset({"advance", "rollback", "ask_human"})


@dataclass(frozen=True)
class StepPolicy:
    """The plan's canary timings and limits, as one step uses them (seconds)."""

    evaluation_interval: float
    bake: float
    max_consecutive_failures: int = 2
    max_total_failures: int = 3
    max_inconclusive_extensions: int = 2

    def __post_init__(self) -> None:
        if not 0 < self.evaluation_interval <= self.bake:
            raise ValueError("evaluation_interval must be more than zero and not longer than bake")
        if not 1 <= self.max_consecutive_failures <= self.max_total_failures:
            raise ValueError("need 1 <= max_consecutive_failures <= max_total_failures")
        if self.max_inconclusive_extensions < 0:
            raise ValueError("max_inconclusive_extensions must not be negative")

    @classmethod
    def from_plan(cls, canary: CanaryPolicy) -> StepPolicy:
        return cls(
            evaluation_interval=float(canary.evaluation_interval),
            bake=float(canary.bake),
            max_consecutive_failures=canary.max_consecutive_failures,
            max_total_failures=canary.max_total_failures,
            max_inconclusive_extensions=canary.max_inconclusive_extensions,
        )

    @property
    def evaluations_per_bake(self) -> int:
        # the same rule as CanaryPolicy.evaluations_per_step; the epsilon keeps 0.3 s / 0.1 s at 3
        return max(1, int(self.bake / self.evaluation_interval + 1e-9))

    @property
    def rolls_back_at_first_failure(self) -> bool:
        return self.max_consecutive_failures == 1


@dataclass(frozen=True)
class StepDecision:
    decision: Decision
    reason: str
    evaluation: int  # 1-based, within the step (extensions included)
    consecutive_failures: int
    total_failures: int  # over the canary, when the tracker was given failures_before
    extensions: int

    @property
    def final(self) -> bool:
        return self.decision in FINAL


@dataclass
class StepTracker:
    """Feed one verdict per evaluation interval; the decision says what the flow does next."""

    policy: StepPolicy
    failures_before: int = (
        0  # failures in earlier steps of this canary (max_total_failures is per canary)
    )
    evaluations: int = 0
    consecutive_failures: int = 0
    total_failures: int = field(init=False)
    extensions: int = 0
    fresh_from: int = 0  # evaluations up to the last failed one: the next window starts after them
    history: list[StepDecision] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.total_failures = self.failures_before

    @property
    def planned_evaluations(self) -> int:
        return self.policy.evaluations_per_bake * (1 + self.extensions)

    @property
    def done(self) -> bool:
        return bool(self.history) and self.history[-1].final

    @property
    def decision(self) -> StepDecision | None:
        return self.history[-1] if self.history else None

    def observe(self, verdict: Verdict) -> StepDecision:
        if self.done:
            raise RuntimeError(
                f"this step is over ({self.history[-1].decision}); start a new tracker"
            )
        policy = self.policy
        self.evaluations += 1
        if verdict.status == "fail":
            self.consecutive_failures += 1
            self.total_failures += 1
            self.fresh_from = self.evaluations
        elif verdict.status in ("pass", "warn"):
            self.consecutive_failures = 0
        if verdict.status == "fail" and verdict.proven:
            return self._decide(
                "rollback",
                f"a breach proven by a sequential test, within the launch's false-rollback bound "
                f"({verdict.reason})",
            )
        if (
            verdict.status == "fail"
            and self.consecutive_failures >= policy.max_consecutive_failures
        ):
            count = self.consecutive_failures
            why = (
                f"failed evaluation, and the plan rolls back at the first ({verdict.reason})"
                if policy.rolls_back_at_first_failure
                else f"{count} failed evaluations in a row (limit {policy.max_consecutive_failures}): {verdict.reason}"
            )
            return self._decide("rollback", why)
        if verdict.status == "fail" and self.total_failures >= policy.max_total_failures:
            return self._decide(
                "rollback",
                f"{self.total_failures} failed evaluations in all "
                f"(limit {policy.max_total_failures}): {verdict.reason}",
            )
        if self.evaluations < self.planned_evaluations:
            return self._decide(
                "continue_baking",
                f"evaluation {self.evaluations} of {self.planned_evaluations}: {verdict.status}: {verdict.reason}",
            )
        if verdict.ok:
            return self._decide(
                "advance",
                f"bake complete, {self.evaluations} evaluations, last {verdict.status}: {verdict.reason}",
            )
        if self.extensions < policy.max_inconclusive_extensions:
            self.extensions += 1
            return self._decide(
                "extend",
                f"bake ends {verdict.status} ({verdict.reason}): extended by one bake "
                f"({self.extensions} of {policy.max_inconclusive_extensions})",
            )
        return self._decide(
            "ask_human",
            f"still {verdict.status} after {self.extensions} extension(s) ({verdict.reason}): a human decides",
        )

    def _decide(self, decision: Decision, reason: str) -> StepDecision:
        made = StepDecision(
            decision=decision,
            reason=reason,
            evaluation=self.evaluations,
            consecutive_failures=self.consecutive_failures,
            total_failures=self.total_failures,
            extensions=self.extensions,
        )
        self.history.append(made)
        return made


# --------------------------------------------------------------------- windows


def evaluation_window(
    intervals: Sequence[pd.DataFrame], slos: Slos, *, start: int = 0, version: str = CANARY
) -> pd.DataFrame:
    """The samples one evaluation judges: the newest interval, plus earlier ones of the step as needed.

    `intervals` are this step's per-interval frames, oldest first, one per evaluation.
    Reaches back until `version` has `min_samples` requests and `min_samples` successful
    samples for every latency SLO, but not before `intervals[start]` (pass
    `tracker.fresh_from`, so a failure is confirmed by new samples only), so a canary at
    10 % is judged on enough samples while a breach is not diluted by a long healthy past.
    """
    if not 0 <= start < len(intervals):
        raise ValueError(f"start {start} outside the step's {len(intervals)} interval(s)")
    chosen: list[pd.DataFrame] = []
    for frame in reversed(intervals[start:]):
        chosen.append(frame)
        if _enough(chosen, slos, version):
            break
    if not chosen:
        raise ValueError("no intervals to judge")
    return chosen[0] if len(chosen) == 1 else pd.concat(chosen[::-1], ignore_index=True)


def _enough(frames: list[pd.DataFrame], slos: Slos, version: str) -> bool:
    requests, successful = 0, dict.fromkeys((slo.name for slo in slos.latency), 0)
    for frame in frames:
        if frame.empty:
            continue
        mine = frame["version"].to_numpy(dtype=object) == version
        requests += int(np.count_nonzero(mine))
        ok = (
            mine
            & ~frame["error"].to_numpy().astype(bool)
            & ~np.isnan(frame["latency_ms"].to_numpy(dtype=float))
        )
        names = frame["slo"].to_numpy(dtype=object)
        for name in successful:
            successful[name] += int(np.count_nonzero(ok & (names == name)))
    return requests >= slos.min_samples and all(n >= slos.min_samples for n in successful.values())


def expected_window_intervals(requests_per_evaluation: int, step: int, slos: Slos) -> int:
    """Intervals `evaluation_window` will typically span at a step, for a probe spreading requests over the SLOs."""
    targets = max(1, len(slos.latency))
    per_slo = requests_per_evaluation * step / 100 / targets
    return max(1, math.ceil(slos.min_samples / per_slo)) if per_slo > 0 else 1


# ------------------------------------------------------------ time to rollback


@dataclass(frozen=True)
class RollbackCosts:
    """What an evaluation and the rollback itself cost, estimated from the plan (seconds), with the arithmetic."""

    probe_seconds: float  # one probe of requests_per_evaluation
    probe_basis: str  # '250 requests at concurrency 32 × 500 ms (the latency SLOs' mean threshold)'
    action_seconds: float  # router change + share check
    action_basis: str


def probe_seconds(plan: LaunchPlan, requests: int | None = None) -> tuple[float, str]:
    """(seconds, how) one probe takes: requests / rate, or rounds of `concurrency` requests × the expected
    latency (the latency SLOs' mean threshold: an upper bound for a release within its SLOs), whichever
    is longer (an open-loop rate cannot outrun its concurrency cap)."""
    probe = plan.probe
    total = probe.requests_per_evaluation if requests is None else requests
    latency_ms = _expected_latency_ms(plan.slos)
    rounds = math.ceil(total / probe.concurrency)
    by_concurrency = rounds * latency_ms / 1000
    basis = (
        f"{total} requests at concurrency {probe.concurrency} × {budget_ms(latency_ms)}, "
        f"{_latency_basis(plan.slos)}"
    )
    if probe.rate is None:
        return by_concurrency, basis
    by_rate = total / probe.rate
    if by_rate >= by_concurrency:
        return by_rate, f"{total} requests at {probe.rate.text}"
    return by_concurrency, f"{basis}, slower than {probe.rate.text}"


def rollback_costs(plan: LaunchPlan, share_requests: int = SHARE_CHECK_REQUESTS) -> RollbackCosts:
    """The probe's time per evaluation, and the rollback's action: one router change, then the share check
    (`share_requests` health requests in rounds of the probe's concurrency, each within the expected latency)."""
    probe_time, probe_basis = probe_seconds(plan)
    latency_ms = _expected_latency_ms(plan.slos)
    check = math.ceil(share_requests / plan.probe.concurrency) * latency_ms / 1000
    router = plan.environments.production.router
    kind = (
        {"route53": "Route 53", "alb": "ALB"}.get(router.kind, router.kind) if router else "router"
    )
    after = ", then until INSYNC, and the record's TTL for clients" if kind == "Route 53" else ""
    action_basis = (
        f"the {kind} change ({_duration(ROUTER_CHANGE_S)}{after}) and the share check "
        f"({share_requests} requests at concurrency {plan.probe.concurrency} × {budget_ms(latency_ms)}, "
        f"{_duration(check)})"
    )
    return RollbackCosts(
        probe_seconds=probe_time,
        probe_basis=probe_basis,
        action_seconds=ROUTER_CHANGE_S + check,
        action_basis=action_basis,
    )


def _expected_latency_ms(slos: Slos) -> float:
    # The probe sends round-robin over the latency SLOs' paths; with none, the health path, budgeted at 1 s.
    return (
        sum(float(s.threshold) for s in slos.latency) / len(slos.latency)
        if slos.latency
        else 1000.0
    )


def _latency_basis(slos: Slos) -> str:
    if not slos.latency:
        return "no latency SLO: the health path at 1 s"
    return (
        "the latency SLO's threshold"
        if len(slos.latency) == 1
        else "the latency SLOs' mean threshold"
    )


def worst_case_time_to_rollback(
    policy: StepPolicy | CanaryPolicy, *, window_intervals: int = 1, evaluation_seconds: float = 0.0
) -> float:
    """Seconds from a breach starting to the rollback decision, if every evaluation that sees it fails.

    (max_consecutive_failures x window_intervals + 1) x cycle, where a cycle is the
    evaluation_interval or `evaluation_seconds` (what one evaluation takes: its probe),
    whichever is longer. A breach may start just after an evaluation began, and a window
    it only partly fills may pass, so the first window made wholly of the breach closes up
    to `window_intervals` + 1 cycles after it starts (the "one interval of detection lag"
    for a window of one). It fails; each of the `max_consecutive_failures` - 1
    confirmations is judged on fresh samples, `window_intervals` cycles later. With a
    window of one interval that is (max_consecutive_failures + 1) cycles. The total limit
    can only make it sooner. Moving traffic back to stable comes on top.
    """
    step = policy if isinstance(policy, StepPolicy) else StepPolicy.from_plan(policy)
    if window_intervals < 1:
        raise ValueError("window_intervals must be at least 1")
    if evaluation_seconds < 0:
        raise ValueError("evaluation_seconds must not be negative")
    return (step.max_consecutive_failures * window_intervals + 1) * max(
        step.evaluation_interval, evaluation_seconds
    )


def rollback_sentence(
    policy: StepPolicy | CanaryPolicy,
    *,
    window_intervals: int = 1,
    costs: RollbackCosts | None = None,
) -> str:
    """The stage artifact's sentence on how long a breach can last: to the rollback decision and, with the
    plan's `costs` (`rollback_costs`), through the rollback's own action to traffic on stable."""
    step = policy if isinstance(policy, StepPolicy) else StepPolicy.from_plan(policy)
    cycle = max(step.evaluation_interval, costs.probe_seconds if costs else 0.0)
    decision = worst_case_time_to_rollback(
        step, window_intervals=window_intervals, evaluation_seconds=cycle
    )
    first = _duration((window_intervals + 1) * cycle)
    window = (
        "an evaluation judges a whole interval of it"
        if window_intervals == 1
        else f"an evaluation window ({window_intervals} intervals, to reach min_samples) holds nothing else"
    )
    count = step.max_consecutive_failures
    if count == 1:
        confirm = "that failed evaluation rolls back at once"
    else:
        more = f"{count - 1} more failed evaluation{'s' if count > 2 else ''}"
        confirm = f"{more} on fresh samples, {_duration(window_intervals * cycle)} apart, make {count} in a row"
    limits = f"{window}; then {confirm}; max_total_failures {step.max_total_failures} can only make it sooner"
    caveat = (
        "This assumes each evaluation that sees the breach fails; a breach observed over the line but not "
        "yet significant is inconclusive: the step bakes on or is extended, it does not advance."
    )
    if costs is None:
        return (
            f"Worst case from a breach to the rollback decision: {_duration(decision)} (up to {first} until "
            f"{limits}). {caveat}"
        )
    interval = _duration(step.evaluation_interval)
    if costs.probe_seconds > step.evaluation_interval:
        per = f"as its probe ({costs.probe_basis}) outlasts the {interval} interval"
    else:
        per = (
            f"the interval (its probe, {costs.probe_basis}, needs {_duration(costs.probe_seconds)})"
        )
    failures = f"{count} failed evaluation{'s' if count > 1 else ''}"
    per_window = f"{window_intervals} interval{'s' if window_intervals > 1 else ''} per window"
    return (
        f"Worst case from a breach to traffic on stable: {_duration(decision + costs.action_seconds)}. "
        f"To the rollback decision {_duration(decision)} = ({failures} × {per_window} + 1) × "
        f"{_duration(cycle)} per evaluation, {per}; up to {first} until {limits}. Then the rollback, "
        f"{_duration(costs.action_seconds)}: {costs.action_basis}. {caveat}"
    )


def measured_sentence(
    seconds: Sequence[float], estimated_probe_seconds: float | None = None
) -> str:
    """What the step's evaluations really took (probe, alarms and judge each), against the probe's estimate."""
    if not seconds:
        return "No evaluation ran."
    values = sorted(seconds)
    median = float(np.median(values))
    span = (
        f"{_duration(_round(values[0]))} to {_duration(_round(values[-1]))}, median {_duration(_round(median))}"
        if len(values) > 1
        else _duration(_round(values[0]))
    )
    against = (
        ""
        if estimated_probe_seconds is None
        else f", against {_duration(_round(estimated_probe_seconds))} estimated for a probe"
    )
    plural = "s" if len(values) > 1 else ""
    return f"Measured: {len(values)} evaluation{plural} took {span}{against}."


def _round(seconds: float) -> float:
    return round(seconds, 1) if seconds >= 1 else round(seconds, 3)


def _duration(seconds: float) -> str:
    if seconds < 1:
        return budget_ms(seconds * 1000)
    for unit, size in (("h", 3600), ("min", 60)):
        if seconds >= size and seconds % size == 0:
            return f"{seconds / size:g} {unit}"
    return f"{seconds:g} s" if seconds < 60 else elapsed(seconds)
