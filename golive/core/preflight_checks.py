"""Pure pre-flight checks: release name and role assignment."""

from __future__ import annotations

import re

from blocks.plan import LaunchPlan
from golive.core.checks import CheckResult
from golive.core.gate_checks import NO_UAT

RELEASE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
PERSON_NAME = re.compile(r"^[a-z0-9][a-z0-9._-]*$")


def check_release_name(release: str) -> CheckResult:
    ok = bool(RELEASE_NAME.match(release)) and ".." not in release
    return CheckResult(
        name="release name",
        status="pass" if ok else "fail",
        value=repr(release),
        threshold="1-64 of A-Z a-z 0-9 . _ -, starting with a letter or digit",
        detail="" if ok else "the release becomes an S3 prefix and a header value",
    )


def check_roles(plan: LaunchPlan, driver: str) -> CheckResult:
    problems = []
    if not PERSON_NAME.match(driver or ""):
        problems.append(f"driver {driver!r} is not a valid name")
    others = [a for a in plan.roles.approvers if a != driver]
    if not others:
        problems.append(f"no approver other than the driver {driver!r}")
    uat = ", ".join(plan.roles.uat_signers) or NO_UAT  # no signers: the plan requires no UAT
    value = f"driver {driver}; approvers {', '.join(plan.roles.approvers)}; UAT {uat}"
    return CheckResult(
        name="roles assigned",
        status="fail" if problems else "pass",
        value=value,
        threshold="a driver, an approver who is not the driver",
        detail="; ".join(problems),
    )


def check_production_at_rest(weights: dict[str, int], rollback_running: bool) -> CheckResult:
    """Production carries no unfinished change: all traffic on one target, no rollback under way.

    The launch's lease keeps other launches out; this catches what an ended launch left behind
    (a canary share its rollback has not yet taken back) and a rollback still at work."""
    on = sorted(weights.values(), reverse=True)
    split = not on or on[0] != 100 or any(on[1:])
    shown = ", ".join(f"{target} {weight} %" for target, weight in sorted(weights.items()))
    problems = []
    if split:
        problems.append(
            "traffic is split: an earlier launch's canary is still live, or its rollback has not "
            "run yet (roll back, or wait for the dispatched rollback)"
        )
    if rollback_running:
        problems.append("a rollback of this production is under way: wait for it to end")
    return CheckResult(
        name="production at rest",
        status="fail" if problems else "pass",
        value=(shown or "no weights") + ("; a rollback is running" if rollback_running else ""),
        threshold="one target at 100 %, no rollback running",
        detail="; ".join(problems),
    )
