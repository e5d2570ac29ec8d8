"""A response's arm: by the release it names, or by a mapped header; never credited when unknown."""

from __future__ import annotations

import pandas as pd

from golive.core.arms import CANARY, STABLE, UNKNOWN, ArmRule, with_arms


def test_by_release_the_launched_one_is_canary_the_live_one_stable() -> None:
    rule = ArmRule("release", launched="v2", live="v1")
    assert rule.arm("green", "v2") == CANARY
    assert rule.arm("blue", "v1") == STABLE
    assert rule.arm("blue", "v0.9") == UNKNOWN  # neither: never counted for either side
    assert rule.arm("canary", None) == UNKNOWN
    assert rule.arm("canary", "unknown") == UNKNOWN


def test_without_a_known_live_release_any_other_named_release_is_stable() -> None:
    rule = ArmRule("release", launched="v2", live=None)
    assert rule.arm(None, "v1") == STABLE
    assert rule.arm(None, "v2") == CANARY


def test_by_header_the_plan_maps_values() -> None:
    rule = ArmRule("header", "v2", "v1", {"stable": ("blue",), "canary": ("green",)})
    assert rule.arm("green", "v1") == CANARY  # the header decides, whatever the release
    assert rule.arm("blue", "v2") == STABLE
    assert rule.arm("purple", "v2") == UNKNOWN


def test_with_arms_keeps_what_the_header_said() -> None:
    samples = pd.DataFrame(
        {"version": ["blue", "green", "unknown"], "release": ["v1", "v2", "unknown"]}
    )
    armed = with_arms(samples, ArmRule("release", "v2", "v1"))
    assert list(armed["version"]) == [STABLE, CANARY, UNKNOWN]
    assert list(armed["served_by"]) == ["blue", "green", "unknown"]
    empty = with_arms(samples.iloc[0:0], ArmRule("release", "v2", "v1"))
    assert "served_by" in empty.columns and empty.empty
