"""The launch: the runbook as one Prefect flow. Its deployment is `golive/launch`.

    prefect deployment run golive/launch -p release=v1.4.0 -p driver=dana -p plan=golive-plan/statusboard-v2

Each gate is a subflow named like the runbook's section, so the run's graph in the UI
reads top to bottom like the run sheet: pre-flight, Gate A (staging), Gate B
(production prep), the production deploy, the canary gates C–F, promotion, Gate G
(stabilization) and post-launch (reports). The first failed gate fails the launch with
the runbook's announcement ("Gate A FAILED - ..."). Every gate's start and end goes to
the launch's timeline in S3 as it happens, each milestone is announced through the
plan's notification blocks, and the state hooks dispatch a rollback if the launch
fails, crashes or is cancelled after production was touched.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from typing import Any

from prefect import flow, get_run_logger
from prefect.context import get_run_context

from blocks.plan import LaunchPlan
from flows import launch_hooks
from flows.api_watchdog import watching_the_api
from flows.canary import run_canary
from flows.errors import GateFailed
from flows.gate_a import gate_a_staging
from flows.gate_b import gate_b_production_prep
from flows.gate_g import gate_g_stabilization
from flows.heartbeats import subflows_without_heartbeats
from flows.launch_plan import read_launch_plan
from flows.notify import announce
from flows.post_launch import post_launch, publish_reports
from flows.preflight import preflight
from flows.production_deploy import production_deploy
from flows.production_lease import holding_the_production
from flows.promote import promote
from flows.scribe import Scribe, record, scribing
from golive.core.checks import CheckResult
from golive.core.formatting import shorten
from golive.core.messages import gate_values, measured_values
from golive.core.timeline import PRODUCTION_TOUCHED
from tasks.plan_store import keep_launch_plan

RECORD_LIMIT, MESSAGE_LIMIT = 1000, 500  # characters of a reason on the timeline, in a message


@contextmanager
def gate(
    plan: LaunchPlan, release: str, name: str, announce_pass: bool = False
) -> Iterator[dict[str, Any]]:
    """Record the gate's start and end on the timeline; announce its result in the runbook's words.

    The body may put the gate's checks in the yielded dict: they go to the timeline (the
    UAT summary reads Gate A's) and their numbers into the announcement.
    """
    # The production deploy's start is the marker a later rollback relies on: it must be written.
    record("gate", "started", f"{name} started", gate=name, required=name == PRODUCTION_TOUCHED[2])
    outcome: dict[str, Any] = {}
    try:
        yield outcome
    except GateFailed as failure:
        # the checks that stopped the gate go with its failure: the incident report shows their numbers
        record(
            "gate",
            "failed",
            shorten(failure, RECORD_LIMIT),
            gate=name,
            data={"checks": [c.model_dump() for c in failure.checks]} if failure.checks else None,
        )
        if (
            failure.gate == name
        ):  # canary and Gate G failures announce themselves, with their numbers
            announce(
                plan,
                release,
                "gate_failed",
                {
                    **measured_values(plan, failure.checks),
                    "gate": name,
                    "reason": shorten(failure.reason, MESSAGE_LIMIT),
                },
                gate=name,
            )
        raise
    except BaseException as error:
        record("gate", "failed", shorten(error, RECORD_LIMIT) or type(error).__name__, gate=name)
        raise
    checks: list[CheckResult] = outcome.get("checks", [])
    record(
        "gate",
        "passed",
        f"{name} passed",
        gate=name,
        data={"checks": [c.model_dump() for c in checks]},
    )
    if announce_pass:
        measured = measured_values(plan, checks)
        announce(
            plan, release, "gate_passed", {**measured, **gate_values(name, measured)}, gate=name
        )


@flow(
    name="golive",
    flow_run_name="launch {release} by {driver}",
    log_prints=True,
    on_failure=[launch_hooks.on_failure],
    on_crashed=[launch_hooks.on_crashed],
    on_cancellation=[launch_hooks.on_cancellation],
)
def golive(release: str, driver: str, plan: str | None = None, queue: bool = False) -> str:
    """Launch `release` following the plan's gates. `driver` runs the launch and may not approve it.

    `plan` is a stored plan (`golive-plan/<name>`) or a path every worker can read; the launch
    keeps the exact text it ran for its rollbacks. One launch holds a production at a time:
    another is refused at pre-flight, or with `queue` waits for it."""
    logger = get_run_logger()
    launch_plan, plan_text = read_launch_plan(plan)
    launch_id = str(get_run_context().flow_run.id)
    kept = keep_launch_plan(launch_id, plan_text)  # before any change: rollbacks read it
    with (
        scribing(Scribe.for_plan(launch_plan, launch_id, release)) as scribe,
        watching_the_api(scribe),
        subflows_without_heartbeats(),
        ExitStack() as held,  # production's lease, from pre-flight to the launch's last step
    ):
        scribe.record(
            "launch",
            "started",
            f"{launch_plan.app} GO-LIVE initiated: release {release}",
            actor=driver,
            data={
                "plan": plan,
                "plan_sha256": plan_text.sha256,
                "plan_copy": kept,
                "driver": driver,
            },
        )
        logger.info("Plan: %s, kept as %s", plan_text.short, kept)
        announce(launch_plan, release, "kickoff", {"driver": driver, "launch": launch_id})
        try:
            _run_gates(launch_plan, release, driver, launch_id, held, queue)
        except BaseException as error:
            gate_name = error.gate if isinstance(error, GateFailed) else "unknown"
            reason = error.reason if isinstance(error, GateFailed) else type(error).__name__
            scribe.record(
                "launch",
                "failed",
                shorten(error, RECORD_LIMIT) or type(error).__name__,
                actor=driver,
                data={"reason": shorten(reason, RECORD_LIMIT), "gate": gate_name},
            )
            if isinstance(error, Exception):  # not on cancellation/kill: the process is going away
                announce(
                    launch_plan,
                    release,
                    "launch_failed",
                    {"gate": gate_name, "reason": shorten(reason, MESSAGE_LIMIT)},
                )
                # the incident's report; the on_failure hook, which writes after it, rewrites it
                _reports(launch_plan, release, launch_id, rewrite=False)
            raise
        logger.info("%s %s: launch complete.", launch_plan.app, release)
        scribe.record(
            "launch", "completed", f"{launch_plan.app} {release}: launch complete", actor=driver
        )
        announce(launch_plan, release, "launch_success")
        _reports(launch_plan, release, launch_id)
    return f"{launch_plan.app} {release}: rolled out to 100 % and stable"


def _run_gates(
    plan: LaunchPlan, release: str, driver: str, launch_id: str, held: ExitStack, queue: bool
) -> None:
    logger = get_run_logger()
    with gate(plan, release, "Pre-flight"):
        held.enter_context(holding_the_production(plan, release, driver, launch_id, queue))
        preflight(plan, release, driver)
    logger.info("PROCEEDING TO GATE A")
    with gate(plan, release, "Gate A", announce_pass=True) as outcome:
        gate_a = outcome["checks"] = gate_a_staging(plan, release, driver)
    with gate(plan, release, "Gate B", announce_pass=True) as outcome:
        outcome["checks"] = gate_b_production_prep(plan, release, driver, gate_a)
    with gate(plan, release, PRODUCTION_TOUCHED[2]) as outcome:
        manifest = production_deploy(plan, release, launch_id)
    run_canary(
        plan,
        release,
        driver,
        manifest.live_api_release or manifest.live_release,
        live_slot=manifest.live_slot,
        live_site_release=manifest.live_release,
    )
    with gate(plan, release, "Promote") as outcome:
        outcome["checks"] = promote(plan, release, manifest.live_slot)
    with gate(plan, release, "Gate G") as outcome:
        outcome["checks"] = gate_g_stabilization(plan, release, driver, manifest)


def _reports(plan: LaunchPlan, release: str, launch_id: str, rewrite: bool = True) -> None:
    """Post-launch documents; their failure is logged, never what the launch is judged by.

    They are rewritten by whoever writes to the launch's record last: the launch itself after
    a success (`rewrite`), the state hook after a failure, each rollback run when it ends."""
    try:
        with gate(plan, release, "Post-launch"):
            post_launch(plan, release, launch_id)
    except Exception as error:  # noqa: BLE001
        get_run_logger().error(
            "post-launch reports not written: %s: %s", type(error).__name__, error
        )
    if not rewrite:
        return
    # Written from inside Post-launch, they show it in progress: rewrite them now its end is recorded.
    try:
        publish_reports(plan, release, launch_id)
    except Exception as error:  # noqa: BLE001
        get_run_logger().error(
            "post-launch reports not rewritten: %s: %s", type(error).__name__, error
        )
