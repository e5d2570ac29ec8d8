"""Loading the launch plan inside a flow run: stored or a file, errors as a failed gate."""

from __future__ import annotations

import os
from pathlib import Path

from blocks.plan import NO_PLAN, LaunchPlan, PlanError, PlanText
from flows.errors import GateFailed
from tasks.plan_blocks import load_plan_with_blocks
from tasks.plan_store import launch_plan_copy, read_plan_text

REPO_ROOT = Path(__file__).resolve().parent.parent


def read_launch_plan(plan: str | None, gate: str = "Pre-flight") -> tuple[LaunchPlan, PlanText]:
    """The plan a reference names (`golive-plan/<name>` or a file) and its exact text.
    No reference, or a plan that cannot be read or is invalid, fails `gate`."""
    if not plan:
        raise GateFailed(gate, NO_PLAN)
    try:
        text = read_plan_text(plan, REPO_ROOT)
        return load_plan_with_blocks(text, env=os.environ), text
    except PlanError as error:
        raise GateFailed(gate, f"the launch plan is invalid:\n{error}") from None


def load_launch_plan(plan: str | None, gate: str = "Pre-flight") -> LaunchPlan:
    return read_launch_plan(plan, gate)[0]


def plan_of_launch(
    launch: str | None, plan: str | None, gate: str = "Rollback"
) -> tuple[LaunchPlan, PlanText]:
    """The plan a rollback judges production by: the copy the launch kept of the plan it ran,
    else the plan given (a launch that kept none stopped before it could touch production)."""
    if launch and (kept := launch_plan_copy(launch)) is not None:
        try:
            return load_plan_with_blocks(kept, env=os.environ), kept
        except PlanError as error:
            raise GateFailed(
                gate, f"the plan launch {launch} ran is invalid now:\n{error}"
            ) from None
    if not plan:
        raise GateFailed(
            gate,
            NO_PLAN
            + (f"; launch {launch} kept no copy of its plan" if launch else "")
            + " (the plan locates production and its latest backup manifest)",
        )
    return read_launch_plan(plan, gate)
