"""plans/rehearsal.yaml is plans/sandbox.yaml with shorter timings and smaller volumes, nothing else:
a test or a dry run on it exercises the same checks, SLOs, rollout steps, roles and scenarios."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from blocks.plan import load_plan

PLANS = Path(__file__).resolve().parents[2] / "plans"
# what a rehearsal may change: timings, volumes, and the number of UAT sign-offs (the plan needs one)
MAY_DIFFER = {
    ("roles", "uat_signers"),
    ("probe", "requests_per_evaluation"),
    ("probe", "concurrency"),
    ("canary", "bake"),
    ("canary", "evaluation_interval"),
    ("stabilization", "window"),
    ("stabilization", "checkpoint_interval"),
    ("approvals", "poll_interval"),
}


def differences(a: Any, b: Any, path: tuple[str, ...] = ()) -> set[tuple[str, ...]]:
    if isinstance(a, dict) and isinstance(b, dict):
        return {
            d
            for key in a.keys() | b.keys()
            for d in differences(a.get(key), b.get(key), (*path, key))
        }
    return set() if a == b else {path}


def test_the_rehearsal_differs_from_the_sandbox_plan_in_timings_and_volumes_only() -> None:
    sandbox = yaml.safe_load((PLANS / "sandbox.yaml").read_text())
    rehearsal = yaml.safe_load((PLANS / "rehearsal.yaml").read_text())
    assert differences(sandbox, rehearsal) <= MAY_DIFFER
    assert set(rehearsal["roles"]["uat_signers"]) <= set(sandbox["roles"]["uat_signers"])


def test_the_rehearsal_plan_loads_and_each_canary_step_passes_on_one_evaluation() -> None:
    plan = load_plan(PLANS / "rehearsal.yaml", env={})
    assert plan.canary.bake == plan.canary.evaluation_interval
    assert (
        plan.stabilization.window == plan.stabilization.checkpoint_interval
    )  # one Gate G checkpoint
    assert len(plan.roles.uat_signers) == 1
