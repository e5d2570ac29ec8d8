"""The operator's commands against real Prefect API servers: `golive setup` on a fresh one (twice,
and after drift), `golive doctor` with and without workers, and the release engineer's verbs on
the deployed stack: launch --watch, status, history, rollback, launch then abort."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from prefect.client.orchestration import get_client
from prefect.settings import PREFECT_API_URL, temporary_settings
from typer.testing import CliRunner, Result

from golive.cli import app
from golive.local import local_stack, prefect_server
from golive.local.approver_bot import ApproverBot, sandbox_policy
from golive.operator.doctor import prefect_findings
from golive.operator.setup import setup
from tests.integration.launch_helpers import plan_variant
from tests.system.conftest import HEARTBEAT_WITHIN_S

pytestmark = pytest.mark.system
runner = CliRunner()


def golive(*args: str) -> Result:
    result = runner.invoke(app, list(args))
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result


def launch_id(output: str) -> str:
    return re.search(r"\): ([0-9a-f-]{36})", output).group(1)


@pytest.fixture
def fresh_api(tmp_path: Path) -> Iterator[prefect_server.PrefectServer]:
    """A second Prefect server, nothing on it, which this process talks to for the test."""
    server = prefect_server.start(tmp_path / "fresh", port=prefect_server.free_port(), ui=False)
    try:
        with temporary_settings(updates={PREFECT_API_URL: server.api_url}):
            yield server
    finally:
        prefect_server.stop(server)


def test_setup_creates_then_finds_everything_and_doctor_says_what_a_launch_lacks(
    fresh_api: prefect_server.PrefectServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = golive("doctor")
    assert before.exit_code == 1
    assert "✗ work pool golive-pool: missing" in before.output
    assert "✗ deployment launch (flows/launch.py:golive): not deployed" in before.output

    first = golive("setup")
    assert first.exit_code == 0, first.output
    for line in (
        "+ block type golive-environment: created",
        "+ work pool golive-pool: created",
        "+ work pool golive-rollback-pool: created",
        "+ deployment launch: created",
        "+ deployment full: created",
        "+ automation golive-launch-rollback: created",
        "+ automation golive-launch-heartbeat: created",
    ):
        assert line in first.output, first.output
    again = golive("setup")
    assert again.exit_code == 0 and ": 0 created, 0 updated, " in again.output, again.output
    assert "+ " not in again.output and "~ " not in again.output

    # drift: the heartbeat automation disabled by hand is reported, and set back by setup
    with get_client(sync_client=True) as client:
        [heartbeat] = client.read_automations_by_name("golive-launch-heartbeat")
        client.pause_automation(heartbeat.id)
    drifted = golive("doctor", "--output", "json")
    findings = {f["check"]: f for f in json.loads(drifted.stdout)["findings"]}
    assert drifted.exit_code == 1
    assert findings["automation golive-launch-heartbeat"]["detail"] == "disabled"
    assert findings["work pool golive-pool"]["ok"]
    assert not findings["worker on golive-pool"]["ok"]  # nobody started one on this server
    assert "prefect worker start --pool golive-pool" in findings["worker on golive-pool"]["fix"]
    assert "~ automation golive-launch-heartbeat: updated" in golive("setup").output
    assert ": 0 created, 0 updated, " in golive("setup").output

    # deployed from another checkout (the pull step's directory): redeployed, and said why
    monkeypatch.setenv("GOLIVE_REPO_DIR", "/srv/golive")
    moved = golive("setup")
    assert "~ deployment launch: updated (pull_steps)" in moved.output, moved.output
    assert ": 0 created, 0 updated, " in golive("setup").output


def test_doctor_on_the_deployed_stack_sees_its_workers_and_checks_the_plan(
    stack: local_stack.Stack,
) -> None:
    # the local stack was set up by the same code: nothing to create (with the stack's short
    # heartbeat window: `golive setup` itself would set the file's 90 s back)
    steps = setup(heartbeat_within_s=HEARTBEAT_WITHIN_S)
    assert {s.action for s in steps} == {"found"}, [s.line() for s in steps]

    deadline = time.monotonic() + 60  # the workers register a few seconds after they start
    while "✗ worker on" in (
        out := (checked := golive("doctor", "--plan", "plans/sandbox.yaml")).output
    ):
        assert time.monotonic() < deadline, out
        time.sleep(2)
    assert re.search(r"✓ worker on golive-pool: 1 live: golive-test-golive-pool", out), out
    assert "✓ worker on golive-rollback-pool: 1 live" in out
    assert "✓ automation golive-launch-heartbeat: enabled" in out
    assert "✓ plan plans/sandbox.yaml: StatusBoardV2: loads and validates" in out
    assert "✓ plan blocks: every block the plan names exists" in out
    assert "✓ production: AWS credentials: arn:aws:sts::123456789012" in out
    assert "✓ production: shift traffic (route53)" in out
    blocked = [line for line in out.splitlines() if line.startswith("✗")]
    assert checked.exit_code == (1 if blocked else 0), out

    # the same workers seen two minutes on, their heartbeats not renewed (a worker that died: the
    # server goes on saying ONLINE until it notices)
    later = {f.check: f for f in prefect_findings(now=datetime.now(UTC) + timedelta(minutes=2))}
    assert not later["worker on golive-pool"].ok
    assert later["worker on golive-pool"].detail == "1 known, none ONLINE with a recent heartbeat"


def test_launch_watch_then_status_history_and_rollbacks(stack: local_stack.Stack) -> None:
    plan = "plans/rehearsal.yaml"
    with ApproverBot(sandbox_policy):
        watched = golive("launch", "v8.0.0", "--driver", "dana", "--plan", plan, "--watch")
    assert watched.exit_code == 0, watched.output
    assert "Gate A" in watched.output and "Launch Completed" in watched.output
    assert "rollout: canary 10 %" in watched.output  # the router read as the canary moves
    run_id = launch_id(watched.output)

    status = golive("status", "v8.0.0", "--output", "json")
    assert status.exit_code == 0, status.output
    view = json.loads(status.stdout)
    assert (view["launch"], view["release"], view["state"]) == (run_id, "v8.0.0", "Completed")
    assert view["plan"] == plan and view["timeline"]
    assert golive("status", run_id, "--once").exit_code == 0

    rows = json.loads(golive("history", "--output", "json").stdout)
    mine = next(r for r in rows if r["id"] == run_id)
    assert (mine["release"], mine["driver"], mine["state"]) == ("v8.0.0", "dana", "Completed")
    assert mine["duration_s"] > 0 and mine["stopped_at"] is None
    assert "v8.0.0" in golive("history").output

    rolled = golive("rollback", "full", "--reason", "drill", "--plan", plan, "--launch", "v8.0.0")
    assert rolled.exit_code == 0, rolled.output
    assert "rollback/full: Completed" in rolled.output and "users on stable" in rolled.output
    validated = golive("rollback", "validate", "--reason", "after the drill", "--plan", plan)
    assert validated.exit_code == 0, validated.output
    assert golive("status", "no-such-release", "--once").exit_code == 2


def test_launch_then_abort_rolls_back_and_says_users_are_on_stable(
    stack: local_stack.Stack, tmp_path: Path
) -> None:
    plan = str(plan_variant(tmp_path, canary__bake="60s", canary__evaluation_interval="2s"))
    with ApproverBot(sandbox_policy):
        started = golive("launch", "v8.1.0", "--driver", "dana", "--plan", plan)
        assert started.exit_code == 3, started.output  # created: in progress
        run_id = launch_id(started.output)
        deadline = time.monotonic() + 150
        while stack.sandbox.routing()["weights"]["canary"] != 10:
            assert time.monotonic() < deadline, "the canary never reached 10 %"
            time.sleep(0.5)
        second = golive("launch", "v8.2.0", "--driver", "dana", "--plan", plan)
        assert second.exit_code == 3 and "v8.1.0" in second.output and "--queue" in second.output
        running = golive("status", "--output", "json")
        assert running.exit_code in (3, 4) and json.loads(running.stdout)["launch"] == run_id
        assert json.loads(running.stdout)["rollout_percent"] == 10

    aborted = golive("abort", "v8.1.0", "--reason", "drill: stop the launch")
    assert aborted.exit_code == 0, aborted.output
    assert "launch v8.1.0: Cancelled" in aborted.output
    assert "rollback/full: Completed" in aborted.output and "users on stable" in aborted.output
    assert stack.sandbox.routing()["weights"] == {"stable": 100, "canary": 0}

    assert golive("status", run_id, "--once").exit_code == 5  # cancelled
    rows = json.loads(golive("history", "--output", "json").stdout)
    mine = next(r for r in rows if r["id"] == run_id)
    assert mine["state"] == "Cancelled" and mine["stopped_at"].startswith("Gate C")
    again = golive("abort", run_id)
    assert again.exit_code == 2 and "already ended Cancelled" in again.output


def test_a_launch_waiting_at_pre_flight_is_code_4_and_its_abort_needs_no_rollback(
    stack: local_stack.Stack,
) -> None:
    started = golive("launch", "v8.3.0", "--driver", "dana", "--plan", "plans/rehearsal.yaml")
    run_id = launch_id(started.output)
    deadline = time.monotonic() + 120
    while (waiting := golive("status", run_id, "--output", "json")).exit_code != 4:
        assert time.monotonic() < deadline, waiting.output
        time.sleep(1)
    assert (
        json.loads(waiting.stdout)["pending_approvals"][0]["pause_key"] == "preflight-green-light"
    )
    listed = json.loads(golive("approvals", "--output", "json").stdout)
    assert [p["pause_key"] for p in listed] == ["preflight-green-light"] and listed[0]["ready"]

    aborted = golive("abort")  # the launch in progress
    assert aborted.exit_code == 0, aborted.output
    assert "no rollback: no rollback dispatched: the launch stopped at Pre-flight" in aborted.output
    assert "users on stable" in aborted.output
