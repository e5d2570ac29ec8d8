"""CloudWatch alarm states -> checks: the one rule every gate judges the plan's alarms by (pure).

Gate B's "alarms quiet", `rollback/validate`, the canary and Gate G judge (`judge_canary`, the
checkpoint) and the 24-hour health check all call `alarm_checks`, so an alarm means the same
thing before the canary as during it and after a rollback.
"""

from __future__ import annotations

from collections.abc import Mapping

from golive.core.checks import CheckResult, Status

__all__ = ["MISSING", "QUIET", "alarm_checks"]

MISSING = "MISSING"  # an alarm the plan names that CloudWatch does not return (tasks/metrics/cloudwatch.py)
QUIET = ("OK", "INSUFFICIENT_DATA")  # the states that say "not firing"
_THRESHOLD = "OK or INSUFFICIENT_DATA"


def alarm_checks(states: Mapping[str, str] | None) -> list[CheckResult]:
    """One check per alarm, in the order given: OK and INSUFFICIENT_DATA pass; anything else fails.

    The rule fails closed. Only a state CloudWatch reports as not firing is proof that the
    alarm is quiet: ALARM fails, and so does an alarm the plan names that AWS does not return
    (MISSING: misspelt in the plan, deleted, or in another account or region) and any state
    golive does not know. Such an alarm cannot be proven quiet, and it will not become
    provable by measuring longer, so "inconclusive" (which a canary bakes on through) would
    only wait for a human to notice; a failed check says at once which name to fix.
    INSUFFICIENT_DATA passes: a new alarm, or one on a metric with no traffic yet, is not
    firing, and the SLO probe measures the traffic itself.
    """
    checks = []
    for name, state in (states or {}).items():
        label = f"alarm {name}"
        status: Status = "pass" if state in QUIET else "fail"
        if state == "OK":
            detail = f"{label} OK"
        elif state == "INSUFFICIENT_DATA":
            detail = f"{label} has insufficient data (not firing)"
        elif state == "ALARM":
            detail = f"{label} is in ALARM"
        elif state == MISSING:
            detail = f"{label}: CloudWatch has no alarm of that name (misspelt or deleted): cannot be proven quiet"
        else:
            detail = f"{label}: unknown state {state!r}: cannot be proven quiet"
        checks.append(
            CheckResult(
                name=label, status=status, value=str(state), threshold=_THRESHOLD, detail=detail
            )
        )
    return checks
