"""The launch: the runbook as one Prefect flow. Its deployment is `golive/launch`.

    prefect deployment run golive/launch -p release=v1.4.0 -p driver=dana

Each gate is a subflow named like the runbook's section, so the run's graph in the UI
reads top to bottom like the run sheet. The first failed gate fails the launch with the
runbook's announcement ("Gate A FAILED - ..."). Every gate's start and end goes to the
launch's timeline in S3 as it happens; the state hooks dispatch a rollback if the
launch fails, crashes or is cancelled after production was touched.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

from prefect import flow, get_run_logger
from prefect.context import get_run_context

from flows import launch_hooks
from flows.canary import production_deploy, promote, run_canary
from flows.gate_a import gate_a_staging
from flows.gate_b import gate_b_production_prep
from flows.launch_plan import DEFAULT_PLAN, load_launch_plan, resolve_plan_path  # noqa: F401 (re-exported)
from flows.preflight import preflight
from flows.scribe import PRODUCTION_TOUCHED, Scribe, record, scribing


@contextmanager
def gate(name: str) -> Iterator[None]:
    """Record the gate's start and its end (passed, or failed with the reason) on the timeline."""
    # The production deploy's start is the marker a later rollback relies on: it must be written.
    required = name == PRODUCTION_TOUCHED[2]
    record("gate", "started", f"{name} started", gate=name, required=required)
    try:
        yield
    except BaseException as error:
        record("gate", "failed", str(error)[:1000] or type(error).__name__, gate=name)
        raise
    record("gate", "passed", f"{name} passed", gate=name)


@flow(name="golive", flow_run_name="launch {release} by {driver}", log_prints=True,
      on_failure=[launch_hooks.on_failure], on_crashed=[launch_hooks.on_crashed],
      on_cancellation=[launch_hooks.on_cancellation])
def golive(release: str, driver: str, plan: str = DEFAULT_PLAN) -> str:
    """Launch `release` following the plan's gates. `driver` runs the launch and may not approve it."""
    logger = get_run_logger()
    launch_plan = load_launch_plan(plan)
    launch_id = str(get_run_context().flow_run.id)
    with scribing(Scribe.for_plan(launch_plan, launch_id, release)) as scribe:
        scribe.record("launch", "started", f"{launch_plan.app} GO-LIVE initiated: release {release}", actor=driver,
                      data={"plan": plan, "driver": driver})
        try:
            logger.info("%s GO-LIVE initiated: release %s, driver %s, plan %s", launch_plan.app, release, driver,
                        plan)
            with gate("Pre-flight"):
                preflight(launch_plan, release, driver)
            logger.info("PROCEEDING TO GATE A")
            with gate("Gate A"):
                gate_a = gate_a_staging(launch_plan, release, driver)
            logger.info("Gate A PASSED - staging validation complete. Proceeding to Gate B.")
            with gate("Gate B"):
                gate_b_production_prep(launch_plan, release, driver, gate_a)
            logger.info("Gate B PASSED - Production environment ready. Proceeding to deployment.")
            with gate(PRODUCTION_TOUCHED[2]):
                production_deploy(launch_plan, release, launch_id)
            run_canary(launch_plan, release, driver)
            with gate("Promote"):
                promote(launch_plan, release)
        except BaseException as error:
            scribe.record("launch", "failed", str(error)[:1000] or type(error).__name__, actor=driver)
            raise
        logger.info("%s %s: 100 %% rollout complete and promoted.", launch_plan.app, release)
        scribe.record("launch", "completed", f"{launch_plan.app} {release}: rolled out to 100 %", actor=driver)
    return f"{launch_plan.app} {release}: rolled out to 100 %"
