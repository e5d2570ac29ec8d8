"""The canary judged on a real Prometheus: the sandbox's users (50 requests/s through the production
edge), the backends' prometheus-client metrics, Prometheus scraping them every second.

The canary's evaluations here read Prometheus only (`metrics.kind: prometheus`, no floor): the
probe measures nothing in them. A healthy launch completes; a latency fault at 30 % and an error
fault at 10 % roll back at that step; Prometheus unreachable mid-canary makes the evaluations
inconclusive and asks a human, never passes.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from blocks.plan import load_plan
from golive.core.arms import ArmRule
from golive.local.sandbox_blocks import ensure_sandbox_blocks
from sandbox import manager
from tasks.metrics.prometheus import CountsUnavailable, read_window
from tests.integration.helpers import wait_for
from tests.integration.launch_helpers import (
    WhenRouting,
    approve_all,
    artifacts_of,
    at_canary,
    plan_variant,
    run_launch,
    scripted,
)

USERS_PER_S = 50.0
PROMETHEUS = {
    "kind": "prometheus",
    "prometheus": {"scrape_interval": "1s", "buckets": ["250ms", "500ms", "800ms", "1s"]},
}


@pytest.fixture
def with_users(sandbox: manager.Sandbox, prefect_api) -> Iterator[manager.Sandbox]:  # noqa: ANN001
    """The session's sandbox with users on it, their requests already in Prometheus."""
    assert "prometheus" in sandbox.urls, (
        "the sandbox runs no Prometheus (scripts/install-prometheus)"
    )
    ensure_sandbox_blocks(sandbox.environment())
    sandbox.start_users(USERS_PER_S, duration_s=600)
    wait_for(lambda: _stable_requests(sandbox) > 50, timeout=20, interval=0.5)
    try:
        yield sandbox
    finally:
        sandbox.stop_users()


def _stable_requests(sandbox: manager.Sandbox) -> float:
    answer = httpx.get(
        sandbox.urls["prometheus"] + "/api/v1/query",
        params={"query": 'sum(http_requests_total{version="stable"})'},
        timeout=5,
    ).json()
    result = answer["data"]["result"]
    return float(result[0]["value"][1]) if result else 0.0


@pytest.fixture
def counted_plan(tmp_path: Path) -> Path:
    """The rehearsal judged on Prometheus: 2 s windows, 4 s per step (at 10 %, ~10 canary requests
    per window), the launch-wide false-rollback bound 1 %."""
    return plan_variant(
        tmp_path,
        metrics=PROMETHEUS,
        canary__bake="4s",
        canary__evaluation_interval="2s",
        canary__false_rollback_bound="1%",
        canary__max_inconclusive_extensions=1,
    )


def test_counts_of_real_traffic_by_arm(with_users: manager.Sandbox, counted_plan: Path) -> None:
    """What the source reads is what the users were sent: every stable answer counted, none for the
    canary (no traffic on it), the board's slower-than-800 ms share from the histogram's bucket."""
    plan = load_plan(counted_plan, env=with_users.environment())
    time.sleep(7)  # users on for 7 s: the window below is 4 s of theirs, scraped
    end = time.time() - 2
    counts = read_window(
        plan,
        plan.environments.production,
        ArmRule.of(plan, "v9.9.9", "v1.0.0"),
        canary_start=end - 6,
        start=end - 4,
        end=end,
    )
    assert 100 <= counts.stable.requests <= 300, counts  # 50/s for 4 s, Poisson
    assert counts.stable.errors == 0
    board = counts.stable.slos["board"]
    assert board.requests > 20 and board.slower is not None and board.slower <= 2
    assert counts.stable.slos["drawer"].latency_sum_ms > 0
    assert counts.canary.requests == 0 and counts.canary_since_start.requests == 0


def test_healthy_launch_judged_on_prometheus_completes(
    with_users: manager.Sandbox, counted_plan: Path
) -> None:
    result = run_launch("v3.1.0", plan=counted_plan, timeout=240)
    assert result.state.is_completed(), result.message
    assert with_users.routing()["weights"]["canary"] in (0, 100)
    artifacts = artifacts_of(result.state.state_details.flow_run_id)
    stage = artifacts["gate-c-v3-1-0"].data  # the 10 % step, judged on Prometheus alone
    assert "anytime-valid sequential tests" in stage and "at most 1 %" in stage
    # Gate G judged what real users got besides the probe, by the same tests
    gate_g = artifacts["gate-g-v3-1-0"].data
    assert "prometheus: error rate" in gate_g and "prometheus: board p95" in gate_g


def test_latency_fault_at_30_rolls_back_on_prometheus(
    with_users: manager.Sandbox, counted_plan: Path
) -> None:
    with WhenRouting(
        with_users,
        at_canary(30),
        lambda world: world.set_fault("canary", latency_ms=900, endpoint="board"),
    ):
        result = run_launch("v3.2.0", plan=counted_plan, timeout=240)
    assert result.state.is_failed()
    assert "Canary 30% FAILED - SLO breach at 30 % rollout" in result.message, result.message
    assert "board p95" in result.message and "proven since the canary started" in result.message
    assert with_users.routing()["weights"] == {"stable": 100, "canary": 0}


def test_error_fault_at_10_rolls_back_on_prometheus(
    with_users: manager.Sandbox, counted_plan: Path
) -> None:
    with WhenRouting(
        with_users, at_canary(10), lambda world: world.set_fault("canary", error_rate=0.2)
    ):
        result = run_launch("v3.3.0", plan=counted_plan, timeout=240)
    assert result.state.is_failed()
    assert "Canary 10% FAILED - SLO breach at 10 % rollout" in result.message, result.message
    assert "error rate" in result.message
    assert with_users.routing()["weights"] == {"stable": 100, "canary": 0}


def test_prometheus_unreachable_is_inconclusive_and_asks_a_human(
    with_users: manager.Sandbox, tmp_path: Path
) -> None:
    """The plan's metrics_url points at a port nothing listens on from the canary's first step: every
    evaluation is inconclusive, the step asks a human; the human's rejection rolls back."""
    plan = plan_variant(
        tmp_path,
        metrics=PROMETHEUS,
        canary__bake="2s",
        canary__evaluation_interval="1s",
        canary__max_inconclusive_extensions=0,
    )
    dead = "http://127.0.0.1:9"  # the discard port: nothing serves it here
    env = {**with_users.environment(), "GOLIVE_PRODUCTION_METRICS_URL": dead}
    with pytest.raises(CountsUnavailable, match="unreachable"):
        loaded = load_plan(plan, env=env)
        read_window(
            loaded,
            loaded.environments.production,
            ArmRule.of(loaded, "v9", "v1.0.0"),
            canary_start=time.time() - 2,
            start=time.time() - 2,
            end=time.time(),
        )
    policy = scripted(
        {"canary-10-inconclusive": ("bob", "reject", "no metrics, no launch")}, approve_all()
    )
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("GOLIVE_PRODUCTION_METRICS_URL", dead)
        result = run_launch("v3.4.0", plan=plan, policy=policy, timeout=240)
    assert result.state.is_failed()
    assert "inconclusive at 10 % rollout" in result.message, result.message
    asked = [pending.pause_key for pending, _, _ in result.answered]
    assert "canary-10-inconclusive" in asked, asked
    assert with_users.routing()["weights"] == {"stable": 100, "canary": 0}


def test_without_users_the_probe_is_the_floor(
    sandbox: manager.Sandbox, prefect_api, tmp_path: Path
) -> None:  # noqa: ANN001
    """No users at all: Prometheus counts only what golive itself sends, too little at 10 %; with
    `floor: probe` the probe's verdict decides the thin evaluations, and the launch completes."""
    ensure_sandbox_blocks(sandbox.environment())
    plan = plan_variant(
        tmp_path,
        metrics={
            "kind": "prometheus",
            "prometheus": {**PROMETHEUS["prometheus"], "floor": "probe"},
        },
        canary__bake="2s",
        canary__evaluation_interval="1s",
    )
    result = run_launch("v3.5.0", plan=plan, timeout=240)
    assert result.state.is_completed(), result.message
    stage = artifacts_of(result.state.state_details.flow_run_id)["gate-c-v3-5-0"].data
    # a thin window was decided by the probe ("probe (floor): ..." in its row); the floor's own
    # requests are counted by Prometheus too, so the window after it may not be thin
    assert "probe (floor): " in stage, stage
