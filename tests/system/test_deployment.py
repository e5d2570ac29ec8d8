"""`prefect deployment run golive/launch` through a real process worker, from a plan stored on
the server (`golive plan push`), as a team runs it."""

from __future__ import annotations

import re
import time
from uuid import UUID

import pytest
from prefect.client.orchestration import get_client
from typer.testing import CliRunner

from golive.cli import app
from golive.local import local_stack
from golive.local.approver_bot import ApproverBot, sandbox_policy

pytestmark = pytest.mark.system


def wait_final(run_id: UUID, timeout: float = 120):  # noqa: ANN201
    deadline = time.monotonic() + timeout
    with get_client(sync_client=True) as client:
        while time.monotonic() < deadline:
            run = client.read_flow_run(run_id)
            if run.state and run.state.is_final():
                return run
            time.sleep(0.5)
    raise AssertionError(f"flow run {run_id} not final after {timeout}s")


def push_sandbox_plan() -> str:
    pushed = CliRunner().invoke(app, ["plan", "push", "plans/sandbox.yaml"])
    assert pushed.exit_code == 0, pushed.output
    assert pushed.output.startswith("golive-plan/sandbox: ")
    return "golive-plan/sandbox"


def test_launch_deployment_runs_on_the_worker_and_rollback_full_undoes_it(
    stack: local_stack.Stack,
) -> None:
    stored = push_sandbox_plan()
    again = CliRunner().invoke(app, ["plan", "push", "plans/sandbox.yaml"])
    assert "unchanged" in again.output  # idempotent
    refused = local_stack.run_prefect(
        stack, "deployment", "run", "golive/launch", "-p", "release=v5.0.1", "-p", "driver=dana"
    )
    no_plan = wait_final(UUID(re.search(r"UUID: ([0-9a-f-]{36})", refused).group(1)))
    assert no_plan.state.is_failed() and "no plan given" in no_plan.state.message

    out = local_stack.run_prefect(
        stack,
        "deployment",
        "run",
        "golive/launch",
        "-p",
        "release=v5.0.0",
        "-p",
        "driver=dana",
        "-p",
        f"plan={stored}",
    )
    run_id = UUID(re.search(r"UUID: ([0-9a-f-]{36})", out).group(1))
    with ApproverBot(sandbox_policy) as bot:
        run = wait_final(run_id, timeout=240)
    assert run.state.is_completed(), run.state.message
    assert {p.pause_key for p, _, r in bot.answered if r.accepted} == {
        "preflight-green-light",
        "uat-signoff-1",
        "uat-signoff-2",
        "gate-a-approval",
        "gate-b-approval",
        "full-rollout-approval",
        "final-signoff",
    }
    routing = stack.sandbox.routing()
    assert routing["staging_origins"] == {"staging": "/staging/releases/v5.0.0"}
    assert routing["production_origins"]["stable"] == "/releases/v5.0.0"
    assert routing["weights"] == {"stable": 100, "canary": 0}

    # `prefect deployment run rollback/full -p reason=...`, as the runbook's ./rollback.sh full, no launch running
    # the stored plan locates production; the plan recorded with the latest backup judges it
    out = local_stack.run_prefect(
        stack,
        "deployment",
        "run",
        "rollback/full",
        "-p",
        "reason=Post-launch instability - drill",
        "-p",
        f"plan={stored}",
    )
    rolled = wait_final(UUID(re.search(r"UUID: ([0-9a-f-]{36})", out).group(1)))
    assert rolled.state.is_completed(), rolled.state.message
    routing = stack.sandbox.routing()
    assert routing["weights"] == {"stable": 100, "canary": 0}
    assert set(routing["production_origins"].values()) == {"/releases/v1.0.0"}


def test_health_check_deployment_runs_daily_and_judges_production(stack: local_stack.Stack) -> None:
    with get_client(sync_client=True) as client:
        deployment = client.read_deployment_by_name("health-check/health-check")
        [schedule] = deployment.schedules
        assert schedule.active and schedule.schedule.interval.total_seconds() == 24 * 3600

    push_sandbox_plan()  # given no plan, the scheduled check checks every stored plan

    def run_check() -> object:
        out = local_stack.run_prefect(stack, "deployment", "run", "health-check/health-check")
        return wait_final(UUID(re.search(r"UUID: ([0-9a-f-]{36})", out).group(1)))

    healthy = run_check()
    assert healthy.state.is_completed(), healthy.state.message
    stack.sandbox.set_fault("stable", endpoint="drawer", error_rate=0.5)
    broken = run_check()
    assert broken.state.is_failed() and "Health check FAILED" in broken.state.message
    assert any(
        m["text"].startswith("⚠️ StatusBoardV2 health check FAILED")
        for m in stack.sandbox.messages()
    )
