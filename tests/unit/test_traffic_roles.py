"""The launch's roles over a router's two targets (tasks/traffic/roles.py), and slot_swap in the
plan: which slot is live, the weights as roles, a swapped router's percents."""

from __future__ import annotations

from pathlib import Path

import pytest

from blocks.plan import PlanError, read_plan_file, validate_plan
from tasks.plugins import check_plugins
from tasks.traffic import WeightChange, target_weights
from tasks.traffic.roles import SwappedRouter, in_roles, live_slot_of, other_slot

PLANS = Path(__file__).resolve().parents[2] / "plans"


class _Router:
    """A router's own view: weights by its target names."""

    def __init__(self, canary: int) -> None:
        self.canary = canary

    def set_canary_weight(self, percent: int) -> WeightChange:
        before, self.canary = self.canary, percent
        return WeightChange(before, percent, before != percent, "listener", self.weights())

    def current_weight(self) -> int:
        return self.canary

    def weights(self) -> dict[str, int]:
        return target_weights(self.canary)


def test_the_live_slot_is_the_one_at_100_and_none_while_split() -> None:
    assert live_slot_of({"stable": 100, "canary": 0}) == "stable"
    assert live_slot_of({"stable": 0, "canary": 100}) == "canary"
    assert live_slot_of({"stable": 70, "canary": 30}) is None
    assert live_slot_of({"stable": 0, "canary": 0}) is None  # equal shares on Route 53
    assert other_slot("stable") == "canary" and other_slot("canary") == "stable"
    with pytest.raises(ValueError, match="'blue'"):
        other_slot("blue")


def test_weights_read_as_roles() -> None:
    assert in_roles({"stable": 0, "canary": 100}, "canary") == {"stable": 100, "canary": 0}
    assert in_roles({"stable": 30, "canary": 70}, "canary") == {"stable": 70, "canary": 30}
    assert in_roles({"stable": 70, "canary": 30}, "stable") == {"stable": 70, "canary": 30}


def test_a_swapped_router_moves_the_other_target() -> None:
    router = _Router(canary=100)  # the router's canary target went live in the last launch
    swapped = SwappedRouter(router)
    assert swapped.current_weight() == 0 and swapped.weights() == {"stable": 100, "canary": 0}
    change = swapped.set_canary_weight(30)
    assert router.weights() == {"stable": 30, "canary": 70}  # the candidate is its stable target
    assert (change.before, change.after, change.changed) == (0, 30, True)
    assert swapped.weights() == {"stable": 70, "canary": 30}
    assert swapped.set_canary_weight(0).after == 0 and router.canary == 100
    assert swapped.set_canary_weight(0).changed is False
    with pytest.raises(ValueError):
        swapped.set_canary_weight(101)


def test_slot_swap_needs_arms_by_release() -> None:
    raw = read_plan_file(PLANS / "partsdesk.yaml")
    raw["api_release"] = {"kind": "slot_swap", "image": "partsdesk-api"}
    assert check_plugins(validate_plan(raw, env={})).api_release.kind == "slot_swap"
    raw["arms"] = {"by": "header", "values": {"stable": ["blue"], "canary": ["green"]}}
    raw["version_header"] = "X-Slot"
    with pytest.raises(PlanError) as caught:
        check_plugins(validate_plan(raw, env={}))
    assert any(
        p.startswith("arms.by: header — release") and "slot_swap" in p
        for p in caught.value.problems
    ), caught.value.problems
