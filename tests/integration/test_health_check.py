"""The 24-hour health check in process on a real Prefect API: green on the healthy sandbox,
red (and announced) on a broken one; the week's summary reads the stored results."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from flows.health_check import health_check
from golive.core.health import health_week_summary
from golive.local.sandbox_blocks import ensure_sandbox_blocks
from sandbox import manager
from tasks.health_store import read_results
from tests.integration.helpers import aws
from tests.integration.launch_helpers import SANDBOX_PLAN


@pytest.fixture
def world(sandbox: manager.Sandbox, prefect_api) -> manager.Sandbox:  # noqa: ANN001
    ensure_sandbox_blocks(sandbox.environment())
    return sandbox


def test_health_check_passes_then_fails_on_a_broken_production(world: manager.Sandbox) -> None:
    since = datetime.now(UTC) - timedelta(seconds=1)
    assert health_check(plan=SANDBOX_PLAN).startswith("StatusBoardV2 v1.0.0: healthy")
    assert world.messages() == []  # a green check is quiet

    # 30 %: far over the 5 % budget, yet the id source (also the board) answers within its 5 attempts
    world.set_fault("stable", endpoint="board", error_rate=0.3)
    state = health_check(plan=SANDBOX_PLAN, return_state=True)
    assert (
        state.is_failed()
        and "Health check FAILED" in state.message
        and "error rate" in state.message
    )
    [message] = world.messages()
    assert message["text"].startswith("⚠️ StatusBoardV2 health check FAILED for v1.0.0 - ")

    results = read_results(aws(world, "s3"), world.environment()["S3_BUCKET"], since)
    assert [r.status for r in results] == ["pass", "fail"]
    assert results[1].metrics["error_rate_pct"] > 5
    summary = health_week_summary(results, since)
    assert "2" in summary and "error rate" in summary


def test_health_check_fails_closed_when_the_probe_gets_no_ids(world: manager.Sandbox) -> None:
    # the id source (the board) always 500s: no drawer samples, so the SLOs cannot be proved
    world.set_fault("stable", endpoint="board", error_rate=1.0)
    state = health_check(plan=SANDBOX_PLAN, return_state=True)
    assert state.is_failed() and "Health check FAILED" in state.message
    assert "SLO probe" in state.message and "cannot get ids" in state.message
    [message] = world.messages()
    assert "health check FAILED" in message["text"]
