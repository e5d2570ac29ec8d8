"""Gate B, production deploy and the canary gates C–F on a real Prefect API against the sandbox."""

from __future__ import annotations

from pathlib import Path

import pytest

from golive.local.sandbox_blocks import ensure_sandbox_blocks
from sandbox import manager
from tests.integration.helpers import aws, users_see
from tests.integration.launch_helpers import WhenRouting, at_canary, plan_variant, run_launch


@pytest.fixture
def launch_world(sandbox: manager.Sandbox, prefect_api) -> manager.Sandbox:  # noqa: ANN001
    ensure_sandbox_blocks(sandbox.environment())
    return sandbox


@pytest.fixture
def canary_plan(tmp_path: Path) -> Path:
    """The rehearsal with two evaluations per step: a fault injected as a step begins is certain to
    be in the step's second probe, whatever the first one caught."""
    return plan_variant(tmp_path, canary__bake="1s")


def served_releases(sandbox: manager.Sandbox, n: int = 60) -> set[str]:
    return users_see(sandbox, n // 2)


def fault_at_step(sandbox: manager.Sandbox, percent: int, **fault: object) -> WhenRouting:
    """Inject a fault into the canary as soon as the launch has shifted to `percent`."""
    return WhenRouting(
        sandbox, at_canary(percent), lambda world: world.set_fault("canary", **fault)
    )


@pytest.mark.parametrize("percent", [10, 50])  # 30 %: bench/time_to_rollback.py
def test_latency_fault_rolls_back_at_that_stage(
    launch_world: manager.Sandbox, canary_plan: Path, percent: int
) -> None:
    with fault_at_step(launch_world, percent, latency_ms=900, endpoint="board"):
        result = run_launch(f"v2.2.{percent}", plan=canary_plan, timeout=180)
    assert result.state.is_failed()
    assert f"Canary {percent}% FAILED - SLO breach at {percent} % rollout — " in result.message, (
        result.message
    )
    assert "board p95" in result.message
    assert "Emergency rollback COMPLETE" in result.message
    assert launch_world.routing()["weights"] == {"stable": 100, "canary": 0}
    assert served_releases(launch_world) == {"v1.0.0"}


def test_error_rate_fault_rolls_back(launch_world: manager.Sandbox, canary_plan: Path) -> None:
    with fault_at_step(launch_world, 30, error_rate=0.2):
        result = run_launch("v2.3.0", plan=canary_plan, timeout=180)
    assert result.state.is_failed()
    assert "Canary 30% FAILED - SLO breach at 30 % rollout — " in result.message
    assert "error rate" in result.message
    assert served_releases(launch_world) == {"v1.0.0"}


def alarm_at_step(sandbox: manager.Sandbox, percent: int) -> WhenRouting:
    return WhenRouting(
        sandbox,
        at_canary(percent),
        lambda world: aws(world, "cloudwatch").set_alarm_state(
            AlarmName="statusboard-5xx",
            StateValue="ALARM",
            StateReason="5xx on the canary target group",
        ),
    )


def test_alarm_in_alarm_rolls_back(launch_world: manager.Sandbox, canary_plan: Path) -> None:
    with alarm_at_step(launch_world, 10):
        result = run_launch("v2.4.0", plan=canary_plan, timeout=180)
    assert result.state.is_failed()
    assert "Canary 10% FAILED" in result.message and "statusboard-5xx" in result.message, (
        result.message
    )
    assert served_releases(launch_world) == {"v1.0.0"}


def test_a_canary_that_gets_no_traffic_is_not_passed(
    launch_world: manager.Sandbox, canary_plan: Path
) -> None:
    # the edge follows the ALB while the plan shifts Route 53: the canary never sees a request
    launch_world.use_router("alb")
    try:
        result = run_launch("v2.5.0", plan=canary_plan, timeout=180)
    finally:
        launch_world.use_router("route53")
    assert result.state.is_failed()
    assert (
        "Canary 10% FAILED - canary traffic not as set at 10 % rollout — 0.0 % canary"
        in result.message
    ), result.message
    assert served_releases(launch_world) == {"v1.0.0"}
