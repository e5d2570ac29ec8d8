"""Loading the launch plan inside a flow run: relative paths from the repo, errors as a failed gate."""

from __future__ import annotations

import os
from pathlib import Path

from blocks.plan import LaunchPlan, PlanError
from flows.errors import GateFailed
from tasks.plan_blocks import load_plan_with_blocks

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_PLAN = "plans/sandbox.yaml"


def resolve_plan_path(plan: str) -> Path:
    """Relative plan paths are tried from the working directory, then from the repo root."""
    path = Path(plan)
    if path.is_absolute() or path.exists():
        return path
    return REPO_ROOT / path


def load_launch_plan(plan: str) -> LaunchPlan:
    try:
        return load_plan_with_blocks(resolve_plan_path(plan), env=os.environ)
    except PlanError as error:
        raise GateFailed("Pre-flight", f"the launch plan is invalid:\n{error}") from None
