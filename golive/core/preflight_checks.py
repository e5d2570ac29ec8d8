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
