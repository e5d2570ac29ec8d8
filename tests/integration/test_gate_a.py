"""Pre-flight and Gate A on a real Prefect API against the sandbox.

The healthy case runs the whole launch (pre-flight, Gate A, and Gate B, whose Approver stops it):
a gate's failure fails the launch with the gate's message, production untouched. Gate A's own
failures and sign-offs run on Gate A's flow alone: they decide there, whatever ran before."""

from __future__ import annotations

from pathlib import Path

import pytest

from blocks.plan import LaunchPlan, load_plan
from flows.gate_a import gate_a_staging
from golive.core.gate_checks import uat_confirmed
from golive.local.sandbox_blocks import ensure_sandbox_blocks
from sandbox import manager
from tests.integration.helpers import aws
from tests.integration.launch_helpers import (
    SANDBOX_PLAN,
    LaunchResult,
    approve_all,
    artifacts_of,
    plan_variant,
    run_gate,
    run_launch,
    scripted,
)


@pytest.fixture
def launch_world(sandbox: manager.Sandbox, prefect_api) -> manager.Sandbox:  # noqa: ANN001
    ensure_sandbox_blocks(sandbox.environment())
    return sandbox


def run_gate_a(plan: LaunchPlan, release: str, driver: str = "dana", **kwargs) -> LaunchResult:  # noqa: ANN003
    return run_gate(gate_a_staging, plan, release, driver, **kwargs)


def variant(sandbox: manager.Sandbox, tmp_path: Path, **changes) -> LaunchPlan:  # noqa: ANN003
    return load_plan(plan_variant(tmp_path, **changes), env=sandbox.environment())


def production_untouched(sandbox: manager.Sandbox, release: str) -> None:
    s3 = aws(sandbox, "s3")
    keys = [
        o["Key"]
        for o in s3.list_objects_v2(
            Bucket=sandbox.environment()["S3_BUCKET"], Prefix="releases/"
        ).get("Contents", [])
    ]
    assert not any(release in key for key in keys), "a production object was written"
    routing = sandbox.routing()
    assert routing["weights"] == {"stable": 100, "canary": 0}
    assert set(routing["production_origins"].values()) == {"/releases/v1.0.0"}


def test_gate_a_passes_on_the_healthy_sandbox(launch_world: manager.Sandbox) -> None:
    # Gate B's Approver says no, so the launch stops right after Gate A: production untouched
    result = run_launch(  # the sandbox plan's: both UAT signers
        "v1.1.0",
        plan=SANDBOX_PLAN,
        policy=scripted({"gate-b-approval": ("alice", "reject", "stop after Gate A")}),
    )
    assert result.state.is_failed()
    assert (
        "Gate B FAILED - the Approver alice rejected 'Production ready': stop after Gate A"
        in result.message
    )
    assert launch_world.routing()["staging_origins"] == {"staging": "/staging/releases/v1.1.0"}
    production_untouched(launch_world, "v1.1.0")
    artifacts = artifacts_of(result.state.state_details.flow_run_id)
    assert {"preflight-v1-1-0", "gate-a-v1-1-0", "gate-a-v1-1-0-checks"} <= set(artifacts)
    gate_a = artifacts["gate-a-v1-1-0"].data
    for expected in (
        "board p95",
        "drawer mean",
        "error rate",
        "security/",
        "UAT: qa-lead",
        "UAT: product-owner",
        "approver: Gate A passed",
        "Gate A PASSED",
    ):
        assert expected in gate_a, expected
    keys = {pending.pause_key for pending, _, result_ in result.answered if result_.accepted}
    assert keys == {
        "preflight-green-light",
        "uat-signoff-1",
        "uat-signoff-2",
        "gate-a-approval",
        "gate-b-approval",
    }


FAULTS = {
    "staging down": (dict(target="staging", down=True), "infrastructure/api-health"),
    "board p95 over budget": (
        dict(target="staging", latency_ms=900, endpoint="board"),
        "board p95",
    ),
    "5xx above the limit": (dict(target="staging", error_rate=0.2), "error rate"),
    "missing security header": (
        dict(target="staging", drop_headers=["Strict-Transport-Security"]),
        "security/hsts",
    ),
}


@pytest.mark.parametrize("case", list(FAULTS))
def test_gate_a_fails_on_a_broken_staging(
    launch_world: manager.Sandbox, plan: LaunchPlan, case: str
) -> None:
    fault, failing_check = FAULTS[case]
    launch_world.set_fault(**fault)
    result = run_gate_a(plan, "v1.2.0")
    assert result.state.is_failed()
    assert "Gate A FAILED" in result.message and failing_check in result.message, result.message
    production_untouched(launch_world, "v1.2.0")
    gate_a = artifacts_of(result.state.state_details.flow_run_id)["gate-a-v1-2-0"].data
    assert "❌ fail" in gate_a and failing_check in gate_a
    # it failed on its checks: nobody was asked to approve Gate A
    assert "gate-a-approval" not in {pending.pause_key for pending, _, _ in result.answered}


def test_failing_build_stops_gate_a(launch_world: manager.Sandbox, tmp_path: Path) -> None:
    plan = variant(
        launch_world,
        tmp_path,
        build__command=["python", "-c", "import sys; print('tsc: 3 errors'); sys.exit(3)"],
    )
    result = run_gate_a(plan, "v1.2.1")
    assert result.state.is_failed()
    assert "Gate A FAILED - build: failed (build exited with 3" in result.message
    assert "tsc: 3 errors" in result.message
    assert launch_world.routing()["staging_origins"] == {"staging": "/staging/releases/v1.0.0"}
    production_untouched(launch_world, "v1.2.1")


def test_rejected_approval_fails_gate_a(launch_world: manager.Sandbox, plan: LaunchPlan) -> None:
    result = run_gate_a(
        plan, "v1.3.0", policy=scripted({"gate-a-approval": ("alice", "reject", "board looks off")})
    )
    assert result.state.is_failed()
    assert (
        "Gate A FAILED - the Approver alice rejected 'Gate A passed': board looks off"
        in result.message
    )
    production_untouched(launch_world, "v1.3.0")


def test_approval_timeout_fails_closed(launch_world: manager.Sandbox, tmp_path: Path) -> None:
    plan = variant(launch_world, tmp_path, approvals={"timeout": "3s", "poll_interval": "1s"})
    silent_on_gate_a = scripted(
        {}, default=lambda p: None if p.pause_key == "gate-a-approval" else approve_all()(p)
    )
    result = run_gate_a(plan, "v1.3.1", policy=silent_on_gate_a)
    assert result.state.is_failed()
    assert (
        "Gate A FAILED - no decision on 'Gate A passed' within 3s (fails closed)" in result.message
    )
    production_untouched(launch_world, "v1.3.1")


def test_approver_not_on_the_list_is_refused_by_the_server(
    launch_world: manager.Sandbox, tmp_path: Path
) -> None:
    plan = variant(launch_world, tmp_path, approvals={"timeout": "4s", "poll_interval": "1s"})
    result = run_gate_a(
        plan, "v1.3.2", policy=scripted({"gate-a-approval": ("mallory", "approve", "")})
    )
    refused = [
        (answer, res)
        for pending, answer, res in result.answered
        if pending.pause_key == "gate-a-approval"
    ]
    assert refused and not refused[0][1].accepted
    assert "'mallory' is not one of" in refused[0][1].reason
    assert result.state.is_failed() and "no decision on 'Gate A passed' within 4s" in result.message
    production_untouched(launch_world, "v1.3.2")


def test_the_driver_approving_their_own_launch_is_refused_and_an_approver_then_decides(
    launch_world: manager.Sandbox, plan: LaunchPlan
) -> None:
    result = run_gate_a(
        plan,
        "v1.3.3",
        driver="alice",
        policy=scripted({"gate-a-approval": ("alice", "approve", "")}),  # then bob, by default
    )
    assert result.state.is_completed(), result.message  # refused, recorded, and the gate waited
    answered = [
        (pending.pause_key, answer[0], outcome.accepted)
        for pending, answer, outcome in result.answered
        if pending.pause_key.startswith("gate-a-approval")
    ]
    assert answered == [("gate-a-approval", "alice", True), ("gate-a-approval-2", "bob", True)]
    checks = {c.name: c for c in result.state.result()}
    assert checks["approver: Gate A passed"].value == "approved by bob (looks good)"
    production_untouched(launch_world, "v1.3.3")


def test_a_plan_without_uat_signers_asks_nobody_and_says_so(
    launch_world: manager.Sandbox, tmp_path: Path
) -> None:
    plan = variant(launch_world, tmp_path, roles__uat_signers=[])
    result = run_gate_a(plan, "v1.3.5")
    assert result.state.is_completed(), result.message
    asked = {pending.pause_key for pending, _, _ in result.answered}
    assert asked == {"gate-a-approval"}, asked  # no UAT sign-off, the Approver still decides
    checks = {c.name: c for c in result.state.result()}
    assert checks["UAT"].status == "pass" and checks["UAT"].value == "none required by the plan"
    gate_b_view = uat_confirmed(plan, list(checks.values()))
    assert gate_b_view.status == "pass" and gate_b_view.value == "none required by the plan"
