"""Gate G's trend check: a comparison with checkpoint 1 that warns, never rolls back on its own."""

from __future__ import annotations

from golive.core.checks import CheckResult
from golive.core.gate_checks import trend_check


def test_a_significant_slowdown_warns_and_is_named_against_checkpoint_1() -> None:
    compared = CheckResult(
        name="board p95 vs stable",
        status="fail",
        value="+47 % (p=0.0001)",
        threshold="not slower than stable by > 20 %",
        detail="board p95 vs stable: +47 %",
    )
    trend = trend_check(compared)
    assert trend.status == "warn" and trend.ok
    assert trend.name == "trend: board p95 vs checkpoint 1"
    assert trend.threshold == "not slower than checkpoint 1 by > 20 %"
    assert trend.detail.endswith("(degrading; SLOs decide the rollback)")


def test_other_outcomes_keep_their_status() -> None:
    for status in ("pass", "warn", "inconclusive"):
        check = CheckResult(
            name="error rate vs stable", status=status, value="+0 pp", threshold="-"
        )
        assert trend_check(check).status == status
