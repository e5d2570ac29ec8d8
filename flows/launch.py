"""The launch: the runbook as one Prefect flow. Its deployment is `golive/launch`.

    prefect deployment run golive/launch -p release=v1.4.0 -p driver=dana

Each gate is a subflow named like the runbook's section, so the run's graph in the UI
reads top to bottom like the run sheet. The first failed gate fails the launch with the
runbook's announcement ("Gate A FAILED - ...").
"""

from __future__ import annotations

import os
from pathlib import Path

from prefect import flow, get_run_logger
from prefect.context import get_run_context

from blocks.plan import LaunchPlan, PlanError
from flows.errors import GateFailed
from flows.canary import production_deploy, promote, run_canary
from flows.gate_a import gate_a_staging
from flows.gate_b import gate_b_production_prep
from flows.preflight import preflight
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


@flow(name="golive", flow_run_name="launch {release} by {driver}", log_prints=True)
def golive(release: str, driver: str, plan: str = DEFAULT_PLAN) -> str:
    """Launch `release` following the plan's gates. `driver` runs the launch and may not approve it."""
    logger = get_run_logger()
    launch_plan = load_launch_plan(plan)
    logger.info("%s GO-LIVE initiated: release %s, driver %s, plan %s", launch_plan.app, release, driver, plan)
    preflight(launch_plan, release, driver)
    logger.info("PROCEEDING TO GATE A")
    gate_a = gate_a_staging(launch_plan, release, driver)
    logger.info("Gate A PASSED - staging validation complete. Proceeding to Gate B.")
    gate_b_production_prep(launch_plan, release, driver, gate_a)
    logger.info("Gate B PASSED - Production environment ready. Proceeding to deployment.")
    production_deploy(launch_plan, release, str(get_run_context().flow_run.id))
    run_canary(launch_plan, release, driver)
    promote(launch_plan, release)
    logger.info("%s %s: 100 %% rollout complete and promoted.", launch_plan.app, release)
    return f"{launch_plan.app} {release}: rolled out to 100 %"
