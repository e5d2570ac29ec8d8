"""The operator commands' pure side: exit codes, doctor findings, setup lines, history rows, the
status picture as JSON; and the usage errors the CLI gives before it talks to any API."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from typer.testing import CliRunner

from golive.cli import app
from golive.core.operator_view import (
    Finding,
    LaunchRow,
    SetupStep,
    blocking,
    findings_json,
    format_duration,
    sandbox_plan_default,
    setup_summary,
    stopped_at,
    worker_is_live,
)
from golive.core.outcomes import EXIT_CODES_HELP, Exit, exit_for_launch, exit_for_state
from golive.core.status_view import Snapshot, snapshot_json
from golive.core.timeline import TimelineEntry

NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("state_type", "code"),
    [
        ("COMPLETED", Exit.OK),
        ("FAILED", Exit.FAILED),
        ("CRASHED", Exit.FAILED),
        ("CANCELLED", Exit.CANCELLED),
        ("RUNNING", Exit.IN_PROGRESS),
        ("SCHEDULED", Exit.IN_PROGRESS),
        ("PAUSED", Exit.WAITING),
        ("", Exit.FAILED),  # no state: nothing to be proud of
    ],
)
def test_every_state_type_has_one_exit_code(state_type: str, code: Exit) -> None:
    assert exit_for_state(state_type) is code


def test_a_running_launch_waiting_for_a_sign_off_is_waiting_and_the_codes_are_documented() -> None:
    assert exit_for_launch("RUNNING", waiting_for_sign_off=True) is Exit.WAITING
    assert exit_for_launch("COMPLETED", waiting_for_sign_off=True) is Exit.OK
    assert exit_for_launch("RUNNING") is Exit.IN_PROGRESS
    for code in Exit:
        assert f"{int(code)} " in EXIT_CODES_HELP
    assert Exit.USAGE == 2  # click's own code for a usage error: one meaning for 2


def test_a_worker_is_live_only_online_with_a_recent_heartbeat() -> None:
    assert worker_is_live("ONLINE", NOW - timedelta(seconds=20), 30, NOW)
    assert not worker_is_live("ONLINE", NOW - timedelta(seconds=91), 30, NOW)
    assert not worker_is_live("OFFLINE", NOW, 30, NOW)
    assert not worker_is_live("ONLINE", None, 30, NOW)
    assert worker_is_live("ONLINE", NOW - timedelta(seconds=80), None, NOW)  # 30 s by default


def test_only_a_sandbox_plan_default_is_flagged() -> None:
    assert sandbox_plan_default({"plan": "plans/sandbox.yaml"}) == "plans/sandbox.yaml"
    assert sandbox_plan_default({"plan": "/repo/plans/rehearsal.yaml"})
    assert sandbox_plan_default({"plan": "golive-plan/statusboard"}) is None
    assert sandbox_plan_default({}) is None


def test_findings_print_mark_detail_and_fix_and_advice_blocks_nothing() -> None:
    findings = [
        Finding("Prefect API", True, "answers"),
        Finding("worker on golive-pool", False, "none", "prefect worker start --pool golive-pool"),
        Finding("launch heartbeats", True, "set the frequency", advice=True),
    ]
    assert findings[0].line() == "✓ Prefect API: answers"
    assert findings[1].line() == (
        "✗ worker on golive-pool: none\n    → prefect worker start --pool golive-pool"
    )
    assert findings[2].line().startswith("ℹ launch heartbeats")
    assert blocking(findings) == [findings[1]]
    as_json = json.loads(json.dumps(findings_json(findings)))
    assert as_json["ready"] is False and [f["mark"] for f in as_json["findings"]] == ["✓", "✗", "ℹ"]


def test_setup_says_what_it_created_updated_and_found() -> None:
    steps = [
        SetupStep("work pool", "golive-pool", "created", "type process"),
        SetupStep("deployment", "launch", "found"),
        SetupStep("automation", "golive-launch-heartbeat", "updated"),
    ]
    assert steps[0].line() == "+ work pool golive-pool: created (type process)"
    assert steps[1].line() == "= deployment launch: found"
    assert setup_summary(steps) == "1 created, 1 updated, 1 found"


def test_where_a_launch_stopped_is_its_last_gate_started() -> None:
    gates = [
        ("Pre-flight · v1", "Completed", NOW),
        ("Gate A — staging validation · v1", "Failed", NOW + timedelta(minutes=3)),
        ("never started · v1", "Pending", None),
    ]
    assert stopped_at("FAILED", gates) == "Gate A — staging validation (Failed)"
    assert stopped_at("COMPLETED", gates) == ""
    assert stopped_at("CRASHED", []) == "before the first gate"
    assert stopped_at("RUNNING", []) == ""


def test_a_history_row_as_json_and_its_duration() -> None:
    launch = LaunchRow(
        "id-1",
        "v1",
        "dana",
        "Completed",
        "COMPLETED",
        NOW,
        NOW + timedelta(minutes=12, seconds=5),
        "",
        "plans/sandbox.yaml",
    )
    assert launch.as_json()["duration_s"] == 725.0 and launch.as_json()["stopped_at"] is None
    assert format_duration(launch.duration) == "12m05s"
    assert format_duration(timedelta(hours=2, minutes=3)) == "2h03m"
    assert format_duration(None) == "-"


def test_the_status_picture_as_json() -> None:
    entries = [
        TimelineEntry(
            launch="id-1", release="v1", kind="gate", event="started", gate="Gate A", summary="s"
        ),
        TimelineEntry(
            launch="id-1",
            release="v1",
            kind="verdict",
            event="pass",
            gate="Gate A",
            summary="ok",
            data={"checks": [{"name": "error rate", "value": 0.1}]},
        ),
    ]
    view = Snapshot(
        "tremendous-kakapo",
        "Running",
        entries,
        {"stable": 90, "canary": 10},
        run_id="id-1",
        state_type="RUNNING",
    )
    data = json.loads(json.dumps(snapshot_json(view)))
    assert data["release"] == "v1" and data["gate"] == "Gate A" and data["rollout_percent"] == 10
    assert data["latest_verdict"]["checks"][0]["name"] == "error rate"
    assert [e["kind"] for e in data["timeline"]] == ["gate", "verdict"]


def test_commands_that_act_need_a_plan_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GOLIVE_PLAN", raising=False)
    runner = CliRunner()
    launched = runner.invoke(app, ["launch", "v1.4.0", "--driver", "dana"])
    assert (
        launched.exit_code == 2 and "--plan" in launched.output and "GOLIVE_PLAN" in launched.output
    )
    rolled = runner.invoke(app, ["rollback", "full", "--reason", "drill"])
    assert rolled.exit_code == 2 and "--plan" in rolled.output
    wrong = runner.invoke(app, ["rollback", "sideways", "--reason", "x", "--plan", "p.yaml"])
    assert wrong.exit_code == 2 and "emergency, full, validate" in wrong.output
    assert "Exit codes: 0 completed" in runner.invoke(app, ["--help"]).output
