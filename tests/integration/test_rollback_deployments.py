"""rollback/full and rollback/validate after a launch reached 100 %; a second rollback is a no-op."""

from __future__ import annotations

import httpx
import pytest

from flows.rollback_deployments import already_rolled_back, rollback
from golive.sandbox_blocks import ensure_sandbox_blocks
from sandbox import manager
from tasks.backup import BackupManifest
from tests.integration.launch_helpers import run_launch


def served(sandbox: manager.Sandbox) -> set[str]:
    edge = sandbox.urls["production_edge"]
    return {httpx.get(edge + p).headers["X-Golive-Release"] for p in ("/", "/health") for _ in range(20)}


def test_full_rollback_restores_the_previous_release_once(sandbox: manager.Sandbox, prefect_api) -> None:  # noqa: ANN001
    ensure_sandbox_blocks(sandbox.environment())
    assert run_launch("v6.0.0", timeout=180).state.is_completed()
    assert served(sandbox) == {"v6.0.0"}

    outcome = rollback(reason="Post-launch instability - board errors", mode="full")
    assert outcome == "full rollback of v6.0.0 complete: production serves v1.0.0"
    assert served(sandbox) == {"v1.0.0"}
    assert sandbox.routing()["weights"] == {"stable": 100, "canary": 0}

    again = rollback(reason="double click", mode="full")
    assert again.startswith("no-op: production is already rolled back to v1.0.0")
    assert rollback(reason="after the incident", mode="validate").startswith("validated: production serves v1.0.0")


def test_validate_fails_closed_when_production_is_not_rolled_back(sandbox: manager.Sandbox, prefect_api) -> None:  # noqa: ANN001
    ensure_sandbox_blocks(sandbox.environment())
    assert run_launch("v6.1.0", timeout=180).state.is_completed()
    state = rollback(reason="check", mode="validate", return_state=True)
    assert state.is_failed() and "every response from v1.0.0" in state.message


MANIFEST = BackupManifest(launch="l", release="v2", live_release="v1", bucket="b", distribution_id="D",
                          origin_paths={"stable": "/releases/v1", "canary": "/releases/v1"}, router="route53",
                          weights={"stable": 100, "canary": 0}, live_prefix="releases/v1", live_objects=[],
                          created_at="now")


@pytest.mark.parametrize("mode,weights,origins,expected", [
    ("emergency", {"stable": 100, "canary": 0}, {"stable": "/releases/v2"}, True),
    ("emergency", {"stable": 70, "canary": 30}, {"stable": "/releases/v1"}, False),
    ("full", {"stable": 100, "canary": 0}, {"stable": "/releases/v2", "canary": "/releases/v1"}, False),
    ("full", {"stable": 100, "canary": 0}, {"stable": "/releases/v1", "canary": "/releases/v1"}, True),
])
def test_already_rolled_back(mode: str, weights: dict, origins: dict, expected: bool) -> None:
    assert already_rolled_back(mode, weights, origins, MANIFEST) is expected
