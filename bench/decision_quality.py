"""Benchmark: decision quality of the canary judge, against a Flagger-style threshold judge on the same samples.

Simulated canaries run the sandbox plan (plans/sandbox.yaml, loaded with env={}): steps
10/30/50/100 %, 3 evaluations per bake (3 s / 1 s), at most 2 extensions, 2 consecutive
/ 3 total failures, 250 probe requests per evaluation spread round-robin over the two
latency SLOs, each routed to the canary with the step's share. Latencies are log-normal
like sandbox/backend.py (board median 160 ms, sigma 0.38, p95 ~300 ms; drawer median
45 ms, sigma 0.35); errors are Bernoulli. A degraded canary's breach is there from its
first request. Healthy scenarios run canary and stable identically (a service running
near a line is still healthy); degraded ones run stable normally unless said.

Both judges see the same per-interval samples (numpy, seeded per scenario):

- golive, the real code: `evaluation_window(intervals, slos, start=tracker.fresh_from)`
  -> `judge_canary(window, slos, compare, step=step)` -> `StepTracker.observe`, one
  tracker per step, failures carried over (max_total_failures counts over the canary);
- Flagger-style: every interval, threshold checks on that interval's canary samples
  only (error rate >= 1 %, board p95 >= 800 ms, drawer mean >= 200 ms; no minimum
  sample count, no test, no comparison with stable; no data is a failed check, as in
  Flagger); a failing interval adds one failed check, never reset; rollback when the
  failed checks reach `threshold` (= the plan's max_consecutive_failures); otherwise the
  step advances after its 3 intervals (no extensions, no human).

- golive sequential on counts, the real code too: what a Prometheus source counts of the
  sandbox's users (`--users` requests per second, 50 by default, the mix of sandbox/users.py:
  40 % board, 40 % drawer, the rest stats and moves), each interval's canary and stable counts
  drawn from the same log-normal profiles (errors Bernoulli, a board answer slower than
  800 ms with its profile's probability, the drawer's latency sum from its draws), judged by
  `judge_counts` (sequential tests since the canary started, the plan's
  `canary.false_rollback_bound`) -> `StepTracker.observe` (a proven breach rolls back at
  once). It runs `--counts-trials` trials per scenario (2,500 by default: the false-rollback
  target is 0 in 2,500 healthy trials).

Detection is the rollback decision, counted in evaluation intervals (1 s each here)
from the canary's first interval, and in canary requests seen until then. "Asks a
human" is golive's `ask_human`: the canary is held, not promoted, until someone decides.
The threshold-judge bound is the chance that the first two intervals hold at least one
bad canary sample (an error, or a board latency at or over 800 ms): no judge that only
compares samples with the thresholds can detect more often than that within two
intervals. A judge that compares with a normal stable can beat it.

Usage: uv run python bench/decision_quality.py [--trials 500] [--seed 20261127] [--workers 2]
           [--breach-alpha 0.001|none] [--max-consecutive N] [--requests N] [--write-docs]
"""

from __future__ import annotations

import argparse
import itertools
import math
import time
import warnings
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from blocks.plan import LaunchPlan, load_plan, parse_percent
from golive.core.canary_policy import (
    StepPolicy,
    StepTracker,
    evaluation_window,
    worst_case_time_to_rollback,
)
from golive.core.counts_judge import ArmCounts, SloCounts, comparison_alpha, judge_counts
from golive.core.judge import BREACH_ALPHA, Verdict, judge_canary

REPO = Path(__file__).resolve().parents[1]
PLAN = REPO / "plans" / "sandbox.yaml"
DOCS = REPO / "docs" / "benchmarks.md"
SECTION = "## Decision quality — bench/decision_quality.py"
Z95 = 1.6448536269514722

# sandbox/backend.py LATENCY profiles: (median ms, sigma)
BOARD = (160.0, 0.38)
DRAWER = (45.0, 0.35)
BOARD_P95 = BOARD[0] * math.exp(Z95 * BOARD[1])  # ~299 ms


@dataclass(frozen=True)
class Version:
    board_p95: float = BOARD_P95
    drawer_scale: float = 1.0
    error_rate: float = 0.0

    def board_median(self) -> float:
        return self.board_p95 / math.exp(Z95 * BOARD[1])


@dataclass(frozen=True)
class Scenario:
    name: str
    healthy: bool
    canary: Version
    stable: Version = field(default_factory=Version)


NORMAL = Version()
SLOWER = 1.3
SCENARIOS = [
    Scenario("baseline: p95 ~300 ms, 0 % errors", True, NORMAL, NORMAL),
    Scenario("p95 750 ms (just inside 800)", True, Version(750), Version(750)),
    Scenario(
        "errors 0.4 % (just under the 0.5 % target)",
        True,
        Version(error_rate=0.004),
        Version(error_rate=0.004),
    ),
    Scenario(
        "errors 0.9 % (just under the 1 % limit)",
        True,
        Version(error_rate=0.009),
        Version(error_rate=0.009),
    ),
    Scenario(
        "p95 750 ms and errors 0.9 %",
        True,
        Version(750, error_rate=0.009),
        Version(750, error_rate=0.009),
    ),
    Scenario("p95 850 ms (just outside)", False, Version(850)),
    Scenario("p95 850 ms, stable at 750 ms", False, Version(850), Version(750)),
    Scenario("p95 1000 ms", False, Version(1000)),
    Scenario("p95 1500 ms", False, Version(1500)),
    Scenario("errors 1.2 % (just outside)", False, Version(error_rate=0.012)),
    Scenario(
        "errors 1.2 %, stable at 0.9 %", False, Version(error_rate=0.012), Version(error_rate=0.009)
    ),
    Scenario("errors 3 %", False, Version(error_rate=0.03)),
    Scenario(
        "30 % slower than stable, under the line",
        False,
        Version(BOARD_P95 * SLOWER, drawer_scale=SLOWER),
        NORMAL,
    ),
]


@dataclass
class Outcome:
    """Per trial: how the canary ended, after how many intervals and canary samples."""

    end: np.ndarray  # 0 promoted, 1 rollback, 2 ask_human
    intervals: np.ndarray
    samples: np.ndarray

    @classmethod
    def join(cls, parts: list[Outcome]) -> Outcome:
        return cls(
            *(
                np.concatenate([getattr(p, name) for p in parts])
                for name in ("end", "intervals", "samples")
            )
        )


@dataclass
class Result:
    scenario: Scenario
    trials: int
    golive: Outcome
    flagger: Outcome
    bound: float
    seconds: float
    counts: Outcome | None = None
    counts_trials: int = 0


# ------------------------------------------------------------------ sampling


@dataclass
class Draws:
    """All samples of one scenario: [trial, step, interval, slo, request]."""

    canary: np.ndarray  # bool: routed to the canary
    error: np.ndarray  # bool
    latency: np.ndarray  # float ms


def draw(
    scenario: Scenario, plan: LaunchPlan, trials: int, intervals: int, rng: np.random.Generator
) -> Draws:
    steps = np.array(plan.canary.steps, dtype=float) / 100
    per_slo = plan.probe.requests_per_evaluation // len(plan.slos.latency)
    shape = (trials, len(steps), intervals, len(plan.slos.latency), per_slo)
    canary = rng.random(shape) < steps[None, :, None, None, None]
    medians = {
        v: np.array([v.board_median(), DRAWER[0] * v.drawer_scale])
        for v in (scenario.canary, scenario.stable)
    }
    sigmas = np.array([BOARD[1], DRAWER[1]])[None, None, None, :, None]
    z = rng.standard_normal(shape)
    log_median = np.where(
        canary,
        np.log(medians[scenario.canary])[None, None, None, :, None],
        np.log(medians[scenario.stable])[None, None, None, :, None],
    )
    latency = np.exp(log_median + sigmas * z)
    error = rng.random(shape) < np.where(
        canary, scenario.canary.error_rate, scenario.stable.error_rate
    )
    return Draws(canary, error, latency)


def interval_frame(
    draws: Draws, trial: int, step: int, interval: int, names: np.ndarray
) -> pd.DataFrame:
    canary = draws.canary[trial, step, interval].ravel()
    return pd.DataFrame(
        {
            "slo": names,
            "latency_ms": draws.latency[trial, step, interval].ravel(),
            "error": draws.error[trial, step, interval].ravel(),
            "version": np.where(canary, "canary", "stable").astype(object),
        }
    )


# ------------------------------------------------------------------ the judges


def walk_canary(
    plan: LaunchPlan,
    policy: StepPolicy,
    evaluate: Callable[[int, int, StepTracker], Verdict],
    limit: int | None = None,
) -> int:
    """One canary through its steps, as flows/canary.py walks it: a tracker per step, failures
    carried over; `evaluate(step_index, step, tracker)` judges the step's next interval.
    Returns 0 promoted, 1 rollback, 2 ask_human."""
    failures = 0
    for step_index, step in enumerate(plan.canary.steps):
        tracker = StepTracker(policy, failures_before=failures)
        for _ in itertools.count() if limit is None else range(limit):
            decision = tracker.observe(evaluate(step_index, step, tracker)).decision
            if decision in ("advance", "rollback", "ask_human"):
                break
        else:
            raise AssertionError("the tracker outlasted the drawn intervals")
        failures = tracker.total_failures
        if decision != "advance":
            return 1 if decision == "rollback" else 2
    return 0


def run_golive(draws: Draws, plan: LaunchPlan, alpha: float | None) -> Outcome:
    policy = StepPolicy.from_plan(plan.canary)
    trials, steps, intervals = draws.canary.shape[:3]
    names = np.repeat(
        np.array([slo.name for slo in plan.slos.latency], dtype=object), draws.canary.shape[-1]
    )
    end, used, seen = np.zeros(trials, int), np.zeros(trials, int), np.zeros(trials, int)
    for trial in range(trials):
        frames: dict[int, list[pd.DataFrame]] = {}

        def evaluate(
            step_index: int,
            step: int,
            tracker: StepTracker,
            trial: int = trial,
            frames: dict[int, list[pd.DataFrame]] = frames,
        ) -> Verdict:
            mine = frames.setdefault(step_index, [])
            interval = len(mine)
            mine.append(interval_frame(draws, trial, step_index, interval, names))
            used[trial] += 1
            seen[trial] += int(draws.canary[trial, step_index, interval].sum())
            window = evaluation_window(mine, plan.slos, start=tracker.fresh_from)
            return judge_canary(
                window, plan.slos, plan.canary.compare_with_stable, alpha=alpha, step=step
            )

        end[trial] = walk_canary(plan, policy, evaluate, limit=intervals)
    return Outcome(end, used, seen)


def run_flagger(draws: Draws, plan: LaunchPlan) -> Outcome:
    evaluations = StepPolicy.from_plan(plan.canary).evaluations_per_bake
    threshold = plan.canary.max_consecutive_failures
    canary = draws.canary[:, :, :evaluations]
    error = draws.error[:, :, :evaluations]
    latency = draws.latency[:, :, :evaluations]
    slos = plan.slos
    requests = canary.sum(axis=(3, 4))
    errors = (canary & error).sum(axis=(3, 4))
    with np.errstate(invalid="ignore", divide="ignore"):
        failed = ~(errors / requests < slos.error_rate.limit)  # no requests: a failed check
    ok = canary & ~error
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN slices: no data, a failed check
        for index, slo in enumerate(slos.latency):
            values = np.where(ok[..., index, :], latency[..., index, :], np.nan)
            stat = (
                np.nanmean(values, axis=-1)
                if slo.stat == "mean"
                else np.nanpercentile(values, float(slo.stat[1:]), axis=-1)
            )
            failed |= ~(stat < slo.threshold)
    trials = failed.shape[0]
    failed = failed.reshape(trials, -1)  # [trial, step * evaluation]
    seen = np.cumsum(requests.reshape(trials, -1), axis=1)
    count = np.cumsum(failed, axis=1)
    rolled = count[:, -1] >= threshold
    at = np.where(rolled, np.argmax(count >= threshold, axis=1), failed.shape[1] - 1)
    return Outcome(rolled.astype(int), at + 1, seen[np.arange(trials), at])


def bound(scenario: Scenario, draws: Draws, plan: LaunchPlan) -> float:
    """P(at least one bad canary sample in the first two intervals): the most a threshold-only judge detects by then.

    Bad: an error when the breach is the error rate, a board latency at or over the line
    when it is the board p95. A relative regression under the line has no bad samples (nan).
    """
    board = plan.slos.latency[0]
    bad = np.zeros(draws.canary[:, 0, :2].shape, bool)
    if scenario.canary.error_rate >= plan.slos.error_rate.limit:
        bad |= draws.error[:, 0, :2]
    if scenario.canary.board_p95 >= board.threshold:
        bad[..., 0, :] |= draws.latency[:, 0, :2, 0, :] >= board.threshold
    if scenario.healthy or (
        scenario.canary.error_rate < plan.slos.error_rate.limit
        and scenario.canary.board_p95 < board.threshold
    ):
        return float("nan")
    return float((bad & draws.canary[:, 0, :2]).any(axis=(1, 2, 3)).mean())


# ------------------------------------------------------------------ real traffic, counted

USER_MIX = {"board": 0.40, "drawer": 0.40}  # sandbox/apps/statusboard.py next_user_request


def _slower_share(version: Version, threshold_ms: float) -> float:
    """P(a board answer is slower than `threshold_ms`) under the version's log-normal profile."""
    z = (math.log(threshold_ms) - math.log(version.board_median())) / BOARD[1]
    return 0.5 * math.erfc(z / math.sqrt(2))


def _arm_window(version: Version, n: int, rng: np.random.Generator, plan: LaunchPlan) -> ArmCounts:
    errors = int(rng.binomial(n, version.error_rate)) if n else 0
    slos: dict[str, SloCounts] = {}
    for slo in plan.slos.latency:
        share = USER_MIX.get(slo.name, 0.0)
        count = int(rng.binomial(n, share)) if n else 0
        if slo.name == "board":
            slower = int(rng.binomial(count, _slower_share(version, float(slo.threshold))))
            slos[slo.name] = SloCounts(count, slower, None)
        else:
            median = DRAWER[0] * version.drawer_scale
            total = float(np.exp(math.log(median) + DRAWER[1] * rng.standard_normal(count)).sum())
            slos[slo.name] = SloCounts(count, None, total)
    return ArmCounts(n, errors, slos)


def run_counts(
    scenario: Scenario, plan: LaunchPlan, trials: int, users: float, rng: np.random.Generator
) -> Outcome:
    """golive's counting path on what a Prometheus source would count of `users` requests per second."""
    policy = StepPolicy.from_plan(plan.canary)
    interval = float(plan.canary.evaluation_interval)
    bound = float(plan.canary.false_rollback_bound)
    end, used, seen = np.zeros(trials, int), np.zeros(trials, int), np.zeros(trials, int)
    compare_alpha = comparison_alpha(plan.slos, plan.canary)
    for trial in range(trials):
        since: list[ArmCounts] = []  # the canary's counts since it started, across steps
        steps: dict[int, list[tuple[ArmCounts, ArmCounts]]] = {}  # each step's windows

        def evaluate(
            step_index: int,
            step: int,
            tracker: StepTracker,
            trial: int = trial,
            since: list[ArmCounts] = since,
            steps: dict[int, list[tuple[ArmCounts, ArmCounts]]] = steps,
        ) -> Verdict:
            total = int(rng.poisson(users * interval))
            n = int(rng.binomial(total, step / 100))
            window = _arm_window(scenario.canary, n, rng, plan)
            stable = _arm_window(scenario.stable, total - n, rng, plan)
            since[:] = [since[0].plus(window) if since else window]
            history = steps.setdefault(step_index, [])
            history.append((window, stable))
            used[trial] += 1
            seen[trial] += n
            return judge_counts(
                plan.slos,
                window,
                since[0],
                false_rollback_bound=bound,
                stable=stable,
                versus=history if step < 100 else (),
                compare=plan.canary.compare_with_stable,
                compare_alpha=compare_alpha,
            )

        end[trial] = walk_canary(plan, policy, evaluate)
    return Outcome(end, used, seen)


def run_scenario(job: Job) -> Result:
    started = time.perf_counter()
    plan = configured(load_plan(PLAN, env={}), job.consecutive, job.requests, job.bound)
    policy = StepPolicy.from_plan(plan.canary)
    intervals = policy.evaluations_per_bake * (1 + policy.max_inconclusive_extensions)
    rng = np.random.default_rng([job.seed, job.index])
    golive, flagger, bounds = [], [], []
    for first in range(0, job.trials, CHUNK):  # bounded memory at any probe volume
        draws = draw(job.scenario, plan, min(CHUNK, job.trials - first), intervals, rng)
        golive.append(run_golive(draws, plan, job.alpha))
        flagger.append(run_flagger(draws, plan))
        bounds.append(bound(job.scenario, draws, plan))
    counts = (
        run_counts(job.scenario, plan, job.counts_trials, job.users, rng)
        if job.counts_trials
        else None
    )
    return Result(
        job.scenario,
        job.trials,
        Outcome.join(golive),
        Outcome.join(flagger),
        float(np.average(bounds, weights=[len(o.end) for o in golive])),
        time.perf_counter() - started,
        counts,
        job.counts_trials,
    )


@dataclass(frozen=True)
class Job:
    index: int
    scenario: Scenario
    trials: int
    seed: int
    alpha: float | None
    consecutive: int | None
    requests: int | None
    counts_trials: int = 0
    users: float = 50.0
    bound: str | None = None


CHUNK = 50


def configured(
    plan: LaunchPlan, consecutive: int | None, requests: int | None, bound: str | None = None
) -> LaunchPlan:
    """The sandbox plan, with the benchmark's overrides (none by default)."""
    if bound is not None:
        canary = plan.canary.model_copy(update={"false_rollback_bound": parse_percent(bound)})
        plan = plan.model_copy(update={"canary": canary})
    if consecutive is not None:
        canary = plan.canary.model_copy(update={"max_consecutive_failures": consecutive})
        plan = plan.model_copy(update={"canary": canary})
    if requests is not None:
        plan = plan.model_copy(
            update={"probe": plan.probe.model_copy(update={"requests_per_evaluation": requests})}
        )
    return plan


# ------------------------------------------------------------------ report


def rate(mask: np.ndarray) -> str:
    return f"{100 * mask.mean():.1f} %"


def mean_of(values: np.ndarray, mask: np.ndarray, digits: int = 1) -> str:
    return f"{values[mask].mean():.{digits}f}" if mask.any() else "–"


HEALTHY_HEAD = [
    "healthy scenario (canary = stable)",
    "trials",
    "golive false rollbacks",
    "golive asks a human",
    "golive promotes",
    "Flagger-style false rollbacks",
    "sequential (counts) trials",
    "sequential false rollbacks",
    "sequential asks a human",
]
DEGRADED_HEAD = [
    "degraded scenario (stable normal unless said)",
    "judge",
    "rolls back",
    "rolls back ≤ 2 intervals",
    "intervals to rollback",
    "canary samples to rollback",
    "asks a human",
    "promotes",
    "threshold-judge bound ≤ 2 intervals",
]


def tables(results: list[Result]) -> tuple[list[list[str]], list[list[str]]]:
    healthy, degraded = [], []
    for r in results:
        g, f = r.golive, r.flagger
        if r.scenario.healthy:
            healthy.append(
                [
                    r.scenario.name,
                    str(r.trials),
                    f"{int((g.end == 1).sum())} ({rate(g.end == 1)})",
                    rate(g.end == 2),
                    rate(g.end == 0),
                    f"{int((f.end == 1).sum())} ({rate(f.end == 1)})",
                    *(
                        [
                            str(r.counts_trials),
                            f"{int((r.counts.end == 1).sum())} ({rate(r.counts.end == 1)})",
                            rate(r.counts.end == 2),
                        ]
                        if r.counts is not None
                        else ["0", "–", "–"]
                    ),
                ]
            )
            continue
        judges = [("golive", g), ("Flagger-style", f)]
        if r.counts is not None:
            judges.append(("golive sequential (counts)", r.counts))
        for label, o in judges:
            rolled = o.end == 1
            degraded.append(
                [
                    r.scenario.name if label == "golive" else "",
                    label,
                    rate(rolled),
                    rate(rolled & (o.intervals <= 2)),
                    mean_of(o.intervals, rolled),
                    mean_of(o.samples, rolled, 0),
                    rate(o.end == 2),
                    rate(o.end == 0),
                    ("–" if math.isnan(r.bound) else f"{100 * r.bound:.1f} %")
                    if label == "golive"
                    else "",
                ]
            )
    return healthy, degraded


def markdown(head: list[str], body: list[list[str]]) -> str:
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(row) + " |" for row in body]
    return "\n".join(lines)


def targets(results: list[Result]) -> tuple[list[str], bool]:
    lines, all_met = [], True
    for r in results:
        if r.scenario.healthy:
            false = int((r.golive.end == 1).sum())
            met = false == 0
            lines.append(
                f"{'met' if met else 'MISSED'}: no false rollback in {r.trials} healthy trials "
                f"— {r.scenario.name}: {false}"
            )
        else:
            within = float(((r.golive.end == 1) & (r.golive.intervals <= 2)).mean())
            met = within >= 0.99
            bound_note = "" if math.isnan(r.bound) else f" (bound {100 * r.bound:.1f} %)"
            lines.append(
                f"{'met' if met else 'MISSED'}: >= 99 % detected within two intervals "
                f"— {r.scenario.name}: {100 * within:.1f} %{bound_note}"
            )
        all_met &= met
    return lines + counts_targets(results), all_met


CLEAR = ("p95 1000 ms", "p95 1500 ms", "errors 3 %")
JUST_OUTSIDE = ("p95 850 ms (just outside)", "errors 1.2 % (just outside)")


def counts_targets(results: list[Result]) -> list[str]:
    """Issue 13's targets for the sequential judge on counts (what is met is said, and what is not)."""
    lines = []
    for r in results:
        o = r.counts
        if o is None:
            continue
        name = r.scenario.name
        rolled = o.end == 1
        if r.scenario.healthy:
            false = int(rolled.sum())
            lines.append(
                f"{'met' if false == 0 else 'MISSED'}: sequential (counts): no false rollback in "
                f"{r.counts_trials} healthy trials — {name}: {false}"
            )
            continue
        within = float((rolled & (o.intervals <= 2)).mean())
        goal = 0.99 if name in CLEAR else 0.95 if name in JUST_OUTSIDE else None
        if goal is None:
            continue
        median = float(np.median(o.intervals[rolled])) if rolled.any() else float("nan")
        lines.append(
            f"{'met' if within >= goal else 'MISSED'}: sequential (counts): >= {100 * goal:.0f} % "
            f"detected within two intervals — {name}: {100 * within:.1f} % (median "
            f"{median:g} intervals to the rollback decision; {o.samples[rolled].mean() if rolled.any() else 0:.0f} "
            f"canary requests seen by then)"
        )
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=500)
    parser.add_argument("--seed", type=int, default=20261127)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--breach-alpha",
        default=str(BREACH_ALPHA),
        help="judge_canary's alpha; 'none' judges by the observed value alone, as `judge` does",
    )
    parser.add_argument(
        "--max-consecutive", type=int, default=None, help="override the plan's limit"
    )
    parser.add_argument(
        "--requests", type=int, default=None, help="override the plan's requests per evaluation"
    )
    parser.add_argument(
        "--counts-trials",
        type=int,
        default=2500,
        help="trials of the sequential judge on counts per scenario (0: skip it)",
    )
    parser.add_argument(
        "--users", type=float, default=50.0, help="the sandbox's users, requests per second"
    )
    parser.add_argument(
        "--false-rollback-bound", default=None, help="override the plan's, e.g. 0.1%%"
    )
    parser.add_argument(
        "--write-docs", action="store_true", help=f"write the figures into docs/{DOCS.name}"
    )
    args = parser.parse_args()
    alpha = None if args.breach_alpha.lower() == "none" else float(args.breach_alpha)
    plan = configured(
        load_plan(PLAN, env={}), args.max_consecutive, args.requests, args.false_rollback_bound
    )
    started = time.perf_counter()
    jobs = [
        Job(
            i,
            s,
            args.trials,
            args.seed,
            alpha,
            args.max_consecutive,
            args.requests,
            args.counts_trials,
            args.users,
            args.false_rollback_bound,
        )
        for i, s in enumerate(SCENARIOS)
    ]
    jobs.sort(key=lambda job: not job.scenario.healthy)  # the long runs first, for an even load
    with ProcessPoolExecutor(max_workers=args.workers) as pool:
        results = sorted(pool.map(run_scenario, jobs), key=lambda r: SCENARIOS.index(r.scenario))
    elapsed = time.perf_counter() - started
    canary = plan.canary
    overrides = [
        f"{name} {value}"
        for name, value in (
            ("max_consecutive_failures", args.max_consecutive),
            ("requests_per_evaluation", args.requests),
            ("false_rollback_bound", args.false_rollback_bound),
        )
        if value
    ]
    setting = (
        f"plan {PLAN.relative_to(REPO)}{' with ' + ', '.join(overrides) if overrides else ''}: "
        f"steps {canary.steps} %, bake {canary.bake.text}, an evaluation every "
        f"{canary.evaluation_interval.text}, at most {canary.max_consecutive_failures} consecutive / "
        f"{canary.max_total_failures} total failures, {canary.max_inconclusive_extensions} extensions, "
        f"{plan.probe.requests_per_evaluation} requests per evaluation, min_samples {plan.slos.min_samples}, "
        f"compare_with_stable alpha {canary.compare_with_stable.alpha:g} / "
        f"{canary.compare_with_stable.max_relative_slowdown.text}; judge_canary alpha "
        f"{'none (literal rule)' if alpha is None else f'{alpha:g}'}; seed {args.seed}, {args.trials} "
        f"trials per scenario; the sequential judge on counts of {args.users:g} user requests/s, "
        f"false_rollback_bound {canary.false_rollback_bound.text}, {args.counts_trials} trials per "
        f"scenario; {elapsed:.0f} s on {args.workers} workers"
    )
    healthy, degraded = tables(results)
    lines, all_met = targets(results)
    print(setting, end="\n\n")
    print(markdown(HEALTHY_HEAD, healthy), end="\n\n")
    print(markdown(DEGRADED_HEAD, degraded), end="\n\n")
    print(
        f"worst-case time to rollback (window of 1 interval): {worst_case_time_to_rollback(canary):g} s"
    )
    print("\n".join(lines))
    print("all targets met" if all_met else "targets missed: see above")
    if args.write_docs:
        write_docs(
            setting,
            healthy,
            degraded,
            lines,
            tag=" ".join(
                [
                    " ".join(overrides) or ("literal" if alpha is None else "default"),
                    *([f"users {args.users:g}"] if args.counts_trials else []),
                ]
            ),
        )


def write_docs(
    setting: str, healthy: list[list[str]], degraded: list[list[str]], lines: list[str], tag: str
) -> None:
    """Put this run's figures in docs/benchmarks.md between its markers; other text stays as it is."""
    begin, end = f"<!-- decision-quality {tag}: begin -->", f"<!-- decision-quality {tag}: end -->"
    figures = "\n\n".join(
        [
            begin,
            f"Run {date.today().isoformat()}: {setting}.",
            markdown(HEALTHY_HEAD, healthy),
            markdown(DEGRADED_HEAD, degraded),
            "\n".join(f"- {line}" for line in lines),
            end,
        ]
    )
    text = DOCS.read_text(encoding="utf-8")
    if begin in text and end in text:
        text = text[: text.index(begin)] + figures + text[text.index(end) + len(end) :]
    else:
        if SECTION not in text:
            text = text.rstrip("\n") + f"\n\n{SECTION}\n"
        text = text.rstrip("\n") + f"\n\n{figures}\n"
    DOCS.write_text(text, encoding="utf-8")
    print(f"wrote the figures into {DOCS.relative_to(REPO)} ({tag})")


if __name__ == "__main__":
    main()
