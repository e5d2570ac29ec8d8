"""The runbook's `./rollback.sh MODE --reason ...` as deployments, usable with no launch running:

    prefect deployment run rollback/emergency -p reason="SLO breach at 30 %"
    prefect deployment run rollback/full      -p reason="Post-launch instability"
    prefect deployment run rollback/validate  -p reason="after the incident"

They find the latest backup manifest in the production bucket. emergency: traffic to
stable, verify. full: also restore every origin path from the manifest, invalidate,
verify the previous release is served everywhere. validate: production serves the
previous release, health 200, the SLO probe passes, alarms OK.

The launch's state hooks and the server's automation run `rollback/full` with the
launch's id (`launch`) and who they are (`triggered_by`). A launch that stopped before
production was touched (pre-flight, Gate A, Gate B) gets a recorded no-op: rolling
production back then would undo the *previous* launch. Every run writes to the launch's
timeline, so the record says who triggered what and what was done.

A run that acts announces it through the plan's notification blocks (started, then
complete or FAILED): after a crash nobody else tells the channel. A no-op says nothing
(the run that acted has spoken). When it ends, the run marks a crashed or cancelled
launch's orphaned subflows and tasks Crashed/Cancelled, and rewrites the launch's report
bundle so its rollbacks are in it.
"""

from __future__ import annotations

from typing import Literal
from uuid import UUID

import httpx
from prefect import flow, get_run_logger
from prefect.client.orchestration import get_client
from prefect.context import get_run_context

from blocks.plan import LaunchPlan
from flows.artifacts import publish_checks
from flows.errors import GateFailed
from flows.launch_plan import plan_of_launch
from flows.notify import announce
from flows.rollback import rollback_in_launch, verify_release
from flows.scribe import Scribe, scribing
from golive.core.alarms import alarm_checks
from golive.core.checks import CheckResult, failed, failure_summary
from golive.core.messages import launch_label, orphan_reason
from golive.core.timeline import TimelineEntry, last_gate, touched_production
from tasks.aws import aws_client
from tasks.backup import BackupManifest, latest_manifest
from tasks.child_runs import settle_orphans
from tasks.plan_store import launch_plan_copy

Mode = Literal["emergency", "full", "validate"]


@flow(name="rollback", flow_run_name="Rollback — {mode}: {reason}", log_prints=True)
def rollback(
    reason: str,
    mode: Mode = "emergency",
    plan: str | None = None,
    launch: str | None = None,
    triggered_by: str = "operator",
) -> str:
    """Roll production back to the release in the latest backup manifest (or validate that it is).

    Production is judged by the plan `launch` ran (the copy it kept); with no launch named, by
    the plan recorded with the latest backup manifest. `plan` (a stored plan or a path) locates
    production when no launch is named, and stands in for a launch that kept no copy."""
    gate = "Rollback validation" if mode == "validate" else "Rollback"
    if launch and not plan and mode != "validate" and launch_plan_copy(launch) is None:
        # a launch keeps its plan before anything else: one that kept none never got near production
        note = (
            f"no-op: launch {launch} kept no plan, so it stopped before it could touch production"
        )
        get_run_logger().info(note)
        return note
    launch_plan, plan_text = plan_of_launch(launch or None, plan or None, gate)
    production = launch_plan.environments.production
    s3 = aws_client("s3", production)
    manifest = latest_manifest(s3, production.bucket)
    if not launch and manifest is not None and manifest.plan_copy not in (None, plan_text.ref):
        launch_plan, plan_text = plan_of_launch(manifest.launch, plan, gate)
    get_run_logger().info("Rollback (%s) judged by the plan %s", mode, plan_text.short)
    if mode == "validate":
        if manifest is None:
            raise GateFailed(
                "Rollback validation",
                f"no backup manifest in s3://{production.bucket}/golive/backups/",
            )
        return validate(launch_plan, manifest, reason)
    scribe = Scribe(
        launch=launch or (manifest.launch if manifest else "unknown"),
        release=manifest.release if manifest else "?",
        bucket=production.bucket,
        s3=s3,
    )
    entries = scribe.read() if launch else []
    if entries:
        scribe.release = entries[0].release
    try:
        with scribing(scribe):
            return _roll_back(
                launch_plan, scribe, entries, manifest, reason, mode, launch, triggered_by
            )
    finally:  # also after a failed rollback: its record must reach the report
        _afterwards(launch_plan, scribe, entries, launch)


def _roll_back(
    plan: LaunchPlan,
    scribe: Scribe,
    entries: list[TimelineEntry],
    manifest: BackupManifest | None,
    reason: str,
    mode: Mode,
    launch: str | None,
    triggered_by: str,
) -> str:
    logger = get_run_logger()
    production = plan.environments.production
    run_id = str(get_run_context().flow_run.id)
    scribe.record(
        "rollback",
        "requested",
        f"{mode} rollback requested by {triggered_by}: {reason}",
        actor=triggered_by,
        data={"mode": mode, "reason": reason, "rollback_run": run_id},
    )
    if (
        launch
        and not touched_production(entries)
        and (manifest is None or manifest.launch != launch)
    ):
        note = (
            f"no-op: the launch of {launch_named(plan, entries)} ({launch}) stopped at {last_gate(entries)} "
            "before production was touched; nothing to roll back (a rollback now would undo the previous "
            "launch)"
        )
        logger.info(note)
        scribe.record("rollback", "noop", note, actor=triggered_by, data={"mode": mode})
        publish_checks(
            f"rollback-{mode}",
            scribe.release,
            f"Rollback ({mode}) · {scribe.release}",
            [
                CheckResult(
                    name="production touched by the launch",
                    status="pass",
                    value="no",
                    threshold="-",
                    detail=note,
                )
            ],
            f"Reason: {reason}",
        )
        return note
    said = {"mode": mode.capitalize(), "reason": reason, "triggered_by": triggered_by}
    if manifest is None:
        failure = (
            f"no backup manifest in s3://{production.bucket}/golive/backups/: nothing recorded to roll back "
            "to (fails closed)"
        )
        scribe.record(
            "rollback",
            "failed",
            "no backup manifest: nothing recorded to roll back to",
            actor=triggered_by,
        )
        announce(plan, scribe.release, "rollback_failed", {**said, "failure": failure})
        raise GateFailed("Rollback", failure)
    # the start is announced inside, once it is known that this run acts (not a no-op)
    outcome = rollback_in_launch(
        plan,
        manifest.release,
        reason,
        mode=mode,
        manifest=manifest if mode == "full" else None,
        actor=triggered_by,
        announce_start=True,
    )
    if not outcome.effective:
        return outcome.note  # the rollback that acted has spoken
    said["restored_release"] = manifest.live_release
    if bad := failed(outcome.checks):
        failure = f"ran but verification failed: {failure_summary(bad)}"
        announce(plan, manifest.release, "rollback_failed", {**said, "failure": failure})
        raise GateFailed("Rollback", failure)
    announce(plan, manifest.release, "rollback_complete", said)
    return (
        f"{mode} rollback of {manifest.release} complete: production serves {manifest.live_release}"
    )


def launch_named(plan: LaunchPlan, entries: list[TimelineEntry]) -> str:
    """'StatusBoardV2 v1.4.0 by dana', from the launch's own record."""
    started = next((e for e in entries if e.kind == "launch" and e.event == "started"), None)
    release = entries[0].release if entries else "?"
    return launch_label(release, started.actor if started else "", plan.app)


def _afterwards(
    plan: LaunchPlan, scribe: Scribe, entries: list[TimelineEntry], launch: str | None
) -> None:
    """End a dead launch's orphaned runs, and rewrite the launch's reports with this rollback in them.
    After the rollback, never instead of it: failures here are logged, not raised."""
    logger = get_run_logger()
    if launch:
        try:
            with get_client(sync_client=True) as client:
                state = client.read_flow_run(UUID(launch)).state
            if state is not None and (state.is_crashed() or state.is_cancelled()):
                settle_orphans(
                    launch, state.name, orphan_reason(launch_named(plan, entries), state.name)
                )
        except Exception as error:  # noqa: BLE001
            logger.warning(
                "could not end launch %s's orphaned runs: %s", launch, type(error).__name__
            )
    if scribe.launch == "unknown":
        return
    try:
        from flows.post_launch import publish_reports  # pandas: only once users are safe

        publish_reports(plan, scribe.release, scribe.launch)
    except Exception as error:  # noqa: BLE001
        logger.warning(
            "launch %s's reports not rewritten: %s: %s", scribe.launch, type(error).__name__, error
        )


def validate(plan: LaunchPlan, manifest: BackupManifest, reason: str) -> str:
    # Imported here: pandas and scipy take seconds to load, and an emergency rollback must not wait for them.
    from tasks.metrics.cloudwatch import alarm_states
    from tasks.metrics.confirmed import confirmed_slo_checks

    production = plan.environments.production
    checks = verify_release(plan, manifest.live_release, manifest.live_api_release)
    health = httpx.get(production.api_base_url + production.health_path, timeout=10).status_code
    checks.append(
        CheckResult(
            name="production health",
            status="pass" if health == 200 else "fail",
            value=str(health),
            threshold="200",
        )
    )
    checks += confirmed_slo_checks(plan, production)[0]
    checks += alarm_checks(alarm_states(production))
    publish_checks(
        "rollback-validate",
        manifest.release,
        f"Rollback validation · {manifest.release}",
        checks,
        f"Reason: {reason}",
    )
    if failed(checks):
        raise GateFailed("Rollback validation", failure_summary(checks))
    return f"validated: production serves {manifest.live_release}, healthy, SLOs and alarms green"
