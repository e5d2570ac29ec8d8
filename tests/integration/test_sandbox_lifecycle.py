"""`golive sandbox up/status/down/reset` as a user runs them: no leaks, no port clashes."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import httpx
from typer.testing import CliRunner

from golive.cli import app
from golive.local.processes import group_members
from sandbox import manager

runner = CliRunner()


def _group_members(pgid: int) -> list[int]:
    return group_members(pgid)


def test_up_status_down_leaves_no_process(tmp_path: Path, sandbox_session: manager.Sandbox) -> None:
    state_dir = tmp_path / "sb"
    result = runner.invoke(app, ["sandbox", "up", "--state-dir", str(state_dir)])
    assert result.exit_code == 0, result.output
    assert "STAGING_URL" in result.output and "CLOUDFRONT_DIST_ID" in result.output
    running = manager.status(state_dir)
    assert running is not None
    pgid = running.state["pgid"]
    assert len(_group_members(pgid)) >= 2  # the sandbox and its moto child

    # a second sandbox beside the session's: distinct ports, both serve
    assert set(running.urls.values()).isdisjoint(sandbox_session.urls.values())
    assert httpx.get(running.urls["production_edge"] + "/health").status_code == 200
    assert httpx.get(sandbox_session.urls["production_edge"] + "/health").status_code == 200

    # `up` again reuses the running sandbox
    assert manager.up(state_dir).state["pid"] == running.state["pid"]

    env_text = running.env_file.read_text()
    for variable in (
        "STAGING_URL",
        "PROD_URL",
        "STAGING_API_BASE_URL",
        "S3_BUCKET",
        "CLOUDFRONT_DIST_ID",
        "AWS_ENDPOINT_URL",
        "AWS_ACCESS_KEY_ID",
    ):
        assert f"export {variable}=" in env_text

    status = runner.invoke(app, ["sandbox", "status", "--state-dir", str(state_dir)])
    assert status.exit_code == 0 and "stable 100 / canary 0" in status.output
    assert "router: route53 (Route 53 weighted records" in status.output
    assert runner.invoke(app, ["sandbox", "reset", "--state-dir", str(state_dir)]).exit_code == 0

    result = runner.invoke(app, ["sandbox", "down", "--state-dir", str(state_dir)])
    assert result.exit_code == 0 and "stopped" in result.output
    assert _group_members(pgid) == []
    assert manager.status(state_dir) is None
    assert runner.invoke(app, ["sandbox", "status", "--state-dir", str(state_dir)]).exit_code == 1


def test_up_replaces_a_sandbox_that_died(tmp_path: Path) -> None:
    state_dir = tmp_path / "sb"
    first = manager.up(state_dir)
    os.kill(first.state["pid"], signal.SIGKILL)  # moto child is left behind in the group
    second = manager.up(state_dir)
    try:
        assert second.state["pid"] != first.state["pid"]
        assert _group_members(first.state["pgid"]) == []
    finally:
        manager.down(state_dir)
    assert _group_members(second.state["pgid"]) == []


def test_fault_and_messages_commands(sandbox: manager.Sandbox) -> None:
    state = ["--state-dir", str(sandbox.state_dir)]
    result = runner.invoke(
        app,
        [
            "sandbox",
            "fault",
            "--target",
            "canary",
            "--latency-ms",
            "600",
            "--error-rate",
            "0.02",
            "--endpoint",
            "board",
            *state,
        ],
    )
    assert result.exit_code == 0, result.output
    assert sandbox.routing()["faults"][0]["latency_ms"] == 600
    bad = runner.invoke(
        app, ["sandbox", "fault", "--target", "canary", "--endpoint", "boards", *state]
    )
    assert bad.exit_code == 2 and "--endpoint" in bad.output and "board" in bad.output
    assert (
        runner.invoke(app, ["sandbox", "fault", "--target", "canary", "--clear", *state]).exit_code
        == 0
    )
    assert sandbox.routing()["faults"] == []

    httpx.post(sandbox.environment()["GOLIVE_CHAT_WEBHOOK_URL"], json={"text": "hello launch"})
    listed = runner.invoke(app, ["sandbox", "messages", *state])
    assert listed.exit_code == 0 and "hello launch" in listed.output
