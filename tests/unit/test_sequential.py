"""Anytime-valid tests on counts (golive/core/sequential.py)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from golive.core.sequential import log_e_value, sequential_test


def test_no_trials_is_no_evidence() -> None:
    assert log_e_value(0, 0, 0.01) == 0.0
    assert not sequential_test(0, 0, 0.01, 0.001).rejected


@pytest.mark.parametrize(
    ("events", "trials", "p0", "message"),
    [(1, 10, 0.0, "p0 must be"), (1, 10, 1.0, "p0 must be"), (11, 10, 0.01, "events <= trials")],
)
def test_bad_counts_are_refused_by_name(events: int, trials: int, p0: float, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        log_e_value(events, trials, p0)


def test_clean_traffic_is_evidence_for_the_null() -> None:
    assert log_e_value(0, 1000, 0.01) < 0


def test_a_clear_breach_is_proven_on_few_requests() -> None:
    # ten 5xx in ten requests against a 1 % limit
    assert sequential_test(10, 10, 0.01, 0.001).rejected


def test_three_times_the_limit_is_proven_on_two_thousand_requests() -> None:
    test = sequential_test(60, 2000, 0.01, 0.001)  # 3 % against 1 %
    assert test.rejected
    assert test.e_value >= 1000
    assert "60 of 2000" in test.describe()


def test_just_at_the_limit_is_not_a_breach() -> None:
    assert not sequential_test(20, 2000, 0.01, 0.001).rejected


@pytest.mark.parametrize("rate", [0.01, 0.005])
def test_looking_after_every_window_keeps_the_false_rejections_under_alpha(rate: float) -> None:
    """1,000 healthy canaries (at and under the limit), each looked at after every 25 requests
    up to 5,000: a fixed-sample test at alpha per look would reject far more often."""
    rng = np.random.default_rng(20261203)
    alpha, looks, per_look = 0.05, 200, 25
    events = rng.binomial(per_look, rate, size=(1000, looks)).cumsum(axis=1)
    trials = per_look * np.arange(1, looks + 1)
    rejected = [
        any(
            log_e_value(int(k), int(n), 0.01) >= math.log(1 / alpha)
            for k, n in zip(row, trials, strict=True)
        )
        for row in events
    ]
    assert sum(rejected) / len(rejected) <= alpha


def test_versus_stable_holds_its_bound_on_a_canary_like_stable() -> None:
    """300 canaries at stable's rate (1 %), 10 % of traffic, 20 windows each, the test looked at
    after every window: at most alpha = 5 % of them are ever called worse (ratio 1.2)."""
    import random

    from golive.core.sequential import versus_test

    rng = random.Random(11)
    called = 0
    for _ in range(300):
        windows = []
        for _ in range(20):
            c = sum(rng.random() < 0.01 for _ in range(100))
            s = sum(rng.random() < 0.01 for _ in range(900))
            windows.append((c, 100, s, 900))
            if versus_test(windows, 1.2, 0.05).rejected:
                called += 1
                break
    assert called <= 15  # 5 % of 300


def test_versus_stable_finds_a_canary_five_times_worse() -> None:
    from golive.core.sequential import versus_test

    windows = [(5, 100, 9, 900)] * 6  # 5 % against 1 %
    test = versus_test(windows, 1.2, 0.005)
    assert test.rejected and (test.events, test.trials) == (30, 84)
    assert not versus_test([(0, 0, 3, 900), (2, 100, 0, 0)], 1.2, 0.005).rejected  # one arm empty
