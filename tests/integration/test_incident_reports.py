"""What a stopped launch leaves behind is true: the report of a launch stopped at Gate A shows the
staging probe's samples, charts and the numbers that stopped it, Post-launch reads passed, the
state hook's entry reaches the report; and the orphaned runs of a dead launch are ended."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from prefect import flow, task
from prefect.client.orchestration import get_client
from prefect.states import Completed, Crashed, Paused, Running

from golive.local.sandbox_blocks import ensure_sandbox_blocks
from sandbox import manager
from tasks.child_runs import settle_orphans
from tasks.report_bundle import reports_dir
from tasks.timeline_store import launch_prefix
from tests.integration.helpers import aws
from tests.integration.launch_helpers import run_launch


def section(markdown: str, title: str) -> str:
    return markdown.split(f"## {title}", 1)[1].split("\n## ", 1)[0]


def test_a_launch_stopped_at_gate_a_reports_what_stopped_it(
    sandbox: manager.Sandbox,
    prefect_api,  # noqa: ANN001
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("GOLIVE_REPORTS_DIR", str(tmp_path))
    ensure_sandbox_blocks(sandbox.environment())
    sandbox.set_fault("staging", latency_ms=900, endpoint="board")
    result = run_launch("v1.2.5")
    assert result.state.is_failed() and "Gate A FAILED - " in result.message, result.message
    assert "board p95" in result.message
    launch = str(result.state.state_details.flow_run_id)
    directory = reports_dir(launch)

    report = (directory / "launch-report.md").read_text()
    assert report.startswith("# Incident report — StatusBoardV2 v1.2.5")
    assert "No samples recorded" not in report
    stopped = section(report, "What stopped the launch: Gate A")
    board = [line for line in stopped.splitlines() if line.startswith("| board p95 |")]
    assert len(board) == 1 and "| fail |" in board[0] and "< 800 ms" in board[0], stopped
    measured = float(board[0].split("|")[2].strip().split()[0])
    assert measured >= 800  # the probe's number, not only the one-line reason
    compliance = section(report, "SLO compliance per stage")
    assert any(
        line.startswith("| Gate A — staging probe | board p95 |") and "| fail |" in line
        for line in compliance.splitlines()
    ), compliance

    samples = pd.read_csv(directory / "samples.csv")
    staging = samples[samples["stage"] == "Gate A — staging probe"]
    assert len(staging) >= 250 and set(staging["version"]) >= {
        "staging"
    }  # both probes: first and confirmation
    html = (directory / "launch-report.html").read_text()
    assert 'data-series="staging"' in html and "no samples" not in html

    playbook = (directory / "playbook-summary.md").read_text()
    steps = {
        line.split(" | ")[0].strip("| "): line
        for line in playbook.splitlines()
        if line.startswith("| ")
    }
    assert "✅ passed" in steps["Post-launch"] and "❌ failed" in steps["Gate A"], playbook
    assert "not reached" in steps["Gate B"]
    # the on_failure hook wrote after Post-launch: its entry reached the report
    assert "| not_needed | launch hook on_failure |" in section(report, "Rollbacks")

    s3 = aws(sandbox, "s3")
    copy = (
        s3.get_object(
            Bucket=sandbox.environment()["S3_BUCKET"],
            Key=f"{launch_prefix(launch)}/report/launch-report.md",
        )["Body"]
        .read()
        .decode()
    )
    assert copy == report
    texts = [m["text"] for m in sandbox.messages()]
    assert any(t.startswith("Gate A FAILED - ") and "board p95" in t for t in texts), texts


@flow(name="orphan-test-launch")
def _launch() -> None: ...


@flow(name="orphan-test-step")
def _step() -> None: ...


@task(name="orphan-test-probe")
def _probe() -> None: ...


def test_a_dead_launchs_unfinished_runs_are_ended_with_a_reason(prefect_api) -> None:  # noqa: ANN001
    with get_client(sync_client=True) as client:
        launch = client.create_flow_run(_launch, state=Crashed(message="exit -9"))

        def subflow(state, key: str):  # noqa: ANN001, ANN202 - a subflow as the engine records one
            parent_task = client.create_task_run(
                _probe,
                launch.id,
                dynamic_key=key,
                state=Completed() if state.is_completed() else Running(),
            )
            return parent_task, client.create_flow_run(
                _step, parent_task_run_id=parent_task.id, state=state
            )

        running_task, running_step = subflow(Running(), "step-1")
        _, paused_step = subflow(Paused(), "step-2")
        done_task, done_step = subflow(Completed(), "step-0")
        probe = client.create_task_run(
            _probe, running_step.id, dynamic_key="probe-1", state=Running()
        )

        why = "the launch (StatusBoardV2 v7.0.0 by dana) ended Crashed while this step ran; its process is gone"
        marked = settle_orphans(launch.id, "Crashed", why)
        # the server ends a subflow's parent task run with it; the probe inside is ended by us
        assert sorted(marked) == sorted([running_step.name, paused_step.name, probe.name])

        def state(run_id, kind: str = "flow"):  # noqa: ANN001, ANN202
            return (
                client.read_flow_run(run_id) if kind == "flow" else client.read_task_run(run_id)
            ).state

        for run_id, kind in (
            (running_step.id, "flow"),
            (paused_step.id, "flow"),
            (running_task.id, "task"),
            (probe.id, "task"),
        ):
            ended = state(run_id, kind)
            assert ended.is_crashed() and ended.message == why, (kind, ended)
        assert state(done_step.id).is_completed() and state(done_task.id, "task").is_completed()
        assert state(launch.id).message == "exit -9"  # the launch's own state is its worker's word
        assert settle_orphans(launch.id, "Crashed", why) == []  # idempotent

        cancelled = client.create_flow_run(_launch, state=Crashed())
        step_task = client.create_task_run(_probe, cancelled.id, dynamic_key="s", state=Running())
        step = client.create_flow_run(_step, parent_task_run_id=step_task.id, state=Running())
        settle_orphans(cancelled.id, "Cancelled", "cancelled")
        assert state(step.id).is_cancelled() and state(step_task.id, "task").is_cancelled()
