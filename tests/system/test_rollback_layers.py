"""Layers 2 and 3 of rollback with the real thing: a launch deployed on a process worker is
SIGKILLed, its worker too, or cancelled from the API, mid-canary. Production must come back
to stable with exactly one effective rollback, and the timeline must say who did what."""

from __future__ import annotations

import os
import re
import signal
import time
from collections.abc import Callable
from pathlib import Path
from uuid import UUID

import boto3
import pytest
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import (
    FlowRunFilter,
    FlowRunFilterDeploymentId,
    FlowRunFilterParentFlowRunId,
)
from prefect.states import Cancelling

from golive.core.timeline import TimelineEntry
from golive.local import local_stack
from golive.local.approver_bot import ApproverBot, sandbox_policy
from tasks.timeline_store import read_timeline
from tests.integration.launch_helpers import plan_variant
from tests.system.conftest import HEARTBEAT_WITHIN_S

pytestmark = pytest.mark.system


CANCEL_TO_STABLE_WITHIN_S = 120


def wait_until(
    what: str, check: Callable[[], object], timeout: float, every: float = 0.25
) -> float:
    """Seconds until `check()` is truthy; fails the test after `timeout`."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if check():
            return time.monotonic() - started
        time.sleep(every)
    raise AssertionError(f"not within {timeout}s: {what}")


def start_long_canary(stack: local_stack.Stack, tmp_path: Path, release: str) -> UUID:
    """`prefect deployment run golive/launch` with a long bake, returned once 10 % is live."""
    plan = plan_variant(tmp_path, canary__bake="60s", canary__evaluation_interval="2s")
    out = local_stack.run_prefect(
        stack,
        "deployment",
        "run",
        "golive/launch",
        "-p",
        f"release={release}",
        "-p",
        "driver=dana",
        "-p",
        f"plan={plan}",
        "-p",
        "queue=true",  # a launch SIGKILLed by the test before holds production until its lease lapses
    )
    run_id = UUID(re.search(r"UUID: ([0-9a-f-]{36})", out).group(1))
    wait_until(
        "the canary at 10 %", lambda: stack.sandbox.routing()["weights"]["canary"] == 10, 240
    )
    return run_id


def launch_pid(run_id: UUID) -> int:
    with get_client(sync_client=True) as client:
        pid = client.read_flow_run(run_id).infrastructure_pid
    assert pid, "the worker recorded no process id for the launch"
    return int(str(pid).rsplit(":", 1)[-1])


def run_state(run_id: UUID) -> str:
    with get_client(sync_client=True) as client:
        state = client.read_flow_run(run_id).state
    return state.name if state else "?"


def rollback_runs() -> list:  # noqa: ANN401
    with get_client(sync_client=True) as client:
        deployment = client.read_deployment_by_name("rollback/full")
        return client.read_flow_runs(
            flow_run_filter=FlowRunFilter(
                deployment_id=FlowRunFilterDeploymentId(any_=[deployment.id])
            )
        )


def settled_rollbacks(before: set[UUID], expected: int, timeout: float = 90) -> list:  # noqa: ANN401
    """Wait for `expected` new rollback/full runs to finish; returns them."""

    def done() -> list | None:
        runs = [r for r in rollback_runs() if r.id not in before]
        return (
            runs
            if len(runs) >= expected and all(r.state and r.state.is_final() for r in runs)
            else None
        )

    wait_until(f"{expected} rollback run(s) final", done, timeout, every=1)
    return done() or []


def timeline(stack: local_stack.Stack, run_id: UUID) -> list[TimelineEntry]:
    env = stack.sandbox.environment()
    s3 = boto3.client("s3", region_name="us-east-1", endpoint_url=env["AWS_ENDPOINT_URL"])
    return read_timeline(s3, env["S3_BUCKET"], str(run_id))


def rollback_events(entries: list[TimelineEntry], event: str) -> list[TimelineEntry]:
    return [e for e in entries if e.kind == "rollback" and e.event == event]


def assert_children_ended(run_id: UUID) -> None:
    """Every subflow of the launch is final; the one the launch died in says why."""
    with get_client(sync_client=True) as client:
        children = client.read_flow_runs(
            flow_run_filter=FlowRunFilter(
                parent_flow_run_id=FlowRunFilterParentFlowRunId(any_=[run_id])
            )
        )
    assert children and all(c.state and c.state.is_final() for c in children), [
        (c.name, c.state.name if c.state else None) for c in children
    ]
    [canary] = [c for c in children if c.name.startswith("Gate C — canary 10 %")]
    assert canary.state.is_crashed() and "ended Crashed while this step ran" in (
        canary.state.message or ""
    )


def read_report(stack: local_stack.Stack, run_id: UUID) -> str:
    env = stack.sandbox.environment()
    s3 = boto3.client("s3", region_name="us-east-1", endpoint_url=env["AWS_ENDPOINT_URL"])
    key = f"golive/launches/{run_id}/report/launch-report.md"
    return s3.get_object(Bucket=env["S3_BUCKET"], Key=key)["Body"].read().decode()


def assert_production_on_stable(stack: local_stack.Stack) -> None:
    routing = stack.sandbox.routing()
    assert routing["weights"] == {"stable": 100, "canary": 0}
    assert routing["production_origins"]["stable"] == "/releases/v1.0.0"


def test_sigkill_of_the_launch_mid_canary_rolls_back_once(
    stack: local_stack.Stack, tmp_path: Path
) -> None:
    before = {r.id for r in rollback_runs()}
    with ApproverBot(sandbox_policy):
        run_id = start_long_canary(stack, tmp_path, "v7.0.0")
    killed_at = time.monotonic()
    os.kill(launch_pid(run_id), signal.SIGKILL)

    wait_until(
        "traffic back on stable", lambda: stack.sandbox.routing()["weights"]["canary"] == 0, 60
    )
    restored_after = time.monotonic() - killed_at
    wait_until("the launch marked Crashed", lambda: run_state(run_id) == "Crashed", 30)
    runs = settled_rollbacks(
        before, expected=2
    )  # the worker's on_crashed hook, and the server's trigger
    assert all(r.state.is_completed() for r in runs), [r.state.message for r in runs]
    assert_production_on_stable(stack)

    entries = timeline(stack, run_id)
    assert {e.actor for e in rollback_events(entries, "requested")} == {
        "launch hook on_crashed",
        "server automation (launch Crashed)",
    }
    assert len(rollback_events(entries, "effective")) == 1
    assert len(rollback_events(entries, "noop")) == 1
    # named by app, release and driver, not by the generated run name
    reasons = {e.actor: e.data["reason"] for e in rollback_events(entries, "requested")}
    assert reasons["launch hook on_crashed"].startswith(
        "launch of StatusBoardV2 v7.0.0 by dana Crashed: "
    )
    assert reasons["server automation (launch Crashed)"] == (
        "launch of v7.0.0 by dana became Crashed (server automation)"
    )
    # the channel heard of the rollback: its last words are not "Gate B PASSED"
    said = [m["text"] for m in stack.sandbox.messages()]
    [effective] = rollback_events(entries, "effective")
    assert said[-2].startswith(
        f"🚨 Full rollback of StatusBoardV2 v7.0.0 started ({effective.actor}): "
    ), said
    assert said[-1].startswith("Full rollback COMPLETE."), said
    # no step of the dead launch is left Running in the UI
    assert_children_ended(run_id)
    # the rollbacks rewrote the launch's report: a crashed launch has one, with both rollbacks in it
    report = read_report(stack, run_id)
    assert report.startswith("# Incident report — StatusBoardV2 v7.0.0")
    assert "Launch crashed — rolled back" in report
    listed = report.split("## Rollbacks", 1)[1].split("\n## ", 1)[0]
    assert "| effective |" in listed and "| noop |" in listed
    print(f"SIGKILL -> traffic on stable in {restored_after:.1f}s")


def test_sigkill_of_the_launch_and_its_worker_rolls_back_by_the_server(
    stack: local_stack.Stack, tmp_path: Path
) -> None:
    before = {r.id for r in rollback_runs()}
    with ApproverBot(sandbox_policy):
        run_id = start_long_canary(stack, tmp_path, "v7.1.0")
    pid = launch_pid(run_id)
    worker = local_stack.worker_pid(stack.home, local_stack.WORK_POOL)
    killed_at = time.monotonic()
    os.killpg(worker, signal.SIGKILL)
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass  # it was in the worker's group
    try:
        # Nobody is left to report the launch: only its missing heartbeats reveal it.
        worst_case = (
            HEARTBEAT_WITHIN_S + 30 + 5 + 30
        )  # a beat's period + within + evaluation + rollback start
        wait_until(
            "traffic back on stable",
            lambda: stack.sandbox.routing()["weights"]["canary"] == 0,
            worst_case,
        )
        restored_after = time.monotonic() - killed_at
        assert run_state(run_id) == "Crashed"
        runs = settled_rollbacks(before, expected=1)
        assert all(r.state.is_completed() for r in runs)
        assert_production_on_stable(stack)
        entries = timeline(stack, run_id)
        assert [e.actor for e in rollback_events(entries, "effective")] == [
            "server automation (launch Crashed)"
        ]
        print(f"SIGKILL of launch and worker -> traffic on stable in {restored_after:.1f}s")
    finally:
        local_stack.start_worker(stack, "golive-test-golive-pool", local_stack.WORK_POOL)


def test_cancelling_the_launch_mid_canary_rolls_back(
    stack: local_stack.Stack, tmp_path: Path
) -> None:
    before = {r.id for r in rollback_runs()}
    with ApproverBot(sandbox_policy):
        run_id = start_long_canary(stack, tmp_path, "v7.2.0")
    with get_client(sync_client=True) as client:
        client.set_flow_run_state(
            run_id, Cancelling(message="operator: stop the launch"), force=True
        )

    # The worker notices Cancelling (1 s poll), kills the launch, imports the launch flow to run its
    # on_cancellation hook, which starts rollback/full on the rollback worker (1 s poll, a new process):
    # three Python process starts. It passes alone with a busy core; a whole suite on two workers with one
    # busy core once took over 60 s (newcomer-check, 2026-12-02): the bound is the machine's, not a guarantee.
    wait_until(
        "traffic back on stable",
        lambda: stack.sandbox.routing()["weights"]["canary"] == 0,
        CANCEL_TO_STABLE_WITHIN_S,
    )
    wait_until("the launch Cancelled", lambda: run_state(run_id) == "Cancelled", 30)
    runs = settled_rollbacks(before, expected=1)
    assert all(r.state.is_completed() for r in runs)
    assert_production_on_stable(stack)
    entries = timeline(stack, run_id)
    effective = rollback_events(entries, "effective")
    assert [e.actor for e in effective] == ["launch hook on_cancellation"]
