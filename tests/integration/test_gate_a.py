"""Pre-flight and Gate A on a real Prefect API against the sandbox."""

from __future__ import annotations

import pytest

from golive.sandbox_blocks import ensure_sandbox_blocks
from sandbox import manager
from tests.integration.helpers import aws
from tests.integration.launch_helpers import artifacts_of, run_launch


@pytest.fixture
def launch_world(sandbox: manager.Sandbox, prefect_api) -> manager.Sandbox:  # noqa: ANN001
    ensure_sandbox_blocks(sandbox.environment())
    return sandbox


def production_untouched(sandbox: manager.Sandbox, release: str) -> None:
    s3 = aws(sandbox, "s3")
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=sandbox.environment()["S3_BUCKET"],
                                                 Prefix="releases/").get("Contents", [])]
    assert not any(release in key for key in keys), "a production object was written"
    routing = sandbox.routing()
    assert routing["weights"] == {"stable": 100, "canary": 0}
    assert set(routing["production_origins"].values()) == {"/releases/v1.0.0"}


def test_gate_a_passes_on_the_healthy_sandbox(launch_world: manager.Sandbox) -> None:
    result = run_launch("v1.1.0")
    assert result.state.is_completed(), result.message
    assert launch_world.routing()["staging_origins"] == {"staging": "/staging/releases/v1.1.0"}
    production_untouched(launch_world, "v1.1.0")
    artifacts = artifacts_of(result.state.state_details.flow_run_id)
    assert {"preflight-v1-1-0", "gate-a-v1-1-0", "gate-a-v1-1-0-checks"} <= set(artifacts)
    gate_a = artifacts["gate-a-v1-1-0"].data
    for expected in ("board p95", "drawer mean", "error rate", "security/", "UAT: qa-lead", "UAT: product-owner",
                     "approver: Gate A passed", "Gate A PASSED"):
        assert expected in gate_a, expected
    keys = {pending.pause_key for pending, _, result_ in result.answered if result_.accepted}
    assert keys == {"preflight-green-light", "uat-signoff-1", "uat-signoff-2", "gate-a-approval"}
