"""Layer 2 of rollback: the launch flow's state hooks dispatch the `rollback/full` deployment.

`on_failure` runs in the launch's process; `on_crashed` and `on_cancellation` may run
in the worker, after the launch's process is gone, possibly from async code. So the
hooks use the synchronous client explicitly (no `run_deployment`, whose sync/async
dispatch depends on the caller) and create a *separate* flow run (not a subflow: the
launch is finishing) with an idempotency key per launch, so firing twice makes one run.

A launch that never reached production (it stopped at pre-flight, Gate A or Gate B)
dispatches nothing and records why. If the timeline cannot be read, the hook dispatches
anyway and the rollback flow decides (it checks the same record, under its lock). Then
the hook rewrites the launch's reports: its entries came after the launch wrote them.

Whatever it dispatches, the hook marks the launch's subflows and tasks that are still
Running, Pending or Paused as Crashed (Cancelled, for a cancelled launch): the launch's
process is gone and nobody else would end them. Reasons name the launch by app, release
and driver, not by Prefect's generated run name.
"""

from __future__ import annotations

import logging
from typing import Any

from prefect.client.orchestration import get_client
from prefect.exceptions import ObjectNotFound

from blocks.plan import LaunchPlan
from flows.launch_plan import plan_of_launch
from flows.scribe import Scribe
from golive.core.formatting import shorten
from golive.core.messages import launch_label, orphan_reason
from golive.core.timeline import last_gate, touched_production
from tasks.child_runs import settle_orphans
from tasks.plan_store import launch_plan_copy

ROLLBACK_DEPLOYMENT = "rollback/full"
REASON_LIMIT = 300
logger = logging.getLogger("golive.hooks")


def idempotency_key(launch: str) -> str:
    return f"golive-rollback-{launch}"


def dispatch_rollback(flow_run: Any, state: Any, hook: str) -> str | None:
    """Create the rollback run (once per launch); returns its id, or None when none is needed."""
    parameters = dict(flow_run.parameters or {})
    plan, launch = str(parameters.get("plan") or ""), str(flow_run.id)
    release, driver = str(parameters.get("release", "?")), str(parameters.get("driver", ""))
    actor = f"launch hook {hook}"
    scribe: Scribe | None = None
    entries = None
    launch_plan: LaunchPlan | None = None
    if not plan and launch_plan_copy(launch) is None:
        # no plan was given and none kept: the launch stopped before it could read one, so it
        # cannot have touched production (and there is no production to name)
        logger.info("launch %s had no plan: nothing to roll back", launch)
        return None
    try:
        launch_plan, plan_text = plan_of_launch(launch, plan)
        plan = plan_text.ref  # the rollback reads the launch's own copy when it kept one
        scribe = Scribe.for_plan(launch_plan, launch, release)
        entries = scribe.read()
        scribe.record(
            "launch",
            state.type.value.lower(),
            shorten(f"launch {state.name}: {state.message or 'no message'}", 500),
            actor=actor,
        )
    except Exception as error:  # unknown is not "untouched": fall through and dispatch
        logger.warning(
            "could not read launch %s's timeline (%s); dispatching the rollback anyway",
            launch,
            type(error).__name__,
        )
    named = launch_label(release, driver, launch_plan.app if launch_plan else "")
    reason = shorten(
        f"launch of {named} {state.name}: {state.message or 'no message'}", REASON_LIMIT
    )
    if scribe is not None and entries is not None and not touched_production(entries):
        scribe.record(
            "rollback",
            "not_needed",
            f"no rollback dispatched: the launch stopped at {last_gate(entries)}, before production was touched",
            actor=actor,
        )
        _after(launch, state, named, launch_plan, release)
        return None
    run_id = _dispatch(launch, plan, reason, actor, hook, scribe)
    _after(launch, state, named, launch_plan, release)
    return run_id


def _dispatch(
    launch: str, plan: str, reason: str, actor: str, hook: str, scribe: Scribe | None
) -> str | None:
    with get_client(sync_client=True) as client:
        try:
            deployment = client.read_deployment_by_name(ROLLBACK_DEPLOYMENT)
        except ObjectNotFound:
            logger.error(
                "%s is not deployed on this server: no rollback dispatched by %s",
                ROLLBACK_DEPLOYMENT,
                hook,
            )
            if scribe is not None:
                scribe.record(
                    "rollback",
                    "not_dispatched",
                    f"{ROLLBACK_DEPLOYMENT} is not deployed on this server",
                    actor=actor,
                )
            return None
        run = client.create_flow_run_from_deployment(
            deployment.id,
            idempotency_key=idempotency_key(launch),
            parameters={"reason": reason, "plan": plan, "launch": launch, "triggered_by": actor},
        )
    if scribe is not None:
        scribe.record(
            "rollback",
            "dispatched",
            f"{ROLLBACK_DEPLOYMENT} dispatched (run {run.id})",
            actor=actor,
            data={"rollback_run": str(run.id)},
        )
    return str(run.id)


def _after(launch: str, state: Any, named: str, plan: LaunchPlan | None, release: str) -> None:
    """After the rollback is on its way: end the launch's orphaned runs, and rewrite the reports
    (the launch wrote them before this hook's entries; a rollback run rewrites them again when it
    ends). Failures are logged only."""
    try:
        marked = settle_orphans(launch, state.name, orphan_reason(named, state.name))
        if marked:
            logger.info(
                "marked %d run(s) of launch %s %s: %s",
                len(marked),
                launch,
                state.name,
                ", ".join(marked),
            )
    except Exception as error:  # noqa: BLE001 - the UI's tidiness must not stop the rollback's record
        logger.warning("could not end launch %s's orphaned runs: %s", launch, type(error).__name__)
    if plan is None:
        return
    try:
        from flows.post_launch import (
            publish_reports,
        )  # pandas: only when there is a report to write

        publish_reports(plan, release, launch)
    except Exception as error:  # noqa: BLE001
        logger.warning(
            "launch %s's reports not rewritten: %s: %s", launch, type(error).__name__, error
        )


def on_failure(flow: Any, flow_run: Any, state: Any) -> None:
    dispatch_rollback(flow_run, state, "on_failure")


def on_crashed(flow: Any, flow_run: Any, state: Any) -> None:
    dispatch_rollback(flow_run, state, "on_crashed")


def on_cancellation(flow: Any, flow_run: Any, state: Any) -> None:
    dispatch_rollback(flow_run, state, "on_cancellation")
