"""Not collected by the suite (no `test_` prefix): the small test run that test_clean_stops.py starts
as a child and interrupts. A launch runs on the session's real Prefect server against the session's
sandbox. Its pre-flight is approved; Gate A's final sign-off is held (never answered), so the launch
cannot end before the interrupt comes. Once Gate A runs (build, upload, smoke suites, probe), the file
$GOLIVE_INTERRUPT_MARKER says so, and the parent sends SIGINT to this run's process group, as Ctrl-C
in a terminal would."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import (
    FlowRunFilter,
    FlowRunFilterName,
    FlowRunFilterState,
    FlowRunFilterStateType,
)
from prefect.client.schemas.objects import StateType

from golive.local.approvals_client import PendingApproval
from golive.local.approver_bot import Answer
from golive.local.sandbox_blocks import ensure_sandbox_blocks
from sandbox import manager
from tests.integration.launch_helpers import approve_all, run_launch

HELD = "gate-a-approval"


def test_a_launch_that_gets_interrupted(sandbox: manager.Sandbox, prefect_api) -> None:  # noqa: ANN001
    ensure_sandbox_blocks(sandbox.environment())
    marker = Path(os.environ["GOLIVE_INTERRUPT_MARKER"])
    approve = approve_all()

    def policy(pending: PendingApproval) -> Answer | None:
        return None if pending.pause_key == HELD else approve(pending)

    threading.Thread(target=mark_when_gate_a_runs, args=(marker,), daemon=True).start()
    run_launch("v9.9.0", policy=policy, timeout=600)
    raise AssertionError("the launch ended before the interrupt came")


def mark_when_gate_a_runs(marker: Path) -> None:
    running_gate_a = FlowRunFilter(
        name=FlowRunFilterName(like_="Gate A"),
        state=FlowRunFilterState(type=FlowRunFilterStateType(any_=[StateType.RUNNING])),
    )
    with get_client(sync_client=True) as client:
        while not (runs := client.read_flow_runs(flow_run_filter=running_gate_a)):
            time.sleep(0.2)
    marker.write_text(str(runs[0].id))
