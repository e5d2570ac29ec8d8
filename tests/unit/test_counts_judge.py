"""The SLO judge on counts (golive/core/counts_judge.py)."""

from __future__ import annotations

import pytest

from blocks.plan import CompareWithStable, Slos
from golive.core.counts_judge import ArmCounts, SloCounts, judge_counts, sequential_test_count

SLOS = Slos.model_validate(
    {
        "error_rate": {"target": "0.5%", "limit": "1%"},
        "latency": [
            {"name": "board", "path": "/api/board", "stat": "p95", "threshold": "800ms"},
            {"name": "drawer", "path": "/api/drawer/{id}", "stat": "mean", "threshold": "200ms"},
        ],
        "min_samples": 50,
    }
)


def arm(requests: int, errors: int, slower: int | None = 0, mean_ms: float = 50.0) -> ArmCounts:
    ok = requests - errors
    return ArmCounts(
        requests,
        errors,
        {
            "board": SloCounts(ok // 2, slower, None),
            "drawer": SloCounts(ok - ok // 2, None, mean_ms * (ok - ok // 2)),
        },
    )


def by_name(verdict: object) -> dict[str, str]:
    return {check.name: check.status for check in verdict.checks}  # type: ignore[attr-defined]


def test_a_healthy_canary_passes() -> None:
    window = arm(400, 0, slower=3)
    verdict = judge_counts(SLOS, window, window, false_rollback_bound=0.01)
    assert verdict.status == "pass", verdict.checks
    assert verdict.alpha_per_test == pytest.approx(0.005)  # error rate and board p95 share it


def test_only_percentiles_and_the_error_rate_share_the_bound() -> None:
    assert sequential_test_count(SLOS) == 2


def test_errors_proven_over_the_limit_fail() -> None:
    window = arm(2000, 80)  # 4 % against a 1 % limit
    verdict = judge_counts(SLOS, window, window, false_rollback_bound=0.01)
    assert by_name(verdict)["error rate"] == "fail"
    assert verdict.status == "fail" and verdict.proven  # the step rolls back at once
    assert "proven since the canary started" in verdict.checks[0].detail


def test_over_the_line_but_not_proven_is_inconclusive_never_a_pass_or_a_rollback() -> None:
    window = arm(100, 2)  # 2 % in 100 requests
    verdict = judge_counts(SLOS, window, window, false_rollback_bound=0.01)
    assert by_name(verdict)["error rate"] == "inconclusive"
    assert "not yet proven" in verdict.checks[0].detail


def test_evidence_since_the_start_decides_what_one_window_cannot() -> None:
    window = arm(100, 4)
    earlier = arm(1900, 76)
    alone = judge_counts(SLOS, window, window, false_rollback_bound=0.01)
    together = judge_counts(SLOS, window, window.plus(earlier), false_rollback_bound=0.01)
    assert by_name(alone)["error rate"] == "inconclusive"
    assert by_name(together)["error rate"] == "fail"


def test_too_few_requests_is_inconclusive() -> None:
    window = arm(20, 0)
    assert judge_counts(SLOS, window, window, false_rollback_bound=0.01).status == "inconclusive"


def test_a_p95_breach_is_the_share_over_the_threshold() -> None:
    window = arm(2000, 0, slower=300)  # 30 % of board requests slower than 800 ms
    verdict = judge_counts(SLOS, window, window, false_rollback_bound=0.01)
    assert by_name(verdict)["board p95"] == "fail"
    assert "30.00 % slower (300 of 1000)" in verdict.checks[1].value


def test_no_bucket_at_the_threshold_cannot_be_judged() -> None:
    window = arm(400, 0, slower=None)
    verdict = judge_counts(SLOS, window, window, false_rollback_bound=0.01)
    assert by_name(verdict)["board p95"] == "inconclusive"
    assert "no histogram bucket at 800 ms" in verdict.checks[1].detail
    assert verdict.status == "inconclusive"


def test_a_mean_over_its_threshold_fails_since_the_canary_started() -> None:
    window = arm(400, 0, mean_ms=250)
    verdict = judge_counts(SLOS, window, window, false_rollback_bound=0.01)
    assert by_name(verdict)["drawer mean"] == "fail"
    assert not verdict.proven  # no test behind a mean: the plan's failure limits apply


def test_a_window_that_does_not_know_the_bucket_makes_the_sum_unknown() -> None:
    total = arm(100, 0, slower=2).plus(arm(100, 0, slower=None))
    assert total.slos["board"].slower is None
    assert total.requests == 200


@pytest.mark.parametrize("bound", [0.0, 1.0])
def test_the_bound_must_be_a_probability(bound: float) -> None:
    window = arm(100, 0)
    with pytest.raises(ValueError, match="false_rollback_bound"):
        judge_counts(SLOS, window, window, false_rollback_bound=bound)


def test_more_errors_than_requests_is_refused() -> None:
    with pytest.raises(ValueError, match="errors <= requests"):
        ArmCounts(10, 11)


# ------------------------------------------------------------------ canary against stable

COMPARE = CompareWithStable(alpha=0.01, max_relative_slowdown="20%")


def judged_against_stable(windows: list[tuple[ArmCounts, ArmCounts]]):  # type: ignore[no-untyped-def]
    since = windows[0][0]
    for canary, _ in windows[1:]:
        since = since.plus(canary)
    return judge_counts(
        SLOS,
        windows[-1][0],
        since,
        false_rollback_bound=0.01,
        stable=windows[-1][1],
        versus=windows,
        compare=COMPARE,
        compare_alpha=0.01 / 6,
    )


def test_errors_proven_worse_than_stables_and_over_the_target_fail() -> None:
    # 0.8 % on the canary (under the 1 % limit, over the 0.5 % target) against 0.1 % on stable
    windows = [(arm(1000, 8), arm(9000, 9)) for _ in range(4)]
    verdict = judged_against_stable(windows)
    assert by_name(verdict)["error rate"] == "warn"  # the absolute SLO holds
    assert by_name(verdict)["error rate vs stable"] == "fail" and verdict.proven
    assert "proven worse than stable's" in verdict.reason


def test_worse_than_stable_but_under_the_target_only_warns() -> None:
    windows = [(arm(1000, 3), arm(9000, 0)) for _ in range(4)]  # 0.3 % against 0 %
    verdict = judged_against_stable(windows)
    assert by_name(verdict)["error rate vs stable"] == "warn"
    assert verdict.status == "warn" and not verdict.proven


def test_more_slow_answers_than_stable_fail_though_under_the_line() -> None:
    # 4 % of the canary's board answers over 800 ms (p95 holds: 5 % allowed) against 0.5 % on stable
    windows = [(arm(1000, 0, slower=20), arm(9000, 0, slower=22)) for _ in range(3)]
    verdict = judged_against_stable(windows)
    assert by_name(verdict)["board p95"] == "pass"
    assert by_name(verdict)["board p95 vs stable"] == "fail" and verdict.proven


def test_a_canary_like_stable_is_not_worse() -> None:
    windows = [(arm(1000, 4, slower=10), arm(9000, 36, slower=90)) for _ in range(10)]
    verdict = judged_against_stable(windows)
    assert by_name(verdict)["error rate vs stable"] == "pass"
    assert by_name(verdict)["board p95 vs stable"] == "pass"


def test_no_comparison_without_stable_windows() -> None:
    window = arm(1000, 0)
    verdict = judge_counts(
        SLOS, window, window, false_rollback_bound=0.01, compare=COMPARE, compare_alpha=0.001
    )
    assert not any(name.endswith("vs stable") for name in by_name(verdict))


def test_comparisons_share_the_plans_alpha_over_steps_and_tests() -> None:
    from blocks.plan import CanaryPolicy
    from golive.core.counts_judge import comparison_alpha, comparison_count

    canary = CanaryPolicy(
        steps=[10, 30, 50, 100], bake="3s", evaluation_interval="1s", compare_with_stable=COMPARE
    )
    assert comparison_count(SLOS, canary) == 6  # error rate and board p95, at 10, 30 and 50 %
    assert comparison_alpha(SLOS, canary) == pytest.approx(0.01 / 6)


# ------------------------------------------------------------------ the probe as a floor


def _probe_verdict(status: str):  # type: ignore[no-untyped-def]
    from golive.core.checks import CheckResult
    from golive.core.judge import verdict_of

    check = CheckResult(name="error rate", status=status, value="0 of 40", threshold="< 1 %")
    return verdict_of([check], samples=40, version="canary")


def test_thin_real_traffic_takes_the_probes_conclusive_verdict() -> None:
    from golive.core.counts_judge import with_floor

    thin = arm(6, 0)
    counted = judge_counts(SLOS, thin, thin, false_rollback_bound=0.01, source="prometheus")
    assert counted.status == "inconclusive"
    floored = with_floor(counted, _probe_verdict("pass"), "6 canary requests, 50 needed")
    assert floored.status == "pass"
    assert "probe: error rate" in by_name(floored)
    assert {c.source for c in floored.checks} == {"prometheus", "probe"}
    assert "the probe is the floor: 6 canary requests, 50 needed" in floored.notes


def test_either_failing_fails_with_a_floor() -> None:
    from golive.core.counts_judge import with_floor

    healthy = arm(400, 0)
    counted = judge_counts(SLOS, healthy, healthy, false_rollback_bound=0.01)
    assert with_floor(counted, _probe_verdict("fail"), "thin").status == "fail"
    breach = arm(400, 40)
    proven = judge_counts(SLOS, breach, breach, false_rollback_bound=0.01)
    assert with_floor(proven, _probe_verdict("pass"), "thin").status == "fail"
