"""Checks a gate computes from what it already holds, with no I/O: Gate B's "UAT approved this
release" (from Gate A's sign-offs) and Gate G's trend against its first checkpoint."""

from __future__ import annotations

import pandas as pd

from blocks.plan import LaunchPlan
from golive.core.checks import CheckResult

NO_UAT = "none required by the plan"  # roles.uat_signers is empty: said, not skipped silently


def uat_not_required() -> CheckResult:
    """Gate A's UAT evidence when the plan names no UAT signers: a pass that says why."""
    return CheckResult(name="UAT", status="pass", value=NO_UAT, threshold="roles.uat_signers: []")


def uat_confirmed(plan: LaunchPlan, gate_a: list[CheckResult]) -> CheckResult:
    """Gate B: every UAT signer the plan names signed in Gate A (a pass saying so when it names none)."""
    if not plan.roles.uat_required:
        return CheckResult(
            name="UAT approval of this release",
            status="pass",
            value=NO_UAT,
            threshold="roles.uat_signers: []",
        )
    signed = {c.name.removeprefix("UAT: ") for c in gate_a if c.name.startswith("UAT: ") and c.ok}
    missing = [s for s in plan.roles.uat_signers if s not in signed]
    return CheckResult(
        name="UAT approval of this release",
        status="fail" if missing else "pass",
        value=f"signed by {', '.join(sorted(signed)) or 'nobody'}",
        threshold=", ".join(plan.roles.uat_signers),
        detail=f"missing: {', '.join(missing)}" if missing else "",
    )


def trend_check(check: CheckResult) -> CheckResult:
    """A comparison with checkpoint 1, as a trend. A significant slowdown warns (shown, recorded,
    in the report) but does not roll back on its own: the absolute SLO checks beside it decide,
    so a release that is slower than at first yet within its SLOs is not undone at 2 a.m."""

    def as_trend(text: str) -> str:
        return (
            text.replace("vs stable", "vs checkpoint 1")
            .replace("than stable", "than checkpoint 1")
            .replace("above stable", "above checkpoint 1")
        )

    update = {
        "name": "trend: " + as_trend(check.name),
        "threshold": as_trend(check.threshold),
        "detail": as_trend(check.detail),
    }
    if check.status == "fail":
        update.update(
            status="warn", detail=update["detail"] + " (degrading; SLOs decide the rollback)"
        )
    return check.model_copy(update=update)


def api_release_check(samples: pd.DataFrame, release: str) -> CheckResult:
    """Every probe response of a checkpoint named the launched release (its `release` column):
    one answer from another release means some users are still on it."""
    releases = samples["release"].value_counts() if "release" in samples else pd.Series(dtype=int)
    total = int(releases.sum())
    ours = int(releases.get(release, 0))
    others = {str(k): int(v) for k, v in releases.items() if k != release}
    return CheckResult(
        name="every API response from the release",
        status="pass" if total and ours == total else "fail",
        value=f"{ours} of {total}" + (f"; others {others}" if others else ""),
        threshold=f"all {release}",
        samples=total,
    )


def site_release_check(seen: dict[str, int], release: str, reader: str) -> CheckResult:
    return CheckResult(
        name=f"the site serves {release}",
        status="pass" if set(seen) == {release} else "fail",
        value=", ".join(f"{k}: {v}" for k, v in seen.items()) or "nothing",
        threshold=f"all {release} by {reader}",
        samples=sum(seen.values()),
    )
