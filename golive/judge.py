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
`slo`, `latency_ms`, `error` and, to filter by version, `version`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from pydantic import BaseModel

from blocks.plan import ErrorRateSlo, LatencySlo, Slos
from golive.checks import CheckResult, Status, worst
from golive.formatting import budget_ms, is_at_least, ms, percent, percent_limit

__all__ = ["Verdict", "error_rate_check", "judge", "latency_check", "latency_stat", "verdict_of"]

_QUANTILES = {"p50": 50.0, "p90": 90.0, "p95": 95.0, "p99": 99.0}
_COLUMNS = ("slo", "latency_ms", "error")


class Verdict(BaseModel):
    status: Status
    checks: list[CheckResult]
    reason: str  # one sentence: the checks that decided the status
    samples: int  # rows judged (after the version filter)
    version: str | None = None

    @property
    def ok(self) -> bool:
        return self.status in ("pass", "warn")


def judge(samples: pd.DataFrame, slos: Slos, *, version: str | None = None) -> Verdict:
    """Judge one evaluation's samples (of one version, if given) against the plan's SLOs."""
    frame = _select(samples, version)
    checks = [error_rate_check(frame, slos.error_rate, slos.min_samples)]
    checks += [latency_check(frame, slo, slos.min_samples) for slo in slos.latency]
    return verdict_of(checks, samples=len(frame), version=version)


def verdict_of(checks: list[CheckResult], *, samples: int, version: str | None = None) -> Verdict:
    """The worst check decides; the reason lists the checks with that status."""
    status = worst([c.status for c in checks])
    deciding = [c.detail for c in checks if c.status == status]
    prefix = f"{version}: " if version else ""
    if status == "pass":
        reason = "all SLOs met: " + ", ".join(deciding)
    else:
        reason = "; ".join(deciding) if deciding else "no checks"
    return Verdict(status=status, checks=checks, reason=prefix + reason, samples=samples, version=version)


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
    return CheckResult(name="error rate", status=status, value=value, threshold=threshold,
                       detail=f"{detail} ({errors} of {total} requests)", samples=total)


def latency_check(frame: pd.DataFrame, slo: LatencySlo, min_samples: int) -> CheckResult:
    name = f"{slo.name} {slo.stat}"
    threshold = f"< {budget_ms(slo.threshold)}"
    rows = frame[(frame["slo"] == slo.name) & ~frame["error"].astype(bool)]
    latencies = rows["latency_ms"].to_numpy(dtype=float)
    latencies = latencies[~np.isnan(latencies)]  # a source may not know a latency; it is no sample then
    value = latency_stat(latencies, slo.stat) if len(latencies) else None
    shown = ms(value, slo.threshold) if value is not None else "no samples"
    if value is None or len(latencies) < min_samples:
        return _too_few(name, shown, len(latencies), min_samples, threshold, successful=True)
    failed = is_at_least(value, slo.threshold)
    detail = f"{name} {shown} {'>=' if failed else '<'} {budget_ms(slo.threshold)}"
    return CheckResult(name=name, status="fail" if failed else "pass", value=shown, threshold=threshold,
                       detail=detail, samples=len(latencies))


def latency_stat(latencies: np.ndarray, stat: str) -> float:
    """mean | p50 | p90 | p95 | p99 (linear interpolation between samples) of a non-empty array."""
    if stat == "mean":
        return float(np.mean(latencies))
    return float(np.percentile(latencies, _QUANTILES[stat]))


def _select(samples: pd.DataFrame, version: str | None) -> pd.DataFrame:
    if samples.empty:
        return pd.DataFrame({"slo": pd.Series(dtype=object), "latency_ms": pd.Series(dtype=float),
                             "error": pd.Series(dtype=bool), "version": pd.Series(dtype=object)})
    wanted = [*_COLUMNS, "version"] if version is not None else list(_COLUMNS)
    missing = [column for column in wanted if column not in samples.columns]
    if missing:
        raise ValueError(f"samples lack column(s) {', '.join(missing)}")
    return samples[samples["version"] == version] if version is not None else samples


def _too_few(name: str, value: str, count: int, needed: int, threshold: str, *,
             successful: bool = False) -> CheckResult:
    """Too little evidence: show what was seen, but never let it pass."""
    kind = "successful samples" if successful else "samples"
    return CheckResult(name=name, status="inconclusive", value=value, threshold=threshold,
                       detail=f"{name}: {count} {kind} < {needed} needed", samples=count)

