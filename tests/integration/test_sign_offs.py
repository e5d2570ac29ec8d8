"""Sign-offs on a real Prefect API against the sandbox: a gate that waits tells the chat (with the
paused run's link) and reminds it before the timeout; a refused answer (the driver, a wrong or a
replayed one-time code) is recorded and the gate keeps waiting for someone who counts.

Each test runs `request_approval` in a flow of its own with a Scribe, so the timeline it writes
is the test's to read; the scripted approver answers through the API as a person would."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import pyotp
import pytest
from prefect import flow
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import LogFilter, LogFilterFlowRunId
from prefect.context import FlowRunContext
from prefect.exceptions import ObjectNotFound

from blocks.plan import LaunchPlan, load_plan
from flows.approvals import request_approval
from flows.errors import GateFailed
from flows.scribe import Scribe, scribing
from golive.local.approvals_client import PendingApproval
from golive.local.approver_bot import Answer
from golive.local.sandbox_blocks import ensure_sandbox_blocks
from sandbox import manager
from tests.integration.helpers import aws
from tests.integration.launch_helpers import approve_all, plan_variant, run_gate, scripted

SHOWN = (
    "# Gate A for StatusBoardV2 v9.0.0\n\nStaging serves v9.0.0.\n\n"
    "| | check | value | threshold | samples | detail |\n|---|---|---|---|---|---|\n"
    "| ✅ pass | error rate | 0.10 % | < 0.5 % | 300 |  |\n"
)


@pytest.fixture
def world(sandbox: manager.Sandbox, prefect_api) -> manager.Sandbox:  # noqa: ANN001
    ensure_sandbox_blocks(sandbox.environment())
    return sandbox


def variant(sandbox: manager.Sandbox, tmp_path: Path, **approvals: Any) -> LaunchPlan:
    settings = {"timeout": "60s", "poll_interval": "0.2s", **approvals}
    return load_plan(plan_variant(tmp_path, approvals=settings), env=sandbox.environment())


@flow(name="sign-offs")
def sign_offs(plan: LaunchPlan, driver: str, keys: list[str], launch: str = "") -> dict[str, Any]:
    """Ask for each key's sign-off in turn, on a timeline of this run's own (or `launch`'s)."""
    run_id = str(FlowRunContext.get().flow_run.id)
    scribe = Scribe.for_plan(plan, launch or run_id, "v9.0.0")
    decided: list[str] = []
    failed = ""
    with scribing(scribe):
        try:
            for key in keys:
                decided.append(
                    request_approval("Gate A", key, "Gate A passed", SHOWN, plan, driver).approver
                )
        except GateFailed as error:
            failed = str(error)
    return {
        "run_id": run_id,
        "decided": decided,
        "failed": failed,
        "entries": [e.model_dump(mode="json") for e in scribe.entries],
    }


def approvals_in(outcome: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(event, actor, pause key) of each approval entry, in order."""
    return [
        (e["event"], e["actor"], e["data"].get("pause", e["data"].get("key")))
        for e in outcome["entries"]
        if e["kind"] == "approval"
    ]


def test_a_refused_self_approval_keeps_the_gate_waiting_for_a_real_approver(
    world: manager.Sandbox, tmp_path: Path
) -> None:
    plan = variant(world, tmp_path)
    result = run_gate(
        sign_offs,
        plan,
        "alice",
        ["gate-a-approval"],
        policy=scripted({"gate-a-approval": ("alice", "approve", "my own launch")}),
    )
    outcome = result.state.result()
    assert outcome["decided"] == ["bob"] and not outcome["failed"]
    assert approvals_in(outcome) == [
        ("asked", "golive", "gate-a-approval"),
        ("refused", "alice", "gate-a-approval"),
        ("approved", "bob", "gate-a-approval-2"),
    ]
    refused = next(e for e in outcome["entries"] if e["event"] == "refused")
    assert "alice is the driver of this launch and cannot approve it" in refused["summary"]
    # the chat was asked, with the numbers, who may decide, the deadline and the paused run's link
    [asked] = [m["text"] for m in world.messages() if "waits for a sign-off" in m["text"]]
    assert f"/runs/flow-run/{outcome['run_id']}" in asked and "error rate 0.10 %" in asked
    assert "Who may decide: bob, sandbox-approver (" in asked and " UTC" in asked  # not alice
    assert not [e for e in outcome["entries"] if e["event"] == "reminded"]  # decided in time


def test_the_reminder_goes_out_before_the_timeout_only_while_undecided(
    world: manager.Sandbox, tmp_path: Path
) -> None:
    plan = variant(world, tmp_path, timeout="8s", remind_before="6s")

    def after_the_reminder(pending: PendingApproval) -> Answer | None:
        reminded = any("Reminder:" in m["text"] for m in world.messages())
        return ("bob", "approve", "seen the reminder") if reminded else None

    started = time.monotonic()
    result = run_gate(sign_offs, plan, "dana", ["gate-a-approval"], policy=after_the_reminder)
    outcome = result.state.result()
    assert outcome["decided"] == ["bob"], outcome["failed"]
    assert time.monotonic() - started < 8 + 5
    events = [event for event, _, _ in approvals_in(outcome)]
    assert events == ["asked", "reminded", "approved"]
    [reminder] = [m["text"] for m in world.messages() if "Reminder:" in m["text"]]
    assert "still waits for 'Gate A passed'" in reminder
    assert f"/runs/flow-run/{outcome['run_id']}" in reminder
    templates = [e["data"]["template"] for e in outcome["entries"] if e["kind"] == "message"]
    assert templates == ["approval_requested", "approval_reminder"]


def test_an_unanswered_gate_still_times_out_after_refusals(
    world: manager.Sandbox, tmp_path: Path
) -> None:
    plan = variant(world, tmp_path, timeout="4s")
    only_the_driver = scripted({}, default=lambda p: ("alice", "approve", ""))
    started = time.monotonic()
    result = run_gate(sign_offs, plan, "alice", ["gate-a-approval"], policy=only_the_driver)
    outcome = result.state.result()
    assert time.monotonic() - started < 4 + 5  # the deadline holds from the first pause
    assert outcome["failed"].startswith(
        "Gate A FAILED - no decision on 'Gate A passed' within 4s (fails closed); refused: alice"
    )
    events = [event for event, _, _ in approvals_in(outcome)]
    assert events[0] == "asked" and events[-1] == "timed_out" and "refused" in events


# ------------------------------------------------------------------ totp


def totp_of(world: manager.Sandbox, name: str) -> pyotp.TOTP:
    secret = aws(world, "secretsmanager").get_secret_value(SecretId=f"golive/approvers/{name}")
    return pyotp.TOTP(secret["SecretString"])


def kept_answer(client: Any, run_id: str, pause_key: str) -> str | None:
    """The answer the API still holds for a pause (Prefect's keyset: paused-<key>-response)."""
    try:
        return client.read_flow_run_input(run_id, f"paused-{pause_key}-response")
    except (ObjectNotFound, httpx.HTTPStatusError) as gone:
        if isinstance(gone, httpx.HTTPStatusError) and gone.response.status_code != 404:
            raise
        return None


def test_one_time_codes_prove_who_approved(world: manager.Sandbox, tmp_path: Path) -> None:
    plan = variant(world, tmp_path, proof="totp")
    bob, alice = totp_of(world, "bob"), totp_of(world, "alice")
    sent: dict[str, str] = {}

    def codes(pending: PendingApproval) -> Answer | None:
        assert pending.needs_code
        key = pending.pause_key
        if key == "gate-a-approval":  # the driver, as bob, with her own secret's code
            sent[key] = alice.now()
        elif key == "gate-a-approval-2":  # bob's code
            sent[key] = bob.now()
        elif key == "gate-b-approval":  # bob's code again: a replay
            sent[key] = sent["gate-a-approval-2"]
        else:
            return ("bob", "approve", "")  # the bot's own code from bob's sandbox secret
        return ("bob", "approve", "", sent[key])

    result = run_gate(
        sign_offs, plan, "alice", ["gate-a-approval", "gate-b-approval"], policy=codes
    )
    outcome = result.state.result()
    assert outcome["decided"] == ["bob", "bob"], outcome["failed"]
    approvals = approvals_in(outcome)
    assert approvals[:4] == [
        ("asked", "golive", "gate-a-approval"),
        ("refused", "bob", "gate-a-approval"),
        ("approved", "bob", "gate-a-approval-2"),
        ("asked", "golive", "gate-b-approval"),
    ]
    assert approvals[4] == ("refused", "bob", "gate-b-approval")
    assert approvals[-1][:2] == ("approved", "bob")
    refusals = [e["data"]["why"] for e in outcome["entries"] if e["event"] == "refused"]
    assert refusals[0] == "wrong code"
    assert refusals[1].startswith("a code already used")
    steps = [e["data"]["totp_step"] for e in outcome["entries"] if e["event"] == "approved"]
    assert len(steps) == 2 and steps[1] > steps[0]
    # no code anywhere: the timeline, the flow's logs, or the answers kept by the API
    record = json.dumps(outcome["entries"])
    with get_client(sync_client=True) as client:
        logs = client.read_logs(
            log_filter=LogFilter(flow_run_id=LogFilterFlowRunId(any_=[outcome["run_id"]]))
        )
        kept = [kept_answer(client, outcome["run_id"], key) for key in sent]
    said = " ".join(log.message for log in logs)
    for code in sent.values():
        assert code not in record and code not in said
    assert kept == [None] * len(sent)  # each answer was deleted once read


def test_a_restarted_launch_refuses_a_code_its_timeline_says_was_used(
    world: manager.Sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from flows import approvals

    plan = variant(world, tmp_path, proof="totp")
    bob = totp_of(world, "bob")
    launch = f"restarted-{time.time_ns()}"
    first_code = bob.now()
    first = run_gate(
        sign_offs,
        plan,
        "alice",
        ["gate-b-approval"],
        launch,
        policy=scripted({"gate-b-approval": ("bob", "approve", "", first_code)}),
    ).state.result()
    assert first["decided"] == ["bob"], first["failed"]
    # a new process: nothing in memory, only the launch's timeline in S3
    monkeypatch.setattr(approvals, "_used_steps", {})
    again = run_gate(
        sign_offs,
        plan,
        "alice",
        ["gate-b-approval"],
        launch,
        policy=scripted({"gate-b-approval": ("bob", "approve", "", first_code)}),
    ).state.result()
    # the replay is refused; then the bot's own codes, from the first step it has not used
    assert again["decided"] == ["bob"], again["failed"]
    whys = [e["data"]["why"] for e in again["entries"] if e["event"] == "refused"]
    assert whys and all(why.startswith("a code already used") for why in whys), whys


def test_with_totp_an_answer_without_a_secret_behind_it_is_refused(
    world: manager.Sandbox, tmp_path: Path
) -> None:
    # dana is on the list but has no secret in Secrets Manager: her answer cannot be proven
    plan = load_plan(
        plan_variant(
            tmp_path,
            approvals={"timeout": "60s", "poll_interval": "0.2s", "proof": "totp"},
            roles__approvers=["bob", "dana"],
        ),
        env=world.environment(),
    )
    result = run_gate(
        sign_offs,
        plan,
        "alice",
        ["gate-a-approval"],
        policy=scripted({"gate-a-approval": ("dana", "approve", "", "123456")}, approve_all()),
    )
    outcome = result.state.result()
    assert outcome["decided"] == ["bob"], outcome["failed"]
    [why] = [e["data"]["why"] for e in outcome["entries"] if e["event"] == "refused"]
    assert (
        why == "dana's secret could not be read (golive/approvers/dana: ResourceNotFoundException)"
    )


def test_golive_approve_asks_for_the_code_and_passes_it_on(
    world: manager.Sandbox, tmp_path: Path
) -> None:
    from typer.testing import CliRunner

    from golive.cli import app
    from golive.local.approvals_client import pending_approvals

    plan = variant(world, tmp_path, proof="totp")
    runner = CliRunner()
    box: dict[str, Any] = {}
    launch = threading.Thread(
        target=lambda: box.setdefault("outcome", sign_offs(plan, "alice", ["gate-a-approval"])),
        daemon=True,
    )
    launch.start()
    try:
        deadline = time.monotonic() + 30
        waiting = []
        while not waiting and time.monotonic() < deadline:
            waiting = [
                p for p in pending_approvals() if p.pause_key == "gate-a-approval" and p.ready
            ]
            time.sleep(0.2)
        [pending] = waiting
        assert pending.needs_code
        listed = runner.invoke(app, ["approvals"])
        assert "proof:     your one-time code (--code)" in listed.output, listed.output
        run = str(pending.run_id)
        no_code = runner.invoke(app, ["approve", run, "--as", "bob"])
        assert no_code.exit_code == 1 and "asks for your one-time code (--code)" in no_code.output
        code = totp_of(world, "bob").now()
        approved = runner.invoke(app, ["approve", run, "--as", "bob", "--code", code])
        assert approved.exit_code == 0, approved.output
        assert code not in approved.output
    finally:
        launch.join(30)
    assert box["outcome"]["decided"] == ["bob"], box["outcome"]["failed"]


def test_the_demos_sandbox_codes_read_the_sandbox_secret_through_its_env(
    world: manager.Sandbox,
) -> None:
    from golive.local.approver_bot import SandboxCodes

    bob = totp_of(world, "bob")
    step = bob.timecode(time.time())
    code = SandboxCodes(aws=world.environment())("bob")
    assert code in {bob.generate_otp(step), bob.generate_otp(step + 1)}
