"""Why a launch stops: the message is the runbook's failure announcement."""

from __future__ import annotations


class GateFailed(RuntimeError):
    """A gate's checks or its approver said no. Raised by gate subflows; fails the launch."""

    def __init__(self, gate: str, reason: str) -> None:
        super().__init__(f"{gate} FAILED - {reason}")
        self.gate = gate
        self.reason = reason
