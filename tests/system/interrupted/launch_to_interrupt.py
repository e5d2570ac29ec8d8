"""Not collected by the suite (no `test_` prefix): the small test run that test_clean_stops.py starts
as a child and interrupts. A launch runs on the session's real Prefect server against the session's
sandbox; once pre-flight's sign-off is answered, the file $GOLIVE_INTERRUPT_MARKER says the launch is
running (Gate A), and the parent sends SIGINT to this run's process group, as Ctrl-C in a terminal would."""

from __future__ import annotations

import os
from pathlib import Path

from golive.approvals_client import PendingApproval
from golive.approver_bot import Answer
from golive.sandbox_blocks import ensure_sandbox_blocks
from sandbox import manager
from tests.integration.launch_helpers import approve_all, run_launch


def test_a_launch_that_gets_interrupted(sandbox: manager.Sandbox, prefect_api) -> None:  # noqa: ANN001
    ensure_sandbox_blocks(sandbox.environment())
    marker = Path(os.environ["GOLIVE_INTERRUPT_MARKER"])
    approve = approve_all()

    def policy(pending: PendingApproval) -> Answer | None:
        if pending.pause_key == "preflight-green-light":
            marker.write_text(str(pending.run_id))
        return approve(pending)

    run_launch("v9.9.0", policy=policy, timeout=600)
    raise AssertionError("the launch ended before the interrupt came")
