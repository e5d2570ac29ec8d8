"""rollback/full and rollback/validate after a launch reached 100 %; a second rollback is a no-op."""

from __future__ import annotations

import threading

import boto3
import httpx

from flows.rollback_deployments import rollback
from golive.sandbox_blocks import ensure_sandbox_blocks
from sandbox import manager
from golive.timeline import TimelineEntry
from tasks.timeline_store import read_timeline
from tests.integration.launch_helpers import run_launch, scripted


def served(sandbox: manager.Sandbox) -> set[str]:
    edge = sandbox.urls["production_edge"]
    return {httpx.get(edge + p).headers["X-Golive-Release"] for p in ("/", "/health") for _ in range(20)}


def timeline(sandbox: manager.Sandbox, launch: str) -> list[TimelineEntry]:
    env = sandbox.environment()
    return read_timeline(boto3.client("s3", region_name="us-east-1"), env["S3_BUCKET"], launch)


def rollbacks(entries: list[TimelineEntry], event: str) -> list[TimelineEntry]:
    return [e for e in entries if e.kind == "rollback" and e.event == event]


def test_two_full_rollbacks_at_once_give_one_effective_and_one_noop(sandbox: manager.Sandbox, prefect_api) -> None:  # noqa: ANN001
    ensure_sandbox_blocks(sandbox.environment())
    launch = run_launch("v6.0.0", timeout=180)
    assert launch.state.is_completed()
    assert served(sandbox) == {"v6.0.0"}
    launch_id = str(launch.state.state_details.flow_run_id)

    outcomes: dict[str, str] = {}
    racers = [threading.Thread(target=lambda who=who: outcomes.setdefault(who, rollback(
        reason="Post-launch instability - board errors", mode="full", launch=launch_id, triggered_by=who)))
        for who in ("launch hook on_failure", "server automation")]
    for racer in racers:
        racer.start()
    for racer in racers:
        racer.join(120)
    assert sorted(o.split(":")[0] for o in outcomes.values()) == [
        "full rollback of v6.0.0 complete", "no-op"], outcomes
    assert served(sandbox) == {"v1.0.0"}
    assert sandbox.routing()["weights"] == {"stable": 100, "canary": 0}

    entries = timeline(sandbox, launch_id)
    assert {e.actor for e in rollbacks(entries, "requested")} == set(outcomes)
    effective, noop = rollbacks(entries, "effective"), rollbacks(entries, "noop")
    assert len(effective) == 1 and len(noop) == 1
    assert outcomes[effective[0].actor].startswith("full rollback") and outcomes[noop[0].actor].startswith("no-op")
    assert effective[0].at < noop[0].at  # serialized by the lock: the loser looked after the winner acted

    again = rollback(reason="double click", mode="full")
    assert again.startswith("no-op: production is already rolled back to v1.0.0")
    assert rollback(reason="after the incident", mode="validate").startswith("validated: production serves v1.0.0")


def test_a_launch_stopped_at_gate_a_rolls_nothing_back(sandbox: manager.Sandbox, prefect_api) -> None:  # noqa: ANN001
    ensure_sandbox_blocks(sandbox.environment())
    before = sandbox.routing()
    launch = run_launch("v6.4.0", policy=scripted({"gate-a-approval": ("bob", "reject", "not today")}))
    assert launch.state.is_failed() and "Gate A FAILED" in launch.message
    launch_id = str(launch.state.state_details.flow_run_id)

    note = rollback(reason="launch Failed", mode="full", launch=launch_id, triggered_by="server automation")
    assert note.startswith(f"no-op: launch {launch_id} stopped at Gate A before production was touched")
    after = sandbox.routing()
    assert (after["weights"], after["production_origins"]) == (before["weights"], before["production_origins"])
    entries = timeline(sandbox, launch_id)
    not_needed = rollbacks(entries, "not_needed")
    assert [e.actor for e in not_needed] == ["launch hook on_failure"]
    assert "stopped at Gate A" in not_needed[0].summary
    assert [e.actor for e in rollbacks(entries, "noop")] == ["server automation"]
    assert not rollbacks(entries, "effective")


def test_validate_fails_closed_when_production_is_not_rolled_back(sandbox: manager.Sandbox, prefect_api) -> None:  # noqa: ANN001
    ensure_sandbox_blocks(sandbox.environment())
    assert run_launch("v6.1.0", timeout=180).state.is_completed()
    state = rollback(reason="check", mode="validate", return_state=True)
    assert state.is_failed() and "every response from v1.0.0" in state.message
