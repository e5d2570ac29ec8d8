"""share_within_tolerance: is an observed canary share consistent with the weight?"""

from __future__ import annotations

import math
import random

import pytest

from tasks.traffic import canary_percent, check_percent, target_weights
from tasks.traffic.verify import ShareObservation, share_within_tolerance


def test_exact_share_passes() -> None:
    ok, detail = share_within_tolerance(0.30, 30, 250, 0.05)
    assert ok
    assert "canary share 30.0% of 250" in detail and "expected 30%" in detail


@pytest.mark.parametrize(
    ("observed", "ok"), [(0.24, False), (0.26, True), (0.34, True), (0.36, False)]
)
def test_many_samples_use_the_plan_tolerance_as_the_band(observed: float, ok: bool) -> None:
    # n = 100,000: 4 SE is 0.6 points, so the plan's 5 % is the band that counts
    result, detail = share_within_tolerance(observed, 30, 100_000, 0.05)
    assert result is ok
    assert "± 5.0%" in detail


def test_few_samples_widen_the_band_to_four_standard_errors() -> None:
    n = 40  # 4 SE of binomial(40, 0.3) = 4 * sqrt(0.21 / 40) ≈ 29 points
    band = 4 * math.sqrt(0.3 * 0.7 / n)
    assert share_within_tolerance(0.3 + band - 0.001, 30, n, 0.05)[0]
    ok, detail = share_within_tolerance(0.3 + band + 0.001, 30, n, 0.05)
    assert not ok
    assert f"± {band:.1%}" in detail and "4 SE" in detail


def test_band_edge_is_inclusive() -> None:
    assert share_within_tolerance(0.35, 30, 1_000_000, 0.05)[0]


@pytest.mark.parametrize(("observed", "ok"), [(0.0, True), (0.004, False), (1 / 250, False)])
def test_zero_percent_requires_every_response_from_stable(observed: float, ok: bool) -> None:
    result, detail = share_within_tolerance(observed, 0, 250, 0.05)
    assert result is ok
    assert "every response from stable" in detail


@pytest.mark.parametrize(("observed", "ok"), [(1.0, True), (249 / 250, False)])
def test_hundred_percent_requires_every_response_from_canary(observed: float, ok: bool) -> None:
    result, detail = share_within_tolerance(
        observed, 100, 250, 0.5
    )  # even a huge tolerance does not help
    assert result is ok
    assert "every response from canary" in detail


def test_no_responses_is_never_ok() -> None:
    ok, detail = share_within_tolerance(0.0, 0, 0, 0.05)
    assert not ok and "no responses" in detail


def test_expected_out_of_range_is_an_error() -> None:
    with pytest.raises(ValueError, match="0..100"):
        share_within_tolerance(0.5, 101, 10, 0.05)


def test_false_alarm_rate_on_a_correct_split_is_tiny() -> None:
    # 2,000 simulated probes of 250 requests at a true 10 %: none should fail
    rng = random.Random(7)
    failures = 0
    for _ in range(2000):
        canary = sum(rng.random() < 0.10 for _ in range(250))
        failures += not share_within_tolerance(canary / 250, 10, 250, 0.05)[0]
    assert failures == 0


def test_a_router_ignoring_the_weight_is_caught() -> None:
    # weight says 30 %, the router still sends 10 %: 250 requests are plenty to see it
    assert not share_within_tolerance(25 / 250, 30, 250, 0.05)[0]


# ------------------------------------------------------------ observations and weights


def test_observation_counts_and_fails_closed_on_unattributed_responses() -> None:
    observation = ShareObservation("http://x/health", {"stable": 70, "canary": 30}, 0.5)
    assert (observation.n, observation.canary, observation.fraction) == (100, 30, 0.3)
    assert observation.judged(30, 0.05).ok
    broken = ShareObservation(
        "http://x/health", {"stable": 70, "canary": 30, "(no response)": 1}, 0.5
    )
    judged = broken.judged(30, 0.05)
    assert not judged.ok and "1 responses named no known version" in judged.detail
    nothing = ShareObservation("http://x/health", {"(no header)": 5}, 0.1).judged(0, 0.05)
    assert not nothing.ok and "no responses named a version" in nothing.detail


def test_weights_helpers() -> None:
    assert target_weights(30) == {"stable": 70, "canary": 30}
    assert canary_percent({"stable": 70, "canary": 30}) == 30
    assert canary_percent({"stable": 2, "canary": 1}) == 33
    assert canary_percent({"stable": 0, "canary": 0}) == 50  # Route 53: all zero = equal shares
    for bad in (-1, 101, 10.5, True):
        with pytest.raises(ValueError, match="0 to 100"):
            check_percent(bad)  # type: ignore[arg-type]
