"""The SLO judge on counts: what a counting source (Prometheus, CloudWatch) says an arm served (pure).

A probe gives one row per request; a metrics server gives counts over a window: requests,
5xx answers, and per latency SLO a histogram, of which the judge needs the bucket at the SLO's
threshold (how many requests were slower) and the sum. So:

- the error rate is errors / requests;
- a percentile SLO (pXX < T) holds while the share of requests slower than T is under
  1 - XX % (a p95 under 800 ms is "fewer than 5 % over 800 ms"); it needs a histogram bucket
  at exactly T — without one the SLO cannot be judged (inconclusive, and `golive plan check`
  says which bucket is missing);
- a mean is sum / count.

Breaches are decided by anytime-valid sequential tests (`golive.core.sequential`) on the
canary's counts *since the canary started* (the same release at every step), so the canary
may be looked at after every interval with the launch-wide false-rollback bound still held:
a check fails only when its test rejects "this rate is within the SLO". A value over the line
that is not yet proven is `inconclusive` (bake on, then a human), and a value under it needs
`min_samples` requests in the window to pass — as in `golive.core.judge`. A mean has no
sequential test here (sum and count give no variance): it is judged on the window, and fails
over its threshold on `min_samples` requests.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from pydantic import Field

from blocks.plan import LatencySlo, Slos
from golive.core.checks import CheckResult, Status
from golive.core.formatting import is_at_least, ms, percent, percent_limit
from golive.core.judge import CANARY, Verdict, verdict_of
from golive.core.latency_stats import QUANTILES
from golive.core.sequential import SequentialTest, sequential_test

__all__ = ["ArmCounts", "CountsVerdict", "SloCounts", "judge_counts", "sequential_test_count"]


@dataclass(frozen=True)
class SloCounts:
    """One latency SLO's endpoint, one arm, one window."""

    requests: int  # answered without a server error
    slower: int | None  # of them slower than the SLO's threshold; None: no histogram bucket there
    latency_sum_ms: float | None = None  # for a mean


@dataclass(frozen=True)
class ArmCounts:
    """What one arm (stable or canary) served over a window, as a metrics server counts it."""

    requests: int
    errors: int  # 5xx answers
    slos: Mapping[str, SloCounts] = field(default_factory=dict)  # by the SLO's name

    def __post_init__(self) -> None:
        if self.requests < 0 or not 0 <= self.errors <= self.requests:
            raise ValueError(f"need 0 <= errors <= requests, got {self.errors} of {self.requests}")

    def plus(self, other: ArmCounts) -> ArmCounts:
        """Two windows of the same arm as one (for the canary's counts since it started)."""
        names = set(self.slos) | set(other.slos)
        return ArmCounts(
            self.requests + other.requests,
            self.errors + other.errors,
            {name: _sum(self.slos.get(name), other.slos.get(name)) for name in names},
        )


def _sum(a: SloCounts | None, b: SloCounts | None) -> SloCounts:
    if a is None or b is None:
        known = a or b
        assert known is not None
        return SloCounts(known.requests, None, None)  # one window unknown: the sum is unknown
    slower = None if a.slower is None or b.slower is None else a.slower + b.slower
    total = (
        None
        if a.latency_sum_ms is None or b.latency_sum_ms is None
        else a.latency_sum_ms + b.latency_sum_ms
    )
    return SloCounts(a.requests + b.requests, slower, total)


class CountsVerdict(Verdict):
    """A canary Verdict, with what each sequential test says so far (by check name)."""

    tests: dict[str, SequentialTest] = Field(default_factory=dict)
    alpha_per_test: float


def sequential_test_count(slos: Slos) -> int:
    """How many sequential tests share the launch-wide bound: the error rate and each percentile SLO."""
    return 1 + sum(1 for slo in slos.latency if slo.stat != "mean")


def judge_counts(
    slos: Slos, window: ArmCounts, since_start: ArmCounts, *, false_rollback_bound: float
) -> CountsVerdict:
    """Judge the canary's `window` (this evaluation) and `since_start` (every window of this canary).

    `false_rollback_bound` is the launch-wide chance of rolling back a canary that meets every
    SLO, however often it is judged; each test gets its Bonferroni share of it."""
    if not 0 < false_rollback_bound < 1:
        raise ValueError(
            f"false_rollback_bound must be between 0 and 1, got {false_rollback_bound}"
        )
    alpha = false_rollback_bound / sequential_test_count(slos)
    checks: list[CheckResult] = []
    tests: dict[str, SequentialTest] = {}

    limit = float(slos.error_rate.limit)
    errors = sequential_test(since_start.errors, since_start.requests, limit, alpha)
    tests["error rate"] = errors
    checks.append(_error_rate_check(slos, window, errors))
    for slo in slos.latency:
        counts = window.slos.get(slo.name)
        if slo.stat == "mean":
            checks.append(_mean_check(slo, counts, slos.min_samples))
            continue
        total = since_start.slos.get(slo.name)
        allowed = 1 - QUANTILES[slo.stat] / 100
        test = (
            sequential_test(total.slower, total.requests, allowed, alpha)
            if total is not None and total.slower is not None
            else None
        )
        if test is not None:
            tests[f"{slo.name} {slo.stat}"] = test
        checks.append(_percentile_check(slo, counts, test, allowed, slos.min_samples))
    verdict = verdict_of(checks, samples=window.requests, version=CANARY)
    return CountsVerdict(**dict(verdict), tests=tests, alpha_per_test=alpha)


def _error_rate_check(slos: Slos, window: ArmCounts, test: SequentialTest) -> CheckResult:
    target, limit = float(slos.error_rate.target), float(slos.error_rate.limit)
    n = window.requests
    rate = window.errors / n if n else 0.0
    value = f"{percent(rate)} ({window.errors} of {n})" if n else "no requests"
    threshold = f"< {percent_limit(limit)}"
    if test.rejected:
        status: Status = "fail"
        detail = f"over the limit, proven since the canary started: {test.describe()}"
    elif n < slos.min_samples:
        status, detail = "inconclusive", f"{n} requests, {slos.min_samples} needed"
    elif is_at_least(rate, limit):
        status = "inconclusive"
        detail = f"over the limit in this window, not yet proven: {test.describe()}"
    elif is_at_least(rate, target):
        status, detail = "warn", f"over the target ({percent_limit(target)}): {test.describe()}"
    else:
        status, detail = "pass", test.describe()
    return CheckResult(
        name="error rate", status=status, value=value, threshold=threshold, detail=detail, samples=n
    )


def _percentile_check(
    slo: LatencySlo,
    counts: SloCounts | None,
    test: SequentialTest | None,
    allowed: float,
    min_samples: int,
) -> CheckResult:
    name = f"{slo.name} {slo.stat}"
    threshold = f"< {ms(float(slo.threshold))} ({percent_limit(allowed)} slower at most)"
    if counts is None or counts.slower is None or test is None:
        return CheckResult(
            name=name,
            status="inconclusive",
            value="not counted",
            threshold=threshold,
            detail=f"no histogram bucket at {ms(float(slo.threshold))}: the source cannot say "
            f"how many requests were slower (golive plan check names the bucket)",
            samples=counts.requests if counts else 0,
        )
    n = counts.requests
    share = counts.slower / n if n else 0.0
    value = f"{percent(share)} slower ({counts.slower} of {n})" if n else "no requests"
    if test.rejected:
        status: Status = "fail"
        detail = f"{slo.stat} over {ms(float(slo.threshold))}, proven since the canary started: {test.describe()}"
    elif n < min_samples:
        status, detail = "inconclusive", f"{n} requests, {min_samples} needed"
    elif is_at_least(share, allowed):
        status = "inconclusive"
        detail = f"over the line in this window, not yet proven: {test.describe()}"
    else:
        status, detail = "pass", test.describe()
    return CheckResult(
        name=name, status=status, value=value, threshold=threshold, detail=detail, samples=n
    )


def _mean_check(slo: LatencySlo, counts: SloCounts | None, min_samples: int) -> CheckResult:
    name = f"{slo.name} mean"
    limit = float(slo.threshold)
    threshold = f"< {ms(limit)}"
    if counts is None or counts.latency_sum_ms is None:
        return CheckResult(
            name=name,
            status="inconclusive",
            value="not counted",
            threshold=threshold,
            detail="the source gives no latency sum for this SLO",
            samples=counts.requests if counts else 0,
        )
    n = counts.requests
    if n < min_samples:
        return CheckResult(
            name=name,
            status="inconclusive",
            value=ms(counts.latency_sum_ms / n) if n else "no requests",
            threshold=threshold,
            detail=f"{n} requests, {min_samples} needed",
            samples=n,
        )
    mean = counts.latency_sum_ms / n
    over = is_at_least(mean, limit)
    return CheckResult(
        name=name,
        status="fail" if over else "pass",
        value=ms(mean, limit),
        threshold=threshold,
        detail="judged on this window (a sum and a count give no variance to test)",
        samples=n,
    )
