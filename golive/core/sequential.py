"""Anytime-valid tests on counts (pure): a canary may be looked at after every interval.

A fixed-sample test looked at again and again, on data that keeps growing, rolls a healthy
canary back sooner or later (each look is another chance; the law of the iterated logarithm
says the chances never run out). A test *martingale* does not care how often it is looked
at: by Ville's
inequality, P(E_n >= 1/alpha at any n) <= alpha under the null, so "reject when E >= 1/alpha"
may be checked after every request, every interval, forever (Ramdas et al., "Game-theoretic
statistics and safe anytime-valid inference", 2023; Lindon, Sanden, Shirikian, KDD 2022).

The null here is one-sided and composite: "the canary's bad-event rate is at most p0" (5xx
answers against the error-rate limit; requests slower than a latency SLO's threshold against
the 5 % a p95 allows). The e-value is a mixture of Wald's likelihood ratios over a grid of
alternatives theta_j > p0, equally weighted:

    E_n = sum_j w_j * (theta_j / p0)^k * ((1 - theta_j) / (1 - p0))^(n - k)

Each term is a martingale when the rate is p0 and a supermartingale when it is below p0 (for
theta_j > p0 a bad event's factor grows with the rate), so the mixture is one for the whole
null. A grid rather than a continuous prior: the alternatives that matter to a launch (1.5x
to 10x the limit) get the weight, and the sum has no integral to get wrong. The launch-wide
bound is shared by its tests (Bonferroni): m SLOs at launch-wide alpha reject at E >= m/alpha.

No library does this small thing for counts that arrive in windows (confseq and savvi work
sample by sample and bring their own dependencies); it is a dozen lines of logarithms.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

__all__ = ["ALTERNATIVE_FACTORS", "SequentialTest", "log_e_value", "sequential_test"]

# The alternatives, as multiples of the null rate (capped below 1): from just over the line to far over it.
ALTERNATIVE_FACTORS: tuple[float, ...] = (1.25, 1.5, 2.0, 3.0, 5.0, 10.0)


def _alternatives(p0: float) -> list[float]:
    grid = sorted({min(p0 * factor, (1 + p0) / 2) for factor in ALTERNATIVE_FACTORS})
    return [theta for theta in grid if theta > p0]


def log_e_value(events: int, trials: int, p0: float) -> float:
    """log E for `events` bad events in `trials` against "the rate is at most p0"; 0 with no trials."""
    if not 0 < p0 < 1:
        raise ValueError(f"p0 must be strictly between 0 and 1, got {p0}")
    if trials < 0 or not 0 <= events <= trials:
        raise ValueError(f"need 0 <= events <= trials, got {events} of {trials}")
    if trials == 0:
        return 0.0
    thetas = _alternatives(p0)
    terms = [
        events * math.log(theta / p0) + (trials - events) * math.log((1 - theta) / (1 - p0))
        for theta in thetas
    ]
    top = max(terms)  # log-sum-exp: the terms are large in either direction
    return top + math.log(sum(math.exp(term - top) for term in terms)) - math.log(len(terms))


@dataclass(frozen=True)
class SequentialTest:
    """One SLO's anytime-valid test over everything the canary has served so far."""

    events: int
    trials: int
    p0: float  # the rate the SLO allows
    alpha: float  # this test's share of the launch-wide false-rollback bound
    log_e: float

    @property
    def e_value(self) -> float:
        return math.exp(min(self.log_e, 700.0))

    @property
    def threshold(self) -> float:
        return 1.0 / self.alpha

    @property
    def rejected(self) -> bool:
        """The data show the rate is over p0, with at most `alpha` chance of saying so on a healthy canary."""
        return self.log_e >= math.log(self.threshold)

    def describe(self) -> str:
        return (
            f"{self.events} of {self.trials}, E = {_short(self.e_value)} "
            f"(breach proven at E >= {_short(self.threshold)})"
        )


def sequential_test(events: int, trials: int, p0: float, alpha: float) -> SequentialTest:
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must be strictly between 0 and 1, got {alpha}")
    return SequentialTest(events, trials, p0, alpha, log_e_value(events, trials, p0))


def _short(value: float) -> str:
    if value >= 1e6:
        return f"{value:.1e}"
    if value >= 100:
        return f"{value:.0f}"
    return f"{value:.2g}"
