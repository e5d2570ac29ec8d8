"""Is production already rolled back? Judged by what users are served."""

from __future__ import annotations

import pytest

from golive.core.rollback_state import already_rolled_back, on_stable, stale_origins

RECORDED = {"stable": "/releases/v1", "canary": "/releases/v1"}


@pytest.mark.parametrize(
    "mode,weights,origins,expected",
    [
        ("emergency", {"stable": 100, "canary": 0}, {"stable": "/releases/v2"}, True),
        ("emergency", {"stable": 70, "canary": 30}, {"stable": "/releases/v1"}, False),
        (
            "full",
            {"stable": 100, "canary": 0},
            {"stable": "/releases/v2", "canary": "/releases/v1"},
            False,
        ),
        (
            "full",
            {"stable": 100, "canary": 0},
            {"stable": "/releases/v1", "canary": "/releases/v1"},
            True,
        ),
        # the idle canary origin still at the new release serves nobody: users are rolled back
        (
            "full",
            {"stable": 100, "canary": 0},
            {"stable": "/releases/v1", "canary": "/releases/v2"},
            True,
        ),
        (
            "full",
            {"stable": 90, "canary": 10},
            {"stable": "/releases/v1", "canary": "/releases/v1"},
            False,
        ),
    ],
)
def test_already_rolled_back(mode: str, weights: dict, origins: dict, expected: bool) -> None:
    assert (
        already_rolled_back(mode, weights, origins, RECORDED, canary_origin_id="canary") is expected
    )


def test_without_a_canary_origin_every_origin_counts() -> None:
    origins = {"stable": "/releases/v1", "canary": "/releases/v2"}
    assert not already_rolled_back(
        "full", {"stable": 100, "canary": 0}, origins, RECORDED, canary_origin_id=None
    )


def test_no_stable_weight_is_not_on_stable() -> None:
    assert not on_stable({"stable": 0, "canary": 0})
    assert not on_stable({})


def test_stale_origins_names_each_origin_to_restore() -> None:
    assert stale_origins({"stable": "/a", "canary": "/b"}, {"stable": "/a", "canary": "/c"}) == {
        "canary": "/c"
    }
