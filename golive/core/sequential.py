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

Canary against stable (`versus_test`): given a window's bad events, which arm each came from
is Binomial(bad, q) with q = n_c r_c / (n_c r_c + n_s r_s) (the Poisson view of rare events);
"the canary's rate is at most `ratio` times stable's" makes q at most q0 = n_c ratio /
(n_c ratio + n_s), so the same mixture over alternatives ratio x factor, multiplied window by
window (each with its own traffic split), is a test supermartingale for that null.

No library does this small thing for counts that arrive in windows (confseq and savvi work
sample by sample and bring their own dependencies); it is a dozen lines of logarithms.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = [
    "ALTERNATIVE_FACTORS",
    "ArmsWindow",
    "SequentialTest",
    "log_e_value",
    "sequential_test",
    "versus_test",
]

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
    return _log_mean_exp(terms)


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


ArmsWindow = tuple[int, int, int, int]  # (canary bad, canary requests, stable bad, stable requests)


def _log_mean_exp(terms: list[float]) -> float:
    """log of the mean of exp(terms), stably (the terms are large in either direction)."""
    top = max(terms)
    return top + math.log(sum(math.exp(term - top) for term in terms)) - math.log(len(terms))


def versus_test(windows: Sequence[ArmsWindow], ratio: float, alpha: float) -> SequentialTest:
    """ "The canary's bad-event rate is at most `ratio` x stable's", tested window by window.

    `events` and `trials` of the result are the canary's bad events and all bad events; `p0` is
    the share of bad events the null allows the canary over all the windows together."""
    if not ratio > 0:
        raise ValueError(f"ratio must be more than 0, got {ratio}")
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must be strictly between 0 and 1, got {alpha}")
    used = [w for w in windows if w[1] > 0 and w[3] > 0 and w[0] + w[2] > 0]
    for canary_bad, canary_n, stable_bad, stable_n in used:
        if not (0 <= canary_bad <= canary_n and 0 <= stable_bad <= stable_n):
            raise ValueError(f"need 0 <= bad <= requests in each arm, got {used}")
    terms = []
    for factor in ALTERNATIVE_FACTORS:
        term = 0.0
        for canary_bad, canary_n, stable_bad, stable_n in used:
            q0 = canary_n * ratio / (canary_n * ratio + stable_n)
            q1 = canary_n * ratio * factor / (canary_n * ratio * factor + stable_n)
            term += canary_bad * math.log(q1 / q0) + stable_bad * math.log((1 - q1) / (1 - q0))
        terms.append(term)
    log_e = _log_mean_exp(terms) if used else 0.0
    events = sum(w[0] for w in used)
    trials = events + sum(w[2] for w in used)
    n_c, n_s = sum(w[1] for w in used), sum(w[3] for w in used)
    p0 = n_c * ratio / (n_c * ratio + n_s) if n_c + n_s else 0.5
    return SequentialTest(events, trials, min(max(p0, 1e-12), 1 - 1e-12), alpha, log_e)


def _short(value: float) -> str:
    if value >= 1e6:
        return f"{value:.1e}"
    if value >= 100:
        return f"{value:.0f}"
    return f"{value:.2g}"
