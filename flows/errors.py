"""Why a launch stops: the message is the runbook's failure announcement."""

from __future__ import annotations

from collections.abc import Sequence

from golive.core.checks import CheckResult


class GateFailed(RuntimeError):
    """A gate's checks or its approver said no. Raised by gate subflows; fails the launch.

    `checks` are the gate's checks when they are what stopped it: the launch records them
    with the gate's failure, so the incident report shows the failing numbers, not only
    the one-line reason.
    """

    def __init__(self, gate: str, reason: str, checks: Sequence[CheckResult] = ()) -> None:
        super().__init__(f"{gate} FAILED - {reason}")
        self.gate = gate
        self.reason = reason
        self.checks = list(checks)

    def __reduce__(self) -> tuple[type[GateFailed], tuple[str, str, list[CheckResult]]]:
        # the message is built from gate and reason: pickle those (Exception's default would pass the message)
        return (GateFailed, (self.gate, self.reason, self.checks))
