"""Gate B fails closed for each of its checks, and nothing in production changes.

Gate B runs on its own here (its flow, given Gate A's UAT evidence), not inside a whole launch:
what it decides does not depend on what ran before it, and a failed Gate B failing the launch
with its message is shown by test_gate_a.py's healthy launch (whose Approver stops it at Gate B)."""

from __future__ import annotations

from pathlib import Path

import pytest

from blocks.plan import LaunchPlan, load_plan
from flows.gate_b import gate_b_production_prep
from golive.local.sandbox_blocks import ensure_sandbox_blocks
from sandbox import manager
from tests.integration.helpers import aws
from tests.integration.launch_helpers import (
    LaunchResult,
    artifacts_of,
    plan_variant,
    run_gate,
    scripted,
    signed_uat,
)


@pytest.fixture
def launch_world(sandbox: manager.Sandbox, prefect_api) -> manager.Sandbox:  # noqa: ANN001
    ensure_sandbox_blocks(sandbox.environment())
    return sandbox


def run_gate_b(plan: LaunchPlan, release: str, **kwargs) -> LaunchResult:  # noqa: ANN003
    return run_gate(gate_b_production_prep, plan, release, "dana", signed_uat(plan), **kwargs)


def variant(sandbox: manager.Sandbox, tmp_path: Path, **changes) -> LaunchPlan:  # noqa: ANN003
    return load_plan(plan_variant(tmp_path, **changes), env=sandbox.environment())


def assert_production_untouched(sandbox: manager.Sandbox, release: str) -> None:
    keys = [
        o["Key"]
        for o in aws(sandbox, "s3")
        .list_objects_v2(Bucket="statusboard-sandbox", Prefix=f"releases/{release}")
        .get("Contents", [])
    ]
    assert keys == [], "production objects were written"
    routing = sandbox.routing()
    assert routing["weights"] == {"stable": 100, "canary": 0}
    assert set(routing["production_origins"].values()) == {"/releases/v1.0.0"}


def _disable_distribution(sandbox: manager.Sandbox) -> None:
    cloudfront = aws(sandbox, "cloudfront")
    dist_id = sandbox.state["ids"]["production_distribution_id"]
    current = cloudfront.get_distribution_config(Id=dist_id)
    current["DistributionConfig"]["Enabled"] = False
    cloudfront.update_distribution(
        Id=dist_id, IfMatch=current["ETag"], DistributionConfig=current["DistributionConfig"]
    )


def _delete_live_release(sandbox: manager.Sandbox) -> None:
    s3 = aws(sandbox, "s3")
    objects = s3.list_objects_v2(Bucket="statusboard-sandbox", Prefix="releases/v1.0.0/")[
        "Contents"
    ]
    s3.delete_objects(
        Bucket="statusboard-sandbox", Delete={"Objects": [{"Key": o["Key"]} for o in objects]}
    )


BREAKAGES = {
    "production unhealthy": (
        lambda sb: sb.set_fault("stable", down=True, endpoint="health"),
        "production api health",
    ),
    "alarm in ALARM": (
        lambda sb: aws(sb, "cloudwatch").set_alarm_state(
            AlarmName="statusboard-latency", StateValue="ALARM", StateReason="p99 high"
        ),
        "alarm statusboard-latency",
    ),
    "no rollback target": (_delete_live_release, "rollback target: live release objects"),
    "distribution disabled": (_disable_distribution, "CloudFront distribution"),
}


@pytest.mark.parametrize("case", list(BREAKAGES))
def test_gate_b_fails_closed(launch_world: manager.Sandbox, plan: LaunchPlan, case: str) -> None:
    breakage, failing_check = BREAKAGES[case]
    breakage(launch_world)
    result = run_gate_b(plan, f"v4.0.{list(BREAKAGES).index(case)}")
    assert result.state.is_failed()
    assert (
        "Gate B FAILED - Production environment issue" in result.message
        and failing_check in result.message
    ), result.message
    assert_production_untouched(launch_world, f"v4.0.{list(BREAKAGES).index(case)}")
    assert "gate-b-approval" not in {p.pause_key for p, _, _ in result.answered}


def test_missing_alarm_fails_closed(launch_world: manager.Sandbox, tmp_path: Path) -> None:
    plan = variant(
        launch_world,
        tmp_path,
        environments__production__alarms=["statusboard-5xx", "statusboard-typo"],
    )
    result = run_gate_b(plan, "v4.1.0")
    assert result.state.is_failed() and "alarm statusboard-typo: MISSING" in result.message, (
        result.message
    )
    assert_production_untouched(launch_world, "v4.1.0")


def test_permission_probe_fails_closed(launch_world: manager.Sandbox, tmp_path: Path) -> None:
    # golive cannot read the hosted zone the plan shifts traffic in: the capability is not proven
    plan = variant(
        launch_world,
        tmp_path,
        environments__production__router__route53__hosted_zone="missing.sandbox.",
        environments__production__router__route53__record_name="api.missing.sandbox.",
    )
    result = run_gate_b(plan, "v4.2.0")
    assert result.state.is_failed()
    assert (
        "permission: shift traffic (route53): route53:ListHostedZonesByName: no hosted zone missing.sandbox."
        in result.message
    ), result.message
    assert (
        "by read-only calls (IAM simulation unavailable"
        in artifacts_of(result.state.state_details.flow_run_id)["gate-b-v4-2-0"].data
    )
    assert_production_untouched(launch_world, "v4.2.0")


def test_gate_b_rejected_by_the_approver(launch_world: manager.Sandbox, plan: LaunchPlan) -> None:
    result = run_gate_b(
        plan, "v4.3.0", policy=scripted({"gate-b-approval": ("alice", "reject", "change freeze")})
    )
    assert result.state.is_failed()
    assert (
        "Gate B FAILED - the Approver alice rejected 'Production ready': change freeze"
        in result.message
    )
    assert_production_untouched(launch_world, "v4.3.0")
