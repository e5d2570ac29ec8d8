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
`min_samples` requests since the canary started to pass (a short window of real traffic holds
a few requests; the window's own numbers are shown). A mean has no sequential test here (sum
and count give no variance): it is judged since the canary started, and fails over its
threshold on `min_samples` requests.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from pydantic import Field

from blocks.plan import CanaryPolicy, CompareWithStable, LatencySlo, Slos
from golive.core.alarms import alarm_checks
from golive.core.checks import CheckResult, Status, worst
from golive.core.formatting import is_at_least, ms, percent, percent_limit
from golive.core.judge import CANARY, Verdict, verdict_of
from golive.core.latency_stats import QUANTILES
from golive.core.sequential import ArmsWindow, SequentialTest, sequential_test, versus_test

__all__ = [
    "ArmCounts",
    "CountsVerdict",
    "SloCounts",
    "guarantee",
    "judge_counts",
    "sequential_test_count",
    "unavailable",
    "with_floor",
]


@dataclass(frozen=True)
class SloCounts:
    """One latency SLO's endpoint, one arm, one window."""

    requests: (
        int  # answers the latency histogram counted (an instrumentation counts 5xx answers too)
    )
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


def comparison_count(slos: Slos, canary: CanaryPolicy) -> int:
    """How many canary-vs-stable tests share `compare_with_stable.alpha` over the launch: the
    error rate's and each percentile's, once per step that has stable traffic (each step's
    comparison starts afresh: the traffic split changes)."""
    steps = sum(1 for step in canary.steps if step < 100)
    return max(1, sequential_test_count(slos) * steps)


def comparison_alpha(slos: Slos, canary: CanaryPolicy) -> float:
    return float(canary.compare_with_stable.alpha) / comparison_count(slos, canary)


def judge_counts(
    slos: Slos,
    window: ArmCounts,
    since_start: ArmCounts,
    *,
    false_rollback_bound: float,
    alarms: Mapping[str, str] | None = None,
    stable: ArmCounts | None = None,
    source: str | None = None,
    versus: Sequence[tuple[ArmCounts, ArmCounts]] = (),
    compare: CompareWithStable | None = None,
    compare_alpha: float | None = None,
) -> CountsVerdict:
    """Judge the canary's `window` (this evaluation) and `since_start` (every window of this canary).

    `false_rollback_bound` is the launch-wide chance of rolling back a canary that meets every
    SLO, however often it is judged; each test gets its Bonferroni share of it. `alarms` are the
    CloudWatch alarm states (golive.core.alarms' rule); `stable` is stable's counts over the same
    window, stated beside the canary's; `source` names who counted. `versus` is this step's
    windows, (canary, stable) each, for the comparison with stable (`compare`, each test at
    `compare_alpha`): an error rate or a share over a threshold proven worse than stable's by
    more than the plan's tolerance fails; none is judged without stable traffic."""
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
    checks.append(
        _error_rate_check(slos, window, errors, (since_start.errors, since_start.requests))
    )
    for slo in slos.latency:
        counts = window.slos.get(slo.name)
        if slo.stat == "mean":
            # judged since the canary started: a short window holds too few requests for a mean
            checks.append(_mean_check(slo, since_start.slos.get(slo.name), slos.min_samples))
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
        checks.append(
            _percentile_check(
                slo,
                counts,
                test,
                allowed,
                slos.min_samples,
                (total.slower or 0, total.requests) if total else (0, 0),
            )
        )
    if compare is not None and compare.enabled and versus and compare_alpha is not None:
        versus_checks, versus_tests = _versus_checks(
            slos, since_start, versus, compare, compare_alpha
        )
        checks += versus_checks
        tests |= versus_tests
    checks = [c.model_copy(update={"source": source}) for c in checks] + alarm_checks(alarms)
    notes = [_stable_note(stable)] if stable is not None else []
    verdict = verdict_of(checks, samples=window.requests, version=CANARY, notes=notes)
    proven = any(test.rejected for test in tests.values())
    return CountsVerdict(
        **dict(verdict) | {"proven": proven and verdict.status == "fail"},
        tests=tests,
        alpha_per_test=alpha,
    )


def _versus_checks(
    slos: Slos,
    since_start: ArmCounts,
    versus: Sequence[tuple[ArmCounts, ArmCounts]],
    compare: CompareWithStable,
    alpha: float,
) -> tuple[list[CheckResult], dict[str, SequentialTest]]:
    ratio = 1 + float(compare.max_relative_slowdown)
    tolerance = f"not worse than stable by more than {percent_limit(ratio - 1)}"
    checks: list[CheckResult] = []
    tests: dict[str, SequentialTest] = {}
    errors: list[ArmsWindow] = [(c.errors, c.requests, s.errors, s.requests) for c, s in versus]
    test = versus_test(errors, ratio, alpha)
    tests["error rate vs stable"] = test
    rate = since_start.errors / since_start.requests if since_start.requests else 0.0
    target = float(slos.error_rate.target)
    if test.rejected and is_at_least(rate, target):
        status: Status = "fail"
        detail = f"error rate proven worse than stable's, and over the target: {_versus(test)}"
    elif test.rejected:
        status, detail = (
            "warn",
            f"error rate worse than stable's, under the target: {_versus(test)}",
        )
    else:
        status, detail = "pass", f"error rate not shown worse than stable's: {_versus(test)}"
    checks.append(_versus_check("error rate vs stable", status, tolerance, detail, test))
    for slo in slos.latency:
        if slo.stat == "mean":
            continue
        name = f"{slo.name} {slo.stat} vs stable"
        slower = _slower_windows(slo.name, versus)
        if slower is None:
            continue  # no bucket at the threshold: the absolute check already says so
        test = versus_test(slower, ratio, alpha)
        tests[name] = test
        over = f"answers over {ms(float(slo.threshold))}"
        status, detail = (
            ("fail", f"more {over} than stable, proven: {_versus(test)}")
            if test.rejected
            else ("pass", f"{over} not shown more frequent than stable's: {_versus(test)}")
        )
        checks.append(_versus_check(name, status, tolerance, detail, test))
    return checks, tests


def _slower_windows(
    name: str, versus: Sequence[tuple[ArmCounts, ArmCounts]]
) -> list[ArmsWindow] | None:
    windows: list[ArmsWindow] = []
    for canary, stable in versus:
        mine, theirs = canary.slos.get(name), stable.slos.get(name)
        if mine is None or theirs is None or mine.slower is None or theirs.slower is None:
            return None
        windows.append((mine.slower, mine.requests, theirs.slower, theirs.requests))
    return windows


def _versus(test: SequentialTest) -> str:
    return (
        f"{test.events} of {test.trials} on the canary against {percent(test.p0)} allowed, "
        f"E = {test.describe().split('E = ', 1)[1]}"
    )


def _versus_check(
    name: str, status: Status, tolerance: str, detail: str, test: SequentialTest
) -> CheckResult:
    return CheckResult(
        name=name,
        status=status,
        value=f"{test.events} of {test.trials} bad answers on the canary",
        threshold=tolerance,
        detail=detail,
        samples=test.trials,
    )


def _stable_note(stable: ArmCounts) -> str:
    if not stable.requests:
        return "stable: no requests in this window"
    rate = stable.errors / stable.requests
    return f"stable over the same window: {percent(rate)} errors ({stable.errors} of {stable.requests})"


def unavailable(
    slos: Slos,
    reason: str,
    *,
    false_rollback_bound: float,
    alarms: Mapping[str, str] | None = None,
    source: str | None = None,
) -> CountsVerdict:
    """The source could not count (unreachable, refused, a counter reset): inconclusive, never a pass.
    The alarms are still judged: one firing fails the evaluation whatever the counts would say."""
    check = CheckResult(
        name="metrics source",
        status="inconclusive",
        value="no counts",
        threshold="counts for this window",
        detail=reason,
        samples=0,
        source=source,
    )
    verdict = verdict_of([check, *alarm_checks(alarms)], samples=0, version=CANARY)
    alpha = false_rollback_bound / sequential_test_count(slos)
    return CountsVerdict(**dict(verdict), tests={}, alpha_per_test=alpha)


def with_floor(primary: CountsVerdict, floor: Verdict, thin: str) -> CountsVerdict:
    """The counts' verdict with the probe's as a floor (`thin`: why the counts were not enough).

    Either one failing fails. Where the counts could not decide (inconclusive) the floor's
    conclusive verdict stands; otherwise the worse of the two. The floor's checks keep their
    names behind "probe: " and say they are the probe's."""
    floor_checks = [
        c.model_copy(update={"name": f"probe: {c.name}", "source": "probe"}) for c in floor.checks
    ]
    statuses = [primary.status, floor.status]
    if "fail" in statuses:
        status: Status = "fail"
    elif primary.status == "inconclusive" and floor.status in ("pass", "warn"):
        status = floor.status
    else:
        status = worst(statuses)
    deciding = primary if primary.status == status else floor
    reason = deciding.reason if deciding is primary else f"probe (floor): {floor.reason}"
    return primary.model_copy(
        update={
            "status": status,
            "checks": [*primary.checks, *floor_checks],
            "reason": reason,
            "notes": [*primary.notes, f"the probe is the floor: {thin}", *floor.notes],
            "saturated": floor.saturated,
        }
    )


def guarantee(
    verdict: CountsVerdict, false_rollback_bound: float, compare_alpha: float | None = None
) -> str:
    """What the sequential tests promise, in one sentence for the stage artifact and the report."""
    tests = round(false_rollback_bound / verdict.alpha_per_test)
    versus = (
        f"; and at most {percent_limit(compare_alpha)} more from its comparisons with stable"
        if compare_alpha
        else ""
    )
    return (
        f"Judged with anytime-valid sequential tests on the canary's counts since it started: "
        f"however often it is looked at, the chance this launch rolls back a release that meets "
        f"every SLO is at most {percent_limit(false_rollback_bound)} ({tests} tests at "
        f"{percent_limit(verdict.alpha_per_test)} each){versus}."
    )


def _error_rate_check(
    slos: Slos, window: ArmCounts, test: SequentialTest, counted: tuple[int, int]
) -> CheckResult:
    """`counted`: (errors, requests) since the canary started, what the test and a pass judge."""
    target, limit = float(slos.error_rate.target), float(slos.error_rate.limit)
    n = window.requests
    rate = window.errors / n if n else 0.0
    value = f"{percent(rate)} ({window.errors} of {n})" if n else "no requests"
    threshold = f"< {percent_limit(limit)}"
    if test.rejected:
        status: Status = "fail"
        detail = (
            f"error rate {value} over the {percent_limit(limit)} limit, proven since the canary "
            f"started: {test.describe()}"
        )
    elif counted[1] < slos.min_samples:
        status = "inconclusive"
        detail = f"{counted[1]} requests since the canary started, {slos.min_samples} needed"
    elif is_at_least(counted[0] / counted[1], limit):
        status = "inconclusive"
        detail = (
            f"error rate over the limit since the canary started, not yet proven: {test.describe()}"
        )
    elif is_at_least(counted[0] / counted[1], target):
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
    counted: tuple[int, int],
) -> CheckResult:
    """`counted`: (slower, requests) since the canary started, what the test and a pass judge."""
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
        detail = (
            f"{name} over {ms(float(slo.threshold))} ({value}), proven since the canary started: "
            f"{test.describe()}"
        )
    elif counted[1] < min_samples:
        status = "inconclusive"
        detail = f"{counted[1]} requests since the canary started, {min_samples} needed"
    elif is_at_least(counted[0] / counted[1], allowed):
        status = "inconclusive"
        detail = f"{name} over the line since the canary started, not yet proven: {test.describe()}"
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
        detail="since the canary started (a sum and a count give no variance to test)",
        samples=n,
    )
