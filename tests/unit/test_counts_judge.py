"""The SLO judge on counts (golive/core/counts_judge.py)."""

from __future__ import annotations

import pytest

from blocks.plan import Slos
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
