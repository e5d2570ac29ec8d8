"""`golive approvals` and `golive approve` against a paused launch on the real API."""

from __future__ import annotations

import threading
import time

from typer.testing import CliRunner

from golive.cli import app
from golive.local.approvals_client import pending_approvals
from golive.local.sandbox_blocks import ensure_sandbox_blocks
from sandbox import manager
from tests.integration.launch_helpers import SANDBOX_PLAN

runner = CliRunner()


def wait_for_pause(key: str, timeout: float = 60):  # noqa: ANN201
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for pending in pending_approvals():
            if pending.pause_key == key and pending.ready:
                return pending
        time.sleep(0.3)
    raise AssertionError(f"no paused run with key {key}")


def test_list_and_resume_from_the_terminal(sandbox: manager.Sandbox, prefect_api) -> None:  # noqa: ANN001
    from flows.launch import golive

    ensure_sandbox_blocks(sandbox.environment())
    box = {}
    launch = threading.Thread(
        target=lambda: box.setdefault(
            "state", golive(release="v3.0.0", driver="dana", plan=SANDBOX_PLAN, return_state=True)
        ),
        daemon=True,
    )
    launch.start()
    try:
        pending = wait_for_pause("preflight-green-light")
        listed = runner.invoke(app, ["approvals", "--details"])
        assert listed.exit_code == 0, listed.output
        assert str(pending.run_id) in listed.output and "preflight-green-light" in listed.output
        assert (
            "alice, bob, sandbox-approver" in listed.output
            and "Pre-flight for StatusBoardV2" in listed.output
        )

        refused = runner.invoke(app, ["approve", str(pending.run_id), "--as", "mallory"])
        assert refused.exit_code == 1 and "'mallory' is not one of" in refused.output

        rejected = runner.invoke(
            app,
            [
                "approve",
                str(pending.run_id),
                "--as",
                "bob",
                "--reject",
                "--comment",
                "comms bridge not open yet",
            ],
        )
        assert rejected.exit_code == 0, rejected.output
    finally:
        launch.join(60)
    assert box["state"].is_failed()
    assert (
        "Pre-flight FAILED - the Approver bob rejected 'Green light to proceed to Gate A': comms bridge not open yet"
    ) in box["state"].message
    assert runner.invoke(app, ["approvals"]).output.startswith("No gate is waiting")
