"""golive.core.canary_policy: one canary step's decisions, the evaluation window and the worst-case time to rollback."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from blocks.plan import LaunchPlan, Slos, load_plan, parse_rate
from golive.core.canary_policy import (
    RollbackCosts,
    StepPolicy,
    StepTracker,
    evaluation_window,
    expected_window_intervals,
    measured_sentence,
    probe_seconds,
    rollback_costs,
    rollback_sentence,
    worst_case_time_to_rollback,
)
from golive.core.checks import Status
from golive.core.judge import Verdict, judge_canary
from tasks.metrics import SAMPLE_COLUMNS

REPO = Path(__file__).resolve().parents[2]
SANDBOX = load_plan(REPO / "plans" / "sandbox.yaml", env={})
PRODUCTION = load_plan(REPO / "plans" / "statusboard-v2.yaml", env={})
SLOS = SANDBOX.slos  # min_samples 20


def verdict(status: Status) -> Verdict:
    return Verdict(
        status=status, checks=[], reason=f"it was {status}", samples=100, version="canary"
    )


def policy(
    bake: float = 3, interval: float = 1, consecutive: int = 2, total: int = 3, extensions: int = 2
) -> StepPolicy:
    return StepPolicy(
        evaluation_interval=interval,
        bake=bake,
        max_consecutive_failures=consecutive,
        max_total_failures=total,
        max_inconclusive_extensions=extensions,
    )


def feed(tracker: StepTracker, *statuses: Status) -> list[str]:
    return [tracker.observe(verdict(s)).decision for s in statuses]


# -------------------------------------------------------------------- policy


def test_the_policy_comes_from_the_plan() -> None:
    step = StepPolicy.from_plan(SANDBOX.canary)
    assert step == StepPolicy(
        evaluation_interval=1.0,
        bake=3.0,
        max_consecutive_failures=2,
        max_total_failures=3,
        max_inconclusive_extensions=2,
    )
    assert step.evaluations_per_bake == 3 == SANDBOX.canary.evaluations_per_step
    assert StepPolicy.from_plan(PRODUCTION.canary).evaluations_per_bake == 10
    assert (
        policy(bake=0.3, interval=0.1).evaluations_per_bake == 3
    )  # not 2 from 0.3 / 0.1 = 2.9999999999999996


@pytest.mark.parametrize(
    "kwargs",
    [
        {"interval": 5, "bake": 3},
        {"interval": 0},
        {"consecutive": 0},
        {"consecutive": 4, "total": 3},
        {"extensions": -1},
    ],
)
def test_an_impossible_policy_is_refused(kwargs: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        policy(**kwargs)  # type: ignore[arg-type]


# ----------------------------------------------------------------- decisions


def test_a_healthy_bake_advances_after_its_evaluations() -> None:
    tracker = StepTracker(policy())
    assert feed(tracker, "pass", "pass", "pass") == [
        "continue_baking",
        "continue_baking",
        "advance",
    ]
    assert tracker.done and tracker.decision is not None and tracker.decision.final
    assert tracker.decision.reason.startswith("bake complete, 3 evaluations, last pass")


def test_a_warning_at_the_end_still_advances() -> None:
    assert feed(StepTracker(policy()), "pass", "warn", "warn")[-1] == "advance"


def test_consecutive_failures_roll_back() -> None:
    tracker = StepTracker(policy(bake=10))
    assert feed(tracker, "pass", "fail", "fail") == [
        "continue_baking",
        "continue_baking",
        "rollback",
    ]
    decision = tracker.decision
    assert (
        decision is not None and decision.consecutive_failures == 2 and decision.total_failures == 2
    )
    assert decision.reason == "2 failed evaluations in a row (limit 2): it was fail"


def test_a_breach_proven_by_a_sequential_test_rolls_back_at_once() -> None:
    """A counting source's failure is a proven breach: its false-rollback chance is already bounded
    launch-wide, so waiting for a second failure would only leave users on the bad release."""
    tracker = StepTracker(policy(bake=10))
    proven = verdict("fail").model_copy(update={"proven": True})
    assert tracker.observe(verdict("pass")).decision == "continue_baking"
    decision = tracker.observe(proven)
    assert decision.decision == "rollback"
    assert decision.reason.startswith("a breach proven by a sequential test")


def test_a_pass_breaks_the_streak_but_failures_add_up() -> None:
    tracker = StepTracker(policy(bake=10))
    assert feed(tracker, "fail", "pass", "fail", "warn") == ["continue_baking"] * 4
    assert (tracker.consecutive_failures, tracker.total_failures) == (0, 2)
    assert feed(tracker, "fail") == ["rollback"]
    assert tracker.decision is not None
    assert tracker.decision.reason == "3 failed evaluations in all (limit 3): it was fail"


def test_inconclusive_does_not_break_the_streak() -> None:
    # an inconclusive evaluation is no evidence of health: fail, inconclusive, fail is two in a row
    assert feed(StepTracker(policy(bake=10)), "fail", "inconclusive", "fail")[-1] == "rollback"


def test_the_total_counts_over_the_whole_canary() -> None:
    tracker = StepTracker(policy(bake=10), failures_before=2)
    assert feed(tracker, "fail") == ["rollback"]
    assert tracker.total_failures == 3


def test_one_allowed_failure_rolls_back_at_the_first() -> None:
    tracker = StepTracker(policy(consecutive=1, total=1))
    assert feed(tracker, "pass", "fail") == ["continue_baking", "rollback"]
    assert tracker.decision is not None and "rolls back at the first" in tracker.decision.reason


def test_inconclusive_at_the_end_of_the_bake_extends_then_asks_a_human() -> None:
    tracker = StepTracker(policy())
    assert feed(tracker, "pass", "pass", "inconclusive") == [
        "continue_baking",
        "continue_baking",
        "extend",
    ]
    assert tracker.extensions == 1 and tracker.planned_evaluations == 6
    assert feed(tracker, "inconclusive", "inconclusive", "inconclusive") == [
        "continue_baking",
        "continue_baking",
        "extend",
    ]
    assert feed(tracker, "pass", "pass", "inconclusive") == [
        "continue_baking",
        "continue_baking",
        "ask_human",
    ]
    decision = tracker.decision
    assert (
        decision is not None
        and decision.final
        and decision.evaluation == 9
        and decision.extensions == 2
    )
    assert decision.reason.startswith("still inconclusive after 2 extension(s)")


def test_an_extension_that_ends_well_advances() -> None:
    tracker = StepTracker(policy())
    assert feed(
        tracker, "inconclusive", "inconclusive", "inconclusive", "pass", "pass", "pass"
    ) == [
        "continue_baking",
        "continue_baking",
        "extend",
        "continue_baking",
        "continue_baking",
        "advance",
    ]


def test_a_single_failure_at_the_end_of_the_bake_extends() -> None:
    tracker = StepTracker(policy())
    assert feed(tracker, "pass", "pass", "fail") == ["continue_baking", "continue_baking", "extend"]
    assert feed(tracker, "fail") == ["rollback"]  # the extension confirms it


def test_without_extensions_an_inconclusive_bake_asks_a_human_at_once() -> None:
    assert (
        feed(StepTracker(policy(extensions=0)), "pass", "pass", "inconclusive")[-1] == "ask_human"
    )


def test_a_finished_step_takes_no_more_verdicts() -> None:
    tracker = StepTracker(policy(bake=1))
    assert feed(tracker, "pass") == ["advance"]
    with pytest.raises(RuntimeError, match="advance"):
        tracker.observe(verdict("pass"))


def test_fresh_from_marks_the_last_failed_evaluation() -> None:
    tracker = StepTracker(policy(bake=10))
    feed(tracker, "pass", "fail", "inconclusive")
    assert tracker.fresh_from == 2
    feed(tracker, "pass")
    assert tracker.fresh_from == 2
    assert [d.evaluation for d in tracker.history] == [1, 2, 3, 4]


# -------------------------------------------------------------------- window


def interval(
    canary: int, stable: int = 0, *, board_ms: float = 200.0, errors: int = 0
) -> pd.DataFrame:
    """`canary` board and `canary` drawer requests to the canary (the first `errors` board ones 500s);
    `stable` of each to stable."""
    rows = []
    for version, n in (("canary", canary), ("stable", stable)):
        for slo in ("board", "drawer"):
            for i in range(n):
                error = version == "canary" and slo == "board" and i < errors
                rows.append(
                    {
                        "ts": 0.0,
                        "slo": slo,
                        "path": "/",
                        "status": 500 if error else 200,
                        "latency_ms": board_ms if slo == "board" else 50.0,
                        "error": error,
                        "version": version,
                        "release": version,
                    }
                )
    return pd.DataFrame(rows, columns=list(SAMPLE_COLUMNS)).astype(SAMPLE_COLUMNS)


def test_a_full_interval_is_judged_alone() -> None:
    intervals = [interval(30, board_ms=900.0), interval(25)]
    window = evaluation_window(intervals, SLOS)
    assert window is intervals[-1]


def test_a_thin_interval_reaches_back_until_min_samples() -> None:
    intervals = [interval(12, 100, board_ms=900.0), interval(12, 100), interval(12, 100)]
    window = evaluation_window(intervals, SLOS)
    assert len(window) == 2 * (24 + 200)  # the newest two: 24 board samples >= 20
    assert (window["latency_ms"] < 900).all()


def test_errors_do_not_count_toward_min_samples() -> None:
    assert len(evaluation_window([interval(10), interval(10), interval(12)], SLOS)) == 2 * 22
    # 9 + 10 successful board samples in the newest two are one short: reach back once more
    assert (
        len(evaluation_window([interval(10), interval(10), interval(12, errors=3)], SLOS)) == 2 * 32
    )


def test_the_window_never_reaches_past_a_failed_evaluation() -> None:
    intervals = [interval(12), interval(12), interval(12)]
    assert len(evaluation_window(intervals, SLOS, start=2)) == 24  # too few, but fresh
    assert len(evaluation_window(intervals, SLOS, start=1)) == 48
    with pytest.raises(ValueError):
        evaluation_window(intervals, SLOS, start=3)
    with pytest.raises(ValueError):
        evaluation_window([], SLOS)


def test_the_window_takes_the_whole_step_if_it_never_has_enough() -> None:
    intervals = [interval(3), interval(3), interval(3)]
    assert len(evaluation_window(intervals, SLOS)) == 18


def test_expected_window_intervals() -> None:
    requests = SANDBOX.probe.requests_per_evaluation  # 250: 125 per SLO, 12.5 to the canary at 10 %
    assert [expected_window_intervals(requests, step, SLOS) for step in SANDBOX.canary.steps] == [
        2,
        1,
        1,
        1,
    ]
    production = PRODUCTION.probe.requests_per_evaluation  # 600: 30 per SLO at 10 %, min_samples 50
    assert expected_window_intervals(production, 10, PRODUCTION.slos) == 2
    assert expected_window_intervals(production, 30, PRODUCTION.slos) == 1
    assert (
        expected_window_intervals(
            requests,
            10,
            Slos.model_validate(
                {"error_rate": {"target": "0.5%", "limit": "1%"}, "min_samples": 20}
            ),
        )
        == 1
    )  # no latency SLO: health


# ------------------------------------------------------------ time to rollback


def test_worst_case_time_to_rollback() -> None:
    assert (
        worst_case_time_to_rollback(SANDBOX.canary) == 3.0
    )  # one interval of lag + 2 failed evaluations
    assert worst_case_time_to_rollback(PRODUCTION.canary) == 180.0
    assert worst_case_time_to_rollback(policy(interval=1, consecutive=1, total=3)) == 2.0
    assert worst_case_time_to_rollback(policy(bake=10, interval=2, consecutive=3, total=5)) == 8.0
    # a window of two intervals: 3 until a window is all breach, then 2 more for a fresh confirmation
    assert worst_case_time_to_rollback(SANDBOX.canary, window_intervals=2) == 5.0
    with pytest.raises(ValueError):
        worst_case_time_to_rollback(SANDBOX.canary, window_intervals=0)


def test_the_rollback_sentence_states_the_numbers() -> None:
    production = rollback_sentence(PRODUCTION.canary)
    assert production.startswith(
        "Worst case from a breach to the rollback decision: 3 min (up to 2 min until"
    )
    assert "1 more failed evaluation on fresh samples, 1 min apart, make 2 in a row" in production
    assert "max_total_failures 3" in production
    thin = rollback_sentence(SANDBOX.canary, window_intervals=2)
    assert thin.startswith("Worst case from a breach to the rollback decision: 5 s")
    assert "2 intervals, to reach min_samples" in thin
    at_once = rollback_sentence(policy(bake=0.5, interval=0.5, consecutive=1, total=1))
    assert at_once.startswith("Worst case from a breach to the rollback decision: 1 s")
    assert "that failed evaluation rolls back at once" in at_once
    assert "500 ms" in rollback_sentence(policy(bake=1, interval=0.25), window_intervals=1)


def with_probe(plan: LaunchPlan, **probe: object) -> LaunchPlan:
    return plan.model_copy(update={"probe": plan.probe.model_copy(update=probe)})


def test_a_probe_longer_than_the_interval_sets_the_pace() -> None:
    # the sandbox plan's 1 s interval, but each evaluation's probe takes 4 s: 2 failures + 1 lag = 3 probes
    assert worst_case_time_to_rollback(SANDBOX.canary, evaluation_seconds=4.0) == 12.0
    assert (
        worst_case_time_to_rollback(SANDBOX.canary, window_intervals=2, evaluation_seconds=4.0)
        == 20.0
    )
    assert (
        worst_case_time_to_rollback(SANDBOX.canary, evaluation_seconds=0.5) == 3.0
    )  # the interval is longer
    with pytest.raises(ValueError):
        worst_case_time_to_rollback(SANDBOX.canary, evaluation_seconds=-1)


def test_probe_seconds_from_concurrency_rate_and_the_slo_thresholds() -> None:
    # 250 requests in rounds of 32: 8 rounds × 500 ms (the mean of board's 800 ms and drawer's 200 ms)
    assert probe_seconds(SANDBOX) == (
        4.0,
        "250 requests at concurrency 32 × 500 ms, the latency SLOs' mean threshold",
    )
    assert probe_seconds(PRODUCTION)[0] == 19.0  # ceil(600 / 16) = 38 rounds × 500 ms
    assert probe_seconds(SANDBOX, requests=32)[0] == 0.5
    # an open-loop rate: 250 requests at 25/s take 10 s, longer than the concurrency allows
    assert probe_seconds(with_probe(SANDBOX, rate=parse_rate("25/s"))) == (
        10.0,
        "250 requests at 25/s",
    )
    # a rate faster than the concurrency cap can serve: the cap decides
    fast, basis = probe_seconds(with_probe(SANDBOX, rate=parse_rate("1000/s")))
    assert fast == 4.0 and basis.endswith(", slower than 1000/s")
    health_only = SANDBOX.model_copy(
        update={"slos": SANDBOX.slos.model_copy(update={"latency": []})}
    )
    assert probe_seconds(health_only) == (
        8.0,
        "250 requests at concurrency 32 × 1000 ms, no latency SLO: the health path at 1 s",
    )


def test_rollback_costs_count_the_router_change_and_the_share_check() -> None:
    costs = rollback_costs(SANDBOX)
    # 1 s for the router change, 200 share-check requests in 7 rounds of 32 × 500 ms = 3.5 s
    assert costs.probe_seconds == 4.0 and costs.action_seconds == 4.5
    assert costs.action_basis == (
        "the Route 53 change (1 s, then until INSYNC, and the record's TTL for clients) "
        "and the share check (200 requests at concurrency 32 × 500 ms, 3.5 s)"
    )
    assert rollback_costs(SANDBOX, share_requests=32).action_seconds == 1.5


def test_the_rollback_sentence_states_the_plans_real_costs() -> None:
    costs = rollback_costs(SANDBOX)
    sandbox = rollback_sentence(SANDBOX.canary, window_intervals=2, costs=costs)
    # decision (2 × 2 + 1) × 4 s = 20 s, then the rollback's 4.5 s: not the 3 s the interval alone suggests
    assert sandbox.startswith(
        "Worst case from a breach to traffic on stable: 24.5 s. To the rollback decision "
        "20 s = (2 failed evaluations × 2 intervals per window + 1) × 4 s per evaluation, as "
        "its probe (250 requests at concurrency 32 × 500 ms, the latency SLOs' mean threshold) "
        "outlasts the 1 s interval; up to 12 s until"
    )
    assert "then 1 more failed evaluation on fresh samples, 8 s apart, make 2 in a row" in sandbox
    assert "Then the rollback, 4.5 s: the Route 53 change" in sandbox
    production = rollback_sentence(PRODUCTION.canary, costs=rollback_costs(PRODUCTION))
    # the 1 min interval outlasts the 19 s probe: 3 min to the decision, 7.5 s to act (1 + 13 rounds × 500 ms)
    assert production.startswith(
        "Worst case from a breach to traffic on stable: 3 min 8 s. To the rollback "
        "decision 3 min = (2 failed evaluations × 1 interval per window + 1) × 1 min per "
        "evaluation, the interval (its probe, 600 requests at concurrency 16 × 500 ms, "
        "the latency SLOs' mean threshold, needs 19 s)"
    )
    made = RollbackCosts(probe_seconds=2.0, probe_basis="x", action_seconds=0.5, action_basis="y")
    at_once = rollback_sentence(policy(bake=3, interval=1, consecutive=1, total=1), costs=made)
    assert at_once.startswith(
        "Worst case from a breach to traffic on stable: 4.5 s. To the rollback decision 4 s "
        "= (1 failed evaluation × 1 interval per window + 1) × 2 s per evaluation"
    )


def test_the_measured_sentence_reports_what_evaluations_took() -> None:
    costs = rollback_costs(SANDBOX)
    assert measured_sentence([1.23, 2.31, 1.4], costs.probe_seconds) == (
        "Measured: 3 evaluations took 1.2 s to 2.3 s, median 1.4 s, against 4 s estimated for a probe."
    )
    assert measured_sentence([0.456]) == "Measured: 1 evaluation took 456 ms."
    assert measured_sentence([]) == "No evaluation ran."


# ------------------------------------------------------------------ together


def draw_interval(
    rng: np.random.Generator, share: float, canary_board_median: float
) -> pd.DataFrame:
    """One sandbox-plan probe interval: 125 board + 125 drawer requests routed at `share`."""
    n = SANDBOX.probe.requests_per_evaluation // 2
    frames = []
    for slo, canary_median, stable_median, sigma in (
        ("board", canary_board_median, 160.0, 0.38),
        ("drawer", 45.0, 45.0, 0.35),
    ):
        canary = rng.random(n) < share
        medians = np.where(canary, canary_median, stable_median)
        frames.append(
            pd.DataFrame(
                {
                    "ts": 0.0,
                    "slo": slo,
                    "path": "/",
                    "status": 200,
                    "latency_ms": rng.lognormal(np.log(medians), sigma),
                    "error": False,
                    "version": np.where(canary, "canary", "stable"),
                    "release": "r",
                    "client_lag_ms": np.nan,
                    "send_lag_ms": np.nan,
                }
            )
        )
    return pd.concat(frames, ignore_index=True).astype(SAMPLE_COLUMNS)


def run_step(rng: np.random.Generator, step: int, board_median: float) -> tuple[str, int]:
    tracker = StepTracker(StepPolicy.from_plan(SANDBOX.canary))
    intervals: list[pd.DataFrame] = []
    while not tracker.done:
        intervals.append(draw_interval(rng, step / 100, board_median))
        window = evaluation_window(intervals, SLOS, start=tracker.fresh_from)
        tracker.observe(judge_canary(window, SLOS, SANDBOX.canary.compare_with_stable, step=step))
    assert tracker.decision is not None
    return tracker.decision.decision, tracker.evaluations


def test_a_healthy_step_advances_and_a_broken_one_rolls_back() -> None:
    rng = np.random.default_rng(20261127)
    for step in SANDBOX.canary.steps:
        assert run_step(rng, step, 160.0) == ("advance", 3)
    decision, evaluations = run_step(rng, 30, 800.0)  # p95 ~1500 ms
    assert decision == "rollback" and evaluations == 2
