"""Pre-flight's "production at rest": what an ended launch or a running rollback leaves is refused."""

from __future__ import annotations

from golive.core.preflight_checks import check_production_at_rest


def test_all_traffic_on_one_target_is_at_rest_whichever_target() -> None:
    assert check_production_at_rest({"stable": 100, "canary": 0}, False).status == "pass"
    assert (
        check_production_at_rest({"stable": 0, "canary": 100}, False).status == "pass"
    )  # slot_swap
    assert check_production_at_rest({"blue": 100}, False).status == "pass"


def test_a_split_or_a_running_rollback_is_not() -> None:
    split = check_production_at_rest({"stable": 70, "canary": 30}, False)
    assert split.status == "fail" and "traffic is split" in split.detail
    assert split.value == "canary 30 %, stable 70 %"
    running = check_production_at_rest({"stable": 100, "canary": 0}, True)
    assert running.status == "fail" and "rollback of this production is under way" in running.detail
    assert check_production_at_rest({}, False).status == "fail"  # nothing read: fail closed
