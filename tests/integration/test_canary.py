"""Gate B, production deploy and the canary gates C–F on a real Prefect API against the sandbox."""

from __future__ import annotations

import threading
import time

import httpx
import pytest

from golive.sandbox_blocks import ensure_sandbox_blocks
from sandbox import manager
from tests.integration.helpers import aws
from tests.integration.launch_helpers import artifacts_of, run_launch


@pytest.fixture
def launch_world(sandbox: manager.Sandbox, prefect_api) -> manager.Sandbox:  # noqa: ANN001
    ensure_sandbox_blocks(sandbox.environment())
    return sandbox


def served_releases(sandbox: manager.Sandbox, n: int = 60) -> set[str]:
    edge = sandbox.urls["production_edge"]
    return {httpx.get(edge + path).headers["X-Golive-Release"] for path in ("/", "/health") for _ in range(n // 2)}


class FaultAtStep:
    """Inject a fault into the canary as soon as the launch has shifted to `percent`."""

    def __init__(self, sandbox: manager.Sandbox, percent: int, **fault: object) -> None:
        self.sandbox, self.percent, self.fault = sandbox, percent, fault
        self.injected_at: float | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def __enter__(self) -> "FaultAtStep":
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(5)

    def _watch(self) -> None:
        while not self._stop.wait(0.05):
            if self.sandbox.routing()["weights"]["canary"] == self.percent:
                self.sandbox.set_fault("canary", **self.fault)
                self.injected_at = time.monotonic()
                return


def test_healthy_launch_reaches_100_percent(launch_world: manager.Sandbox) -> None:
    result = run_launch("v2.1.0", timeout=180)
    assert result.state.is_completed(), result.message
    assert served_releases(launch_world) == {"v2.1.0"}
    artifacts = artifacts_of(result.state.state_details.flow_run_id)
    for key in ("gate-b-v2-1-0", "production-deploy-v2-1-0", "backup-manifest-v2-1-0", "gate-c-v2-1-0",
                "gate-d-v2-1-0", "gate-e-v2-1-0", "gate-f-v2-1-0", "promote-v2-1-0"):
        assert key in artifacts, key
    stage = artifacts["gate-d-v2-1-0"].data
    assert "Decision: advance" in stage and "board p95" in stage and "Worst case" in stage
    keys = {p.pause_key for p, _, r in result.answered if r.accepted}
    assert {"gate-b-approval", "full-rollout-approval"} <= keys
    manifest = aws(launch_world, "s3").get_object(Bucket="statusboard-sandbox",
                                                  Key="golive/backups/v2.1.0/manifest.json")["Body"].read()
    assert b'"live_release": "v1.0.0"' in manifest


@pytest.mark.parametrize("percent", [10, 30, 50])
def test_latency_fault_rolls_back_at_that_stage(launch_world: manager.Sandbox, percent: int) -> None:
    with FaultAtStep(launch_world, percent, latency_ms=900, endpoint="board"):
        result = run_launch(f"v2.2.{percent}", timeout=180)
    assert result.state.is_failed()
    assert f"Canary {percent}% FAILED - SLO breach at {percent} % rollout — " in result.message, result.message
    assert "board p95" in result.message
    assert "Emergency rollback COMPLETE" in result.message
    assert launch_world.routing()["weights"] == {"stable": 100, "canary": 0}
    assert served_releases(launch_world) == {"v1.0.0"}


def test_error_rate_fault_rolls_back(launch_world: manager.Sandbox) -> None:
    with FaultAtStep(launch_world, 30, error_rate=0.2):
        result = run_launch("v2.3.0", timeout=180)
    assert result.state.is_failed()
    assert "Canary 30% FAILED - SLO breach at 30 % rollout — " in result.message
    assert "error rate" in result.message
    assert served_releases(launch_world) == {"v1.0.0"}


class AlarmAtStep(FaultAtStep):
    def _watch(self) -> None:
        while not self._stop.wait(0.05):
            if self.sandbox.routing()["weights"]["canary"] == self.percent:
                aws(self.sandbox, "cloudwatch").set_alarm_state(AlarmName="statusboard-5xx", StateValue="ALARM",
                                                                StateReason="5xx on the canary target group")
                return


def test_alarm_in_alarm_rolls_back(launch_world: manager.Sandbox) -> None:
    with AlarmAtStep(launch_world, 10):
        result = run_launch("v2.4.0", timeout=180)
    assert result.state.is_failed()
    assert "Canary 10% FAILED" in result.message and "statusboard-5xx" in result.message, result.message
    assert served_releases(launch_world) == {"v1.0.0"}


def test_a_canary_that_gets_no_traffic_is_not_passed(launch_world: manager.Sandbox) -> None:
    # the edge follows the ALB while the plan shifts Route 53: the canary never sees a request
    launch_world.use_router("alb")
    try:
        result = run_launch("v2.5.0", timeout=180)
    finally:
        launch_world.use_router("route53")
    assert result.state.is_failed()
    assert "Canary 10% FAILED - canary traffic not as set at 10 % rollout — 0.0 % canary" in result.message, \
        result.message
    assert served_releases(launch_world) == {"v1.0.0"}
