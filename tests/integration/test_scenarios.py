"""Gate G's end-to-end scenarios against the sandbox's production: green when healthy, each
breakage named by scenario and step."""

from __future__ import annotations

from blocks.plan import LaunchPlan
from sandbox import manager
from tasks.scenarios import run_scenarios


def test_every_runbook_flow_passes_on_a_healthy_production(
    plan: LaunchPlan, sandbox: manager.Sandbox
) -> None:
    results = run_scenarios(plan, plan.environments.production)
    assert [r.name for r in results] == [f"scenario: {s.name}" for s in plan.scenarios]
    assert all(r.status == "pass" for r in results), [
        (r.name, r.detail) for r in results if not r.ok
    ]
    # the status change was put back: the board is as seeded
    again = run_scenarios(plan, plan.environments.production)
    assert all(r.ok for r in again)


def test_a_broken_stats_endpoint_fails_only_the_flows_that_use_it(
    plan: LaunchPlan, sandbox: manager.Sandbox
) -> None:
    sandbox.set_fault("stable", endpoint="stats", error_rate=1.0)
    results = {r.name: r for r in run_scenarios(plan, plan.environments.production)}
    broken = results["scenario: stats-agree-with-board"]
    assert broken.status == "fail"
    assert broken.value == "step 2 of 2 failed" and "status 500, expected 200" in broken.detail
    assert all(r.ok for name, r in results.items() if name != "scenario: stats-agree-with-board")


def test_a_board_that_ignores_moves_fails_the_status_change_flow(
    plan: LaunchPlan, sandbox: manager.Sandbox
) -> None:
    sandbox.set_fault("stable", endpoint="status", error_rate=1.0)
    results = {r.name: r for r in run_scenarios(plan, plan.environments.production)}
    assert results["scenario: status-change-visible"].status == "fail"
    assert "status 500" in results["scenario: status-change-visible"].detail
