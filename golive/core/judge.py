"""The SLO judge: samples -> a verdict, by the runbook's rules with the plan's thresholds (pure).

Rules:
- error rate (errors / all samples): below `target` passes, from `target` up to the
  `limit` warns, at or above the `limit` fails;
- each latency SLO: its `stat` over that SLO's successful samples (not `error`) must be
  strictly below its threshold;
- fewer than `min_samples` samples (all samples for the error rate, that SLO's
  successful samples for a latency SLO) is inconclusive — never a pass;
- the verdict is the worst check: fail > inconclusive > warn > pass.

Samples are the metrics sources' frame (`tasks/metrics`); the judge reads the columns
`slo`, `latency_ms`, `error`, to filter by version `version`, and `client_lag_ms` if present.

The canary judge (`judge_canary`) applies the same thresholds to the canary's rows, with
one change the decision-quality benchmark (bench/decision_quality.py) called for: a
canary evaluation sees tens of requests, so a value over the line must also be *shown*
to be over it before it fails:

- a breach fails when a one-sided test at `alpha` (default `BREACH_ALPHA`) says the true
  value is over the line: exact binomial tests for the error rate and for percentiles
  (how many samples are at or over the threshold, against the 5 % a p95 allows), a
  t-test for a mean. The exact tests can prove a breach on fewer than `min_samples`;
- an observed value over the line that is not yet significant is `inconclusive`: never
  a pass (the step bakes on, is extended, then a human decides), never a rollback on noise;
- a value under the line still needs `min_samples` to pass, as in `judge`.

Then canary against stable (`compare_with_stable`): a one-sided Mann–Whitney U test per
latency SLO and a one-sided Fisher exact test on the error counts, each with an effect
size; it fails only when the difference is both significant and larger than the plan's
tolerance (`max_relative_slowdown` of the SLO's stat for latency, the error-rate target
in percentage points for errors). The plan's `alpha` is per evaluation, shared by the
comparisons (Bonferroni). And the CloudWatch alarms, by the one rule of `golive.core.alarms`:
anything but OK or INSUFFICIENT_DATA fails (a MISSING alarm too).

Why the tests: with the literal rules, the benchmark's healthy canaries near a line
(p95 750 ms, errors 0.4 % or 0.9 %, canary identical to stable) were rolled back in
about half to nearly all of the trials; with them, in none of 500 per scenario.

The probe's own health comes first (`golive.core.probe_health`): when the probe's own client
lag could have moved an SLO's number by more than the plan's bound (`max_client_lag_ms`,
by default a tenth of that SLO's threshold), the probe measured itself, and the
evaluation is `inconclusive` with a reason starting "probe saturated: " — its failed
checks become inconclusive, its passes keep their figures; an error rate failing on the
server's 5xx answers alone and the alarms are judged as always. Samples that do not know
their lag are judged as before. This holds for `judge` and `judge_canary`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
from pydantic import BaseModel, Field

from blocks.plan import CompareWithStable, ErrorRateSlo, LatencySlo, Slos
from golive.core.alarms import alarm_checks
from golive.core.checks import CheckResult, Status, worst
from golive.core.formatting import budget_ms, is_at_least, ms, percent, percent_limit
from golive.core.latency_stats import QUANTILES, latency_stat
from golive.core.probe_health import (
    PROBE_CHECK,
    ClientLag,
    LagBounds,
    client_lag,
    server_errors_only,
    under_saturation,
)

__all__ = [
    "BREACH_ALPHA",
    "CANARY",
    "STABLE",
    "binomial_tail",
    "Verdict",
    "compare_with_stable",
    "error_rate_check",
    "judge",
    "judge_canary",
    "latency_check",
    "latency_stat",
    "verdict_of",
]

CANARY = "canary"  # the `version` values the router's version header gives the two sides
STABLE = "stable"
# Significance a canary's breach of an absolute SLO needs before it fails (see the module doc).
BREACH_ALPHA = 0.001

_QUANTILES = QUANTILES
_COLUMNS = ("slo", "latency_ms", "error")


class Verdict(BaseModel):
    status: Status
    checks: list[CheckResult]
    reason: str  # one sentence: the checks that decided the status
    samples: int  # rows judged (after the version filter)
    version: str | None = None
    notes: list[str] = Field(
        default_factory=list
    )  # what was not judged and why (e.g. no stable traffic)
    saturated: bool = False  # the probe's own client lag was over its bound: it measured itself
    # a failed check's breach is proven by an anytime-valid sequential test (golive.core.counts_judge):
    # its false-rollback chance is already bounded, so the step rolls back at once
    proven: bool = False

    @property
    def ok(self) -> bool:
        return self.status in ("pass", "warn")


def judge(
    samples: pd.DataFrame,
    slos: Slos,
    *,
    version: str | None = None,
    max_client_lag_ms: float | None = None,
) -> Verdict:
    """Judge one evaluation's samples (of one version, if given) against the plan's SLOs.

    `max_client_lag_ms`: the plan's probe.max_client_lag (`LaunchPlan.max_client_lag_ms`); None: each
    SLO's number may move by a tenth of its threshold.
    """
    frame = _select(samples, version)
    checks = [error_rate_check(frame, slos.error_rate, slos.min_samples)]
    checks += [latency_check(frame, slo, slos.min_samples) for slo in slos.latency]
    lag = client_lag(frame, LagBounds.of(slos, max_client_lag_ms))
    # saturated, a failing error rate stands only on the server's own 5xx answers
    standing = (
        [error_rate_check(server_errors_only(frame), slos.error_rate, slos.min_samples)]
        if lag is not None and lag.saturated
        else []
    )
    return verdict_of(
        under_saturation(checks, lag, standing), samples=len(frame), version=version, lag=lag
    )


def verdict_of(
    checks: list[CheckResult],
    *,
    samples: int,
    version: str | None = None,
    notes: list[str] | None = None,
    lag: ClientLag | None = None,
) -> Verdict:
    """The worst check decides; the reason lists the checks with that status.

    With a saturated probe (`lag`) an inconclusive verdict's reason starts "probe saturated: ".
    """
    status = worst([c.status for c in checks])
    deciding = [c.detail for c in checks if c.status == status and c.name != PROBE_CHECK]
    if lag is not None and lag.saturated and status == "inconclusive":
        # the probe's problem, not a version's: no "canary: " before it
        reason = "; ".join([lag.reason, *deciding])
    elif status == "pass":
        reason = (f"{version}: " if version else "") + "all SLOs met: " + ", ".join(deciding)
    else:
        reason = (f"{version}: " if version else "") + (
            "; ".join(deciding) if deciding else "no checks"
        )
    return Verdict(
        status=status,
        checks=checks,
        reason=reason,
        samples=samples,
        version=version,
        notes=list(notes or []),
        saturated=lag is not None and lag.saturated,
    )


def error_rate_check(frame: pd.DataFrame, slo: ErrorRateSlo, min_samples: int) -> CheckResult:
    total = len(frame)
    threshold = f"< {percent_limit(slo.target)} (fail at {percent_limit(slo.limit)})"
    errors = int(frame["error"].astype(bool).sum())
    rate = errors / total if total else 0.0
    value = percent(rate) if total else "no samples"
    if total < min_samples:
        return _too_few("error rate", value, total, min_samples, threshold)
    if is_at_least(rate, slo.limit):
        status: Status = "fail"
        detail = f"error rate {value} >= {percent_limit(slo.limit)}"
    elif is_at_least(rate, slo.target):
        status = "warn"
        detail = f"error rate {value} >= {percent_limit(slo.target)} target"
    else:
        status = "pass"
        detail = f"error rate {value} < {percent_limit(slo.target)}"
    return CheckResult(
        name="error rate",
        status=status,
        value=value,
        threshold=threshold,
        detail=f"{detail} ({errors} of {total} requests)",
        samples=total,
    )


def latency_check(frame: pd.DataFrame, slo: LatencySlo, min_samples: int) -> CheckResult:
    name = f"{slo.name} {slo.stat}"
    threshold = f"< {budget_ms(slo.threshold)}"
    rows = frame[(frame["slo"] == slo.name) & ~frame["error"].astype(bool)]
    latencies = rows["latency_ms"].to_numpy(dtype=float)
    latencies = latencies[
        ~np.isnan(latencies)
    ]  # a source may not know a latency; it is no sample then
    value = latency_stat(latencies, slo.stat) if len(latencies) else None
    shown = ms(value, slo.threshold) if value is not None else "no samples"
    if value is None or len(latencies) < min_samples:
        return _too_few(name, shown, len(latencies), min_samples, threshold, successful=True)
    failed = is_at_least(value, slo.threshold)
    detail = f"{name} {shown} {'>=' if failed else '<'} {budget_ms(slo.threshold)}"
    return CheckResult(
        name=name,
        status="fail" if failed else "pass",
        value=shown,
        threshold=threshold,
        detail=detail,
        samples=len(latencies),
    )


def _select(samples: pd.DataFrame, version: str | None) -> pd.DataFrame:
    if samples.empty:
        return pd.DataFrame(
            {
                "slo": pd.Series(dtype=object),
                "latency_ms": pd.Series(dtype=float),
                "error": pd.Series(dtype=bool),
                "version": pd.Series(dtype=object),
            }
        )
    wanted = [*_COLUMNS, "version"] if version is not None else list(_COLUMNS)
    missing = [column for column in wanted if column not in samples.columns]
    if missing:
        raise ValueError(f"samples lack column(s) {', '.join(missing)}")
    return samples[samples["version"] == version] if version is not None else samples


def _too_few(
    name: str, value: str, count: int, needed: int, threshold: str, *, successful: bool = False
) -> CheckResult:
    """Too little evidence: show what was seen, but never let it pass."""
    kind = "successful samples" if successful else "samples"
    return CheckResult(
        name=name,
        status="inconclusive",
        value=value,
        threshold=threshold,
        detail=f"{name}: {count} {kind} < {needed} needed",
        samples=count,
    )


# ------------------------------------------------------------------ the canary judge


def judge_canary(
    samples: pd.DataFrame,
    slos: Slos,
    compare: CompareWithStable,
    alarms: Mapping[str, str] | None = None,
    *,
    alpha: float | None = BREACH_ALPHA,
    step: int | None = None,
    max_client_lag_ms: float | None = None,
) -> Verdict:
    """Judge one canary evaluation: the canary's rows against the SLOs, against stable, and the alarms.

    `samples` holds both versions (`version` "canary" / "stable"); pass the evaluation's
    window: `evaluation_window(intervals, slos, start=tracker.fresh_from)`. `alpha` is the significance a
    breach of an absolute SLO needs to fail (None: the literal rule, the observed value
    decides as in `judge`). `alarms` maps CloudWatch alarm names to their state (`alarm_checks`). At the
    100 % step (`step=100`) or with no stable rows there is nothing to compare with: the
    comparison is skipped and a note says so (not inconclusive). The client lag is that of
    all the window's samples, both versions (one client measured both); if it could move an
    SLO's number by more than `max_client_lag_ms` (None: a tenth of that SLO's threshold), the
    evaluation is inconclusive.
    """
    canary, stable = _split(samples)
    checks = [_canary_error_rate(canary, slos.error_rate, slos.min_samples, alpha)]
    checks += [
        _canary_latency(canary.successful(slo.name), slo, slos.min_samples, alpha)
        for slo in slos.latency
    ]
    notes: list[str] = []
    if not compare.enabled:
        notes.append("canary vs stable: not compared (compare_with_stable is disabled in the plan)")
    elif step is not None and step >= 100:
        notes.append("canary vs stable: skipped, no stable traffic at the 100 % step")
    elif len(stable) == 0:
        notes.append("canary vs stable: skipped, no stable samples in this evaluation")
    else:
        checks += _compare(canary, stable, slos, compare)
    lag = client_lag(samples, LagBounds.of(slos, max_client_lag_ms), versions=(CANARY, STABLE))
    standing = []  # saturated, a failing error rate stands only on the server's own 5xx answers
    if lag is not None and lag.saturated:
        served, _ = _split(server_errors_only(samples))
        standing.append(_canary_error_rate(served, slos.error_rate, slos.min_samples, alpha))
    checks = under_saturation(checks, lag, standing) + alarm_checks(
        alarms
    )  # an ALARM is not the probe's evidence
    return verdict_of(checks, samples=len(canary), version=CANARY, notes=notes, lag=lag)


def compare_with_stable(
    canary: pd.DataFrame, stable: pd.DataFrame, slos: Slos, compare: CompareWithStable
) -> list[CheckResult]:
    """Canary against stable: error rate (one-sided Fisher exact) and each latency SLO (one-sided Mann–Whitney U).

    Each check fails only if the canary is significantly worse (p < `compare.alpha`) *and*
    by more than the tolerance: `max_relative_slowdown` of the SLO's stat for latency, the
    error-rate target (in percentage points) for errors. Significant but within tolerance
    warns; fewer than `min_samples` on either side is inconclusive; otherwise it passes.
    `compare.alpha` holds for the evaluation as a whole: each of the 1 + len(slos.latency)
    tests runs at alpha / (1 + len(slos.latency)) (Bonferroni).
    """
    return _compare(_Side.of(_checked(canary)), _Side.of(_checked(stable)), slos, compare)


@dataclass(frozen=True)
class _Side:
    """One version's samples as arrays: the canary judge runs every interval, so filter once."""

    slo: np.ndarray
    latency: np.ndarray
    error: np.ndarray

    @classmethod
    def of(cls, frame: pd.DataFrame) -> _Side:
        return cls(
            frame["slo"].to_numpy(dtype=object),
            frame["latency_ms"].to_numpy(dtype=float),
            frame["error"].to_numpy().astype(bool),
        )

    def __len__(self) -> int:
        return len(self.error)

    @property
    def errors(self) -> int:
        return int(self.error.sum())

    def successful(self, slo: str) -> np.ndarray:
        latencies = self.latency[(self.slo == slo) & ~self.error]
        return latencies[~np.isnan(latencies)]


def _checked(samples: pd.DataFrame) -> pd.DataFrame:
    frame = _select(samples, None)
    missing = [column for column in _COLUMNS if column not in frame.columns]
    if missing:
        raise ValueError(f"samples lack column(s) {', '.join(missing)}")
    return frame


def _split(samples: pd.DataFrame) -> tuple[_Side, _Side]:
    frame = _checked(samples)
    if "version" not in frame.columns:
        raise ValueError("samples lack column(s) version")
    version = frame["version"].to_numpy(dtype=object)
    every = _Side.of(frame)
    sides = []
    for name in (CANARY, STABLE):
        mine = version == name
        sides.append(_Side(every.slo[mine], every.latency[mine], every.error[mine]))
    return sides[0], sides[1]


def _p(p: float) -> str:
    return "p<0.0001" if p < 1e-4 else f"p={p:.2g}"


def binomial_tail(k: int, n: int, rate: float) -> float:
    """P(Binomial(n, rate) >= k): how surprising k events in n are if the true rate were `rate`."""
    from scipy.special import bdtrc  # scipy is imported by the first judgement only (2 s)

    return 1.0 if k <= 0 else float(bdtrc(k - 1, n, rate))


def _canary_error_rate(
    side: _Side, slo: ErrorRateSlo, min_samples: int, alpha: float | None
) -> CheckResult:
    total, errors = len(side), side.errors
    threshold = f"< {percent_limit(slo.target)} (fail at {percent_limit(slo.limit)})"
    rate = errors / total if total else 0.0
    value = percent(rate) if total else "no samples"
    counts = f"{errors} of {total} requests"
    if total and is_at_least(rate, slo.limit):
        over = f"error rate {value} >= {percent_limit(slo.limit)}"
        if alpha is None:
            if total < min_samples:
                return _too_few("error rate", value, total, min_samples, threshold)
            return CheckResult(
                name="error rate",
                status="fail",
                value=value,
                threshold=threshold,
                detail=f"{over} ({counts})",
                samples=total,
            )
        p = binomial_tail(errors, total, slo.limit)
        return _tested("error rate", value, threshold, over, f"{counts}, {_p(p)}", p, alpha, total)
    if total < min_samples:
        return _too_few("error rate", value, total, min_samples, threshold)
    if is_at_least(rate, slo.target):
        status: Status = "warn"
        detail = f"error rate {value} >= {percent_limit(slo.target)} target"
    else:
        status, detail = "pass", f"error rate {value} < {percent_limit(slo.target)}"
    return CheckResult(
        name="error rate",
        status=status,
        value=value,
        threshold=threshold,
        detail=f"{detail} ({counts})",
        samples=total,
    )


def _canary_latency(
    latencies: np.ndarray, slo: LatencySlo, min_samples: int, alpha: float | None
) -> CheckResult:
    name = f"{slo.name} {slo.stat}"
    threshold = f"< {budget_ms(slo.threshold)}"
    n = len(latencies)
    if n == 0:
        return _too_few(name, "no samples", 0, min_samples, threshold, successful=True)
    value = latency_stat(latencies, slo.stat)
    shown = ms(value, slo.threshold)
    if is_at_least(value, slo.threshold):
        over = f"{name} {shown} >= {budget_ms(slo.threshold)}"
        exact = (
            slo.stat != "mean"
        )  # the binomial test is exact at any n; the t-test needs min_samples
        if n < min_samples and (alpha is None or not exact):
            return _too_few(name, shown, n, min_samples, threshold, successful=True)
        if alpha is None:
            return CheckResult(
                name=name, status="fail", value=shown, threshold=threshold, detail=over, samples=n
            )
        if exact:
            tail = (
                1 - _QUANTILES[slo.stat] / 100
            )  # the share of samples the stat allows over the line
            at_or_over = int(np.count_nonzero(latencies >= slo.threshold * (1 - 1e-12)))
            p = binomial_tail(at_or_over, n, tail)
            evidence = (
                f"{at_or_over} of {n} at or over {budget_ms(slo.threshold)} where {percent_limit(tail)} "
                f"is allowed, {_p(p)}"
            )
        else:
            p = _mean_above(latencies, slo.threshold)
            evidence = f"{n} samples, t-test {_p(p)}"
        return _tested(name, shown, threshold, over, evidence, p, alpha, n)
    if n < min_samples:
        return _too_few(name, shown, n, min_samples, threshold, successful=True)
    return CheckResult(
        name=name,
        status="pass",
        value=shown,
        threshold=threshold,
        detail=f"{name} {shown} < {budget_ms(slo.threshold)}",
        samples=n,
    )


def _mean_above(latencies: np.ndarray, threshold: float) -> float:
    """One-sided t-test p-value of 'the true mean is at or under the threshold'."""
    mean, sd = (
        float(np.mean(latencies)),
        float(np.std(latencies, ddof=1)) if len(latencies) > 1 else 0.0,
    )
    if sd == 0:
        return 0.0 if is_at_least(mean, threshold) else 1.0
    from scipy.special import stdtr

    t = (mean - threshold) / (sd / np.sqrt(len(latencies)))
    return float(stdtr(len(latencies) - 1, -t))


def _tested(
    name: str,
    value: str,
    threshold: str,
    over: str,
    evidence: str,
    p: float,
    alpha: float,
    samples: int,
) -> CheckResult:
    """A value over the line fails if the test shows it; otherwise it is not yet known — never a pass."""
    if p < alpha:
        return CheckResult(
            name=name,
            status="fail",
            value=value,
            threshold=threshold,
            detail=f"{over} ({evidence})",
            samples=samples,
        )
    return CheckResult(
        name=name,
        status="inconclusive",
        value=value,
        threshold=threshold,
        detail=f"{over}, not yet significant ({evidence}; fails at p<{alpha:g}): needs more samples",
        samples=samples,
    )


def _compare(
    canary: _Side, stable: _Side, slos: Slos, compare: CompareWithStable
) -> list[CheckResult]:
    # The plan's alpha is per evaluation: Bonferroni over the error rate and each latency SLO,
    # or an evaluation with three comparisons would fail on noise three times as often.
    alpha = compare.alpha / (1 + len(slos.latency))
    checks = [_compare_errors(canary, stable, slos, compare, alpha)]
    checks += [
        _compare_latency(
            canary.successful(slo.name),
            stable.successful(slo.name),
            slo,
            slos.min_samples,
            compare,
            alpha,
        )
        for slo in slos.latency
    ]
    return checks


def _alpha_text(compare: CompareWithStable, alpha: float) -> str:
    if alpha == compare.alpha:
        return f"α={compare.alpha:g}"
    return f"α={alpha:.2g}: {compare.alpha:g} over {round(compare.alpha / alpha)} comparisons"


def _compare_errors(
    canary: _Side, stable: _Side, slos: Slos, compare: CompareWithStable, alpha: float
) -> CheckResult:
    name = "error rate vs stable"
    tolerance = float(slos.error_rate.target)
    threshold = f"not above stable by > {percent_limit(tolerance).replace(' %', ' pp')} ({_alpha_text(compare, alpha)})"
    n_canary, n_stable = len(canary), len(stable)
    if min(n_canary, n_stable) < slos.min_samples:
        return CheckResult(
            name=name,
            status="inconclusive",
            value="not compared",
            threshold=threshold,
            detail=f"{name}: {n_canary} canary / {n_stable} stable samples, {slos.min_samples} each needed",
            samples=n_canary,
        )
    from scipy.stats import fisher_exact

    e_canary, e_stable = canary.errors, stable.errors
    difference = e_canary / n_canary - e_stable / n_stable
    p = float(
        fisher_exact(
            [[e_canary, n_canary - e_canary], [e_stable, n_stable - e_stable]],
            alternative="greater",
        ).pvalue
    )
    value = f"{difference * 100:+.2f} pp ({_p(p)})"
    versus = f"{percent(e_canary / n_canary)} vs {percent(e_stable / n_stable)}"
    limit = f"+{percent_limit(tolerance).replace(' %', ' pp')}"
    return _effect_check(
        name,
        value,
        threshold,
        n_canary,
        p,
        alpha,
        difference > tolerance and not is_at_least(tolerance, difference),
        f"{name}: {difference * 100:+.2f} pp ({versus}, {_p(p)})",
        limit,
    )


def _compare_latency(
    canary: np.ndarray,
    stable: np.ndarray,
    slo: LatencySlo,
    min_samples: int,
    compare: CompareWithStable,
    alpha: float,
) -> CheckResult:
    name = f"{slo.name} {slo.stat} vs stable"
    tolerance = float(compare.max_relative_slowdown)
    threshold = (
        f"not slower than stable by > {percent_limit(tolerance)} ({_alpha_text(compare, alpha)})"
    )
    if min(len(canary), len(stable)) < min_samples:
        return CheckResult(
            name=name,
            status="inconclusive",
            value="not compared",
            threshold=threshold,
            detail=f"{name}: {len(canary)} canary / {len(stable)} stable successful samples, {min_samples} each needed",
            samples=len(canary),
        )
    from scipy.stats import mannwhitneyu

    mine, theirs = latency_stat(canary, slo.stat), latency_stat(stable, slo.stat)
    slowdown = mine / theirs - 1 if theirs > 0 else (0.0 if mine <= 0 else float("inf"))
    p = float(mannwhitneyu(canary, stable, alternative="greater").pvalue)
    p = p if np.isfinite(p) else 1.0  # all values tied: no evidence of a difference
    value = f"{slowdown * 100:+.0f} % ({_p(p)})"
    return _effect_check(
        name,
        value,
        threshold,
        len(canary),
        p,
        alpha,
        slowdown > tolerance,
        f"{name}: {slowdown * 100:+.0f} % ({ms(mine)} vs {ms(theirs)}, {_p(p)})",
        f"+{percent_limit(tolerance)}",
    )


def _effect_check(
    name: str,
    value: str,
    threshold: str,
    samples: int,
    p: float,
    alpha: float,
    large: bool,
    observed: str,
    tolerance: str,
) -> CheckResult:
    if p < alpha and large:
        status: Status = "fail"
        detail = f"{observed} > {tolerance} tolerance"
    elif p < alpha:
        status, detail = (
            "warn",
            f"{observed}: significantly worse, within the {tolerance} tolerance",
        )
    else:
        status, detail = "pass", f"{observed}: no significant regression"
    return CheckResult(
        name=name, status=status, value=value, threshold=threshold, detail=detail, samples=samples
    )
