"""The whole runbook on a real Prefect API against the sandbox: pre-flight through
post-launch, the messages, the timeline, the reports; Gate G instability; a dead chat;
and a scan for secrets in everything the launch left behind."""

from __future__ import annotations

import json
import os
import re
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import (
    FlowRunFilter,
    FlowRunFilterParentFlowRunId,
    LogFilter,
    LogFilterFlowRunId,
)

from flows.rollback_deployments import rollback
from golive.core.timeline import TimelineEntry
from golive.local.sandbox_blocks import ensure_sandbox_blocks
from sandbox import manager
from sandbox.aws import DUMMY_SECRET
from tasks.report_bundle import reports_dir
from tasks.timeline_store import read_timeline
from tests.integration.helpers import aws, users_see
from tests.integration.launch_helpers import (
    SANDBOX_PLAN,
    LaunchResult,
    WhenRouting,
    artifacts_of,
    run_launch,
)

GATES = [
    "Pre-flight",
    "Gate A",
    "Gate B",
    "Production deploy",
    "Gate C",
    "Gate D",
    "Gate E",
    "Gate F",
    "Promote",
    "Gate G",
    "Post-launch",
]


def launch_id_of(result: LaunchResult) -> str:
    return str(result.state.state_details.flow_run_id)


def timeline(sandbox: manager.Sandbox, launch: str) -> list[TimelineEntry]:
    return read_timeline(aws(sandbox, "s3"), sandbox.environment()["S3_BUCKET"], launch)


@pytest.fixture(scope="module")
def reports_root(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    root = tmp_path_factory.mktemp("reports")
    os.environ["GOLIVE_REPORTS_DIR"] = str(root)
    yield root
    os.environ.pop("GOLIVE_REPORTS_DIR", None)


@pytest.fixture(scope="module")
def healthy(
    sandbox_session: manager.Sandbox, prefect_api, reports_root: Path
) -> tuple[LaunchResult, list]:  # noqa: ANN001
    sandbox_session.reset()
    ensure_sandbox_blocks(sandbox_session.environment())
    result = run_launch("v8.0.0", plan=SANDBOX_PLAN, timeout=300)
    return result, sandbox_session.messages()


def test_a_healthy_launch_runs_the_whole_runbook(
    healthy: tuple[LaunchResult, list], sandbox_session: manager.Sandbox
) -> None:
    result, _ = healthy
    assert result.state.is_completed(), result.message
    artifacts = artifacts_of(result.state.state_details.flow_run_id)
    for key in (
        "preflight",
        "gate-a",
        "gate-b",
        "production-deploy",
        "gate-c",
        "gate-d",
        "gate-e",
        "gate-f",
        "promote",
        "gate-g",
        "launch-report",
        "uat-summary",
        "playbook-summary",
        "timeline",
    ):
        assert f"{key}-v8-0-0" in artifacts, key
    assert "Checkpoint 3 of 3" in artifacts["gate-g-v8-0-0"].data
    assert "backup-manifest-v8-0-0" in artifacts
    stage = artifacts["gate-d-v8-0-0"].data
    assert "Decision: advance" in stage and "board p95" in stage and "Worst case" in stage
    manifest = (
        aws(sandbox_session, "s3")
        .get_object(Bucket="statusboard-sandbox", Key="golive/backups/v8.0.0/manifest.json")["Body"]
        .read()
    )
    assert b'"live_release": "v1.0.0"' in manifest
    assert users_see(sandbox_session) == {"v8.0.0"}
    assert "scenario: stale-move-conflicts" in artifacts["gate-g-v8-0-0"].data
    keys = {p.pause_key for p, _, r in result.answered if r.accepted}
    assert {"gate-a-approval", "gate-b-approval", "full-rollout-approval", "final-signoff"} <= keys


def test_the_messages_arrive_in_order_with_real_numbers(healthy: tuple[LaunchResult, list]) -> None:
    _, messages = healthy
    # each sign-off asked the chat first (tests/integration/test_sign_offs.py); the runbook's own
    # messages come in the runbook's order between them
    asks = [m["text"] for m in messages if m["text"].startswith("⏸ ")]
    assert [re.match(r"⏸ ([^:]+): '([^']+)'", text).groups() for text in asks] == [
        ("Pre-flight waits for a sign-off", "Green light to proceed to Gate A"),
        ("Gate A waits for a sign-off", "UAT sign-off (qa-lead, product-owner)"),
        ("Gate A waits for a sign-off", "UAT sign-off (product-owner)"),
        ("Gate A waits for a sign-off", "Gate A passed"),
        ("Gate B waits for a sign-off", "Production ready"),
        ("Gate F waits for a sign-off", "Authorize full rollout (100 %)"),
        ("Gate G waits for a sign-off", "Final launch sign-off"),
    ], asks
    assert all("/runs/flow-run/" in text and " UTC." in text for text in asks)
    texts = [m["text"] for m in messages if not m["text"].startswith("⏸ ")]
    expected = [
        r"🚀 StatusBoardV2 GO-LIVE initiated\. Target SLOs: Board p95 <800 ?ms",
        r"Gate A PASSED - Staging validation complete\. Board: \d+ ?ms, Drawer: \d+ ?ms, All tests green\. "
        r"Proceeding to Gate B\.",
        r"Gate B PASSED - Production environment ready\. All systems green\. Proceeding to deployment\.",
        r"Canary 10% PASSED - Error: \d+\.\d+ ?%, Board: \d+ ?ms, Drawer: \d+ ?ms\. Advancing to 30%\.",
        r"Canary 30% PASSED .* Advancing to 50%\.",
        r"Canary 50% PASSED .* Advancing to 100%\.",
        r"Canary 100% PASSED .* Advancing to Gate G\.",
        r"Gate G PASSED - \d+s stability confirmed\. All SLOs green\. StatusBoardV2 launch SUCCESSFUL!",
        r"🎉 StatusBoardV2 launch COMPLETE! 100% rollout stable for \d+s\.",
    ]
    assert len(texts) == len(expected), texts
    for text, pattern in zip(texts, expected, strict=True):
        assert re.match(pattern, text), (pattern, text)


def test_the_timeline_records_every_gate_approval_and_message(
    healthy: tuple[LaunchResult, list], sandbox_session: manager.Sandbox
) -> None:
    result, messages = healthy
    entries = timeline(sandbox_session, launch_id_of(result))
    assert [e.event for e in entries if e.kind == "launch"] == [
        "started",
        "holds_production",
        "completed",
    ]
    for gate in GATES:
        events = [e.event for e in entries if e.kind == "gate" and e.gate == gate]
        assert events == ["started", "passed"], (gate, events)
    approvals = {e.data["key"]: e.actor for e in entries if e.kind == "approval"}
    assert approvals["final-signoff"] == "bob" and approvals["uat-signoff-1"] == "qa-lead"
    verdicts = [e for e in entries if e.kind == "verdict"]
    assert any(e.gate == "Gate G" for e in verdicts) and all(e.data.get("checks") for e in verdicts)
    sent = [e for e in entries if e.kind == "message"]
    assert [e.summary for e in sent] == [m["text"] for m in messages]
    assert all(e.event == "sent" for e in sent)


def test_the_report_files_are_written(
    healthy: tuple[LaunchResult, list], reports_root: Path
) -> None:
    result, _ = healthy
    directory = reports_dir(launch_id_of(result))
    html = (directory / "launch-report.html").read_text()
    assert (
        "<svg" in html
        and "Launch report" in html
        and "Incident" not in html.split("<body", 1)[1][:2000]
    )
    rows = (directory / "samples.csv").read_text().splitlines()
    assert rows[0].startswith("ts,") and len(rows) > 1000
    assert "Gate G" in (directory / "playbook-summary.md").read_text()
    assert "qa-lead" in (directory / "uat-summary.md").read_text()


def test_no_secret_appears_in_logs_artifacts_reports_messages_or_timeline(
    healthy: tuple[LaunchResult, list], sandbox_session: manager.Sandbox, reports_root: Path
) -> None:
    result, messages = healthy
    webhook = sandbox_session.environment()["GOLIVE_CHAT_WEBHOOK_URL"]
    secrets = [webhook.rsplit("/", 1)[-1], webhook, DUMMY_SECRET]
    run_id = result.state.state_details.flow_run_id
    with get_client(sync_client=True) as client:
        runs = [
            run_id,
            *[
                r.id
                for r in client.read_flow_runs(
                    flow_run_filter=FlowRunFilter(
                        parent_flow_run_id=FlowRunFilterParentFlowRunId(any_=[run_id])
                    )
                )
            ],
        ]
        logs = [
            log.message
            for log in client.read_logs(
                log_filter=LogFilter(flow_run_id=LogFilterFlowRunId(any_=runs)), limit=200
            )
        ]
    corpus = {
        "logs": "\n".join(logs),
        "artifacts": "\n".join(str(a.data) for a in artifacts_of(run_id).values()),
        "reports": "\n".join(p.read_text() for p in reports_dir(str(run_id)).iterdir()),
        "messages": json.dumps(messages),
        "timeline": "\n".join(e.model_dump_json() for e in timeline(sandbox_session, str(run_id))),
    }
    assert len(logs) > 50 and all(corpus.values())
    for where, text in corpus.items():
        for secret in secrets:
            assert secret not in text, f"a secret is in the {where}"


def test_golive_report_regenerates_the_documents_from_s3(
    healthy: tuple[LaunchResult, list], tmp_path: Path
) -> None:
    from typer.testing import CliRunner

    from golive.cli import app

    result, _ = healthy
    out = tmp_path / "again"
    ran = CliRunner().invoke(
        app, ["report", "v8.0.0", "--plan", SANDBOX_PLAN, "--out", str(out)]
    )  # by release: its latest launch
    assert ran.exit_code == 0, ran.output
    assert "Launch report" in ran.output
    original = reports_dir(launch_id_of(result))
    assert sorted(p.name for p in out.iterdir()) == sorted(p.name for p in original.iterdir())
    assert (out / "samples.csv").read_text() == (original / "samples.csv").read_text()
    assert "Post-launch" in (out / "playbook-summary.md").read_text()
    missing = CliRunner().invoke(app, ["report", "v0.0.0-never", "--plan", SANDBOX_PLAN])
    assert (
        missing.exit_code == 1 and "no launch with id or release 'v0.0.0-never'" in missing.output
    )


def test_golive_status_shows_the_latest_launch(healthy: tuple[LaunchResult, list]) -> None:
    from typer.testing import CliRunner

    from golive.cli import app

    ran = CliRunner().invoke(app, ["status", "--once"], env={"COLUMNS": "200"})
    assert ran.exit_code == 0, ran.output
    assert "launch v8.0.0 by dana" in ran.output and "Completed" in ran.output
    assert "Post-launch (passed)" in ran.output and "0 % canary" in ran.output
    assert "Timeline (latest)" in ran.output


def test_validate_fails_closed_while_production_serves_the_launch(
    healthy: tuple[LaunchResult, list],
) -> None:
    state = rollback(reason="check", mode="validate", plan=SANDBOX_PLAN, return_state=True)
    assert state.is_failed() and "the site serves v1.0.0: v8.0.0" in state.message
    assert "every API response from v1.0.0: v8.0.0" in state.message


def served(sandbox: manager.Sandbox) -> set[str]:
    return users_see(sandbox, 20)


def rollbacks(entries: list[TimelineEntry], event: str) -> list[TimelineEntry]:
    return [e for e in entries if e.kind == "rollback" and e.event == event]


def test_two_full_rollbacks_at_once_give_one_effective_and_one_noop(
    healthy: tuple[LaunchResult, list], sandbox_session: manager.Sandbox
) -> None:
    sandbox = sandbox_session
    launch_id = launch_id_of(healthy[0])
    said_before = len(sandbox.messages())

    outcomes: dict[str, str] = {}
    racers = [
        threading.Thread(
            target=lambda who=who: outcomes.setdefault(
                who,
                rollback(
                    reason="Post-launch instability - board errors",
                    mode="full",
                    launch=launch_id,
                    triggered_by=who,
                ),
            ),
            daemon=True,
        )
        for who in ("launch hook on_failure", "server automation")
    ]
    for racer in racers:
        racer.start()
    for racer in racers:
        racer.join(120)
    assert sorted(o.split(":")[0] for o in outcomes.values()) == [
        "full rollback of v8.0.0 complete",
        "no-op",
    ], outcomes
    assert served(sandbox) == {"v1.0.0"}
    assert sandbox.routing()["weights"] == {"stable": 100, "canary": 0}

    entries = timeline(sandbox, launch_id)
    assert {e.actor for e in rollbacks(entries, "requested")} == set(outcomes)
    effective, noop = rollbacks(entries, "effective"), rollbacks(entries, "noop")
    assert len(effective) == 1 and len(noop) == 1
    assert outcomes[effective[0].actor].startswith("full rollback") and outcomes[
        noop[0].actor
    ].startswith("no-op")
    assert (
        effective[0].at < noop[0].at
    )  # serialized by the lock: the loser looked after the winner acted

    # the rollback that acted said so (after a crash nothing else would); the no-op said nothing
    said = [m["text"] for m in sandbox.messages()[said_before:]]
    assert len(said) == 2, said
    assert said[0].startswith(
        f"🚨 Full rollback of StatusBoardV2 v8.0.0 started ({effective[0].actor}): "
        "Post-launch instability - board errors. Restoring v1.0.0."
    )
    assert said[1].startswith("Full rollback COMPLETE.")
    # and both reached the launch's report, rewritten when they ended: now an incident report
    report = (
        aws(sandbox, "s3")
        .get_object(
            Bucket="statusboard-sandbox", Key=f"golive/launches/{launch_id}/report/launch-report.md"
        )["Body"]
        .read()
        .decode()
    )
    assert report.startswith("# Incident report — StatusBoardV2 v8.0.0")
    listed = report.split("## Rollbacks", 1)[1].split("\n## ", 1)[0]
    assert "| effective |" in listed and "| noop |" in listed
    assert {"launch hook on_failure", "server automation"} <= {
        row.split(" | ")[2] for row in listed.splitlines() if row.startswith("| 20")
    }

    again = rollback(reason="double click", mode="full", plan=SANDBOX_PLAN)
    assert again.startswith("no-op: production is already rolled back to v1.0.0")
    assert rollback(reason="after the incident", mode="validate", plan=SANDBOX_PLAN).startswith(
        "validated: production serves v1.0.0"
    )


def test_instability_in_gate_g_rolls_back_in_full_with_a_dead_chat(
    sandbox: manager.Sandbox,
    prefect_api,  # noqa: ANN001
    reports_root: Path,
) -> None:
    # The chat is unreachable for this launch: messages fail, the launch does not care.
    ensure_sandbox_blocks(
        {**sandbox.environment(), "GOLIVE_CHAT_WEBHOOK_URL": "http://127.0.0.1:9/hooks/dead/x"}
    )
    try:
        # Slow the board once the stable origin serves the release: Gate G is running.
        with WhenRouting(
            sandbox,
            lambda routing: routing["production_origins"]["stable"].endswith("v8.1.0"),
            lambda world: world.set_fault("stable", endpoint="board", latency_ms=1500),
        ):
            result = run_launch("v8.1.0", plan=SANDBOX_PLAN, timeout=300)
    finally:
        ensure_sandbox_blocks(sandbox.environment())
    assert result.state.is_failed()
    assert "Gate G FAILED - Post-launch instability detected - checkpoint 1" in result.message
    assert "Full rollback COMPLETE: production serves v1.0.0" in result.message
    sandbox.clear_faults()
    assert users_see(sandbox) == {"v1.0.0"}
    assert set(sandbox.routing()["production_origins"].values()) == {"/releases/v1.0.0"}

    entries = timeline(sandbox, launch_id_of(result))
    effective = [e for e in entries if e.kind == "rollback" and e.event == "effective"]
    assert [e.actor for e in effective] == ["golive (Gate G)"] and effective[0].data[
        "mode"
    ] == "full"
    not_sent = [e for e in entries if e.kind == "message"]
    assert not_sent and all(e.event == "not_sent" for e in not_sent)
    assert {e.data["template"] for e in not_sent} >= {
        "kickoff",
        "stabilization_failed",
        "rollback_complete",
        "launch_failed",
    }
    assert sandbox.messages() == []

    artifacts = artifacts_of(result.state.state_details.flow_run_id)
    assert "incident-report-v8-1-0" in artifacts
    html = (reports_dir(launch_id_of(result)) / "launch-report.html").read_text()
    assert "Incident report" in html and "board" in html
