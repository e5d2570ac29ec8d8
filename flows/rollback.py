"""The rollback subflow: traffic back to stable first (seconds), then verify that the edge
serves stable to every request; `full` also restores the origins from the backup manifest.

Every path that rolls back — a failed canary verdict in the launch, the launch's state
hooks, the server's automation, an operator — runs this subflow, under one lock per
production. Inside the lock it first looks: if users are already on the previous
release it records a no-op instead of acting, so two rollbacks of one launch give one
effective rollback and one recorded no-op.

With `announce_start`, a rollback that acts says so through the plan's notification blocks
(`rollback_started`) while it acts: users first, the channel a moment later, and a dead
chat never delays the rollback. A no-op says nothing.
"""

from __future__ import annotations

import concurrent.futures
import contextvars

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from pydantic import BaseModel

from blocks.plan import Environment, LaunchPlan
from flows.artifacts import publish_checks
from flows.notify import SEND_DEADLINE_S, announce
from flows.scribe import record
from flows.site_split import site_to_live
from golive.core.arms import ArmRule
from golive.core.checks import CheckResult
from golive.core.gate_checks import site_release_check
from golive.core.rollback_state import already_rolled_back, stale_origins
from tasks.api_release.registry import kind_for, slots_differ
from tasks.aws import aws_client
from tasks.aws_errors import retry_unless_denied
from tasks.backup import BackupManifest
from tasks.cloudfront import invalidate, origin_paths, point_origin
from tasks.frontend.registry import frontend_for
from tasks.rollback_lock import lock_name, production_rollback_lock
from tasks.served import api_releases, arm_classifier, site_reader_text, site_releases
from tasks.traffic.roles import router_in_roles
from tasks.traffic.verify import wait_for_share

VERIFY_REQUESTS = 200
_notices = concurrent.futures.ThreadPoolExecutor(
    max_workers=1, thread_name_prefix="golive-rollback-notice"
)


class RollbackOutcome(BaseModel):
    effective: bool  # False: production was already rolled back, nothing was changed for users
    note: str
    checks: list[CheckResult]

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.checks)


@task(
    name="traffic to stable",
    retries=3,
    retry_delay_seconds=1,
    retry_condition_fn=retry_unless_denied,
    cache_policy=NO_CACHE,
)
def traffic_to_stable(production: Environment, live_slot: str = "stable") -> str:
    """Every user to the slot that served them before the launch (`live_slot`, the router's name)."""
    change = router_in_roles(production, live_slot).set_canary_weight(0)
    slot = "" if live_slot == "stable" else f" (slot {live_slot} live again)"
    return f"canary {change.before} % -> {change.after} %{slot}" + (
        "" if change.changed else " (already at stable)"
    )


@task(
    name="restore origins",
    retries=3,
    retry_delay_seconds=2,
    retry_condition_fn=retry_unless_denied,
    cache_policy=NO_CACHE,
)
def restore_origins(
    production: Environment, distribution_id: str, paths: dict[str, str]
) -> list[str]:
    cloudfront = aws_client("cloudfront", production)
    changes = [
        point_origin(cloudfront, distribution_id, origin_id, path)
        for origin_id, path in paths.items()
    ]
    if any(c.changed for c in changes):
        invalidate(cloudfront, distribution_id)
    return [f"{c.origin_id}: {c.previous_path} -> {c.new_path}" for c in changes]


@task(
    name="read production state",
    retries=2,
    retry_delay_seconds=1,
    retry_condition_fn=retry_unless_denied,
    cache_policy=NO_CACHE,
)
def production_state(
    production: Environment, distribution_id: str, live_slot: str = "stable"
) -> tuple[dict[str, int], dict[str, str]]:
    """The weights in the launch's roles (stable = `live_slot`) and the origin paths."""
    return router_in_roles(production, live_slot).weights(), origin_paths(
        aws_client("cloudfront", production), distribution_id
    )


@task(
    name="read the site split",
    retries=2,
    retry_delay_seconds=1,
    retry_condition_fn=retry_unless_denied,
    cache_policy=NO_CACHE,
)
def site_split_active(plan: LaunchPlan) -> bool:
    """Does a frontend router send any viewer to a staged site? (False without one.)"""
    router = frontend_for(plan.environments.production)
    return router is not None and router.share().active


@task(name="verify canary share", cache_policy=NO_CACHE)
def verify_share(
    plan: LaunchPlan,
    percent: int,
    release: str,
    live_release: str | None,
    requests: int = VERIFY_REQUESTS,
) -> CheckResult:
    """The edge serves `percent` % canary (exactly none at 0 %), retried while the front door
    catches up. A response is the canary's or stable's by the plan's arms (golive/core/arms.py):
    one that names neither fails the check."""
    production = plan.environments.production
    rule = ArmRule.of(plan, release, live_release)
    observations = wait_for_share(
        production.api_base_url + production.health_path,
        arm_classifier(plan, rule),
        percent,
        float(plan.canary.share_tolerance),
        requests=requests,
        concurrency=plan.probe.concurrency,
        timeout=15 if percent == 0 else 10,
    )
    last = observations[-1]
    name = "edge serves stable only" if percent == 0 else f"edge serves {percent} % canary"
    return CheckResult(
        name=name,
        status="pass" if last.ok else "fail",
        value=f"{100 * last.fraction:.1f} % canary ({last.canary} of {last.n})",
        threshold="every response from stable" if percent == 0 else f"{percent} % ± tolerance",
        detail=f"{last.detail}; arms {rule.describe()}",
        samples=last.n,
    )


@task(name="verify the previous release is served", cache_policy=NO_CACHE)
def verify_release(
    plan: LaunchPlan, expected: str, expected_api: str | None = None
) -> list[CheckResult]:
    """The site (by its reader) and every API response name the release users had before."""
    production = plan.environments.production
    site = site_releases(plan, production, requests=50)
    checks = [site_release_check(site, expected, site_reader_text(plan))]
    if kind_for(plan).api_follows_release:
        wanted = expected_api or expected
        api = api_releases(plan, production.api_base_url, production.health_path, requests=50)
        checks.append(
            CheckResult(
                name=f"every API response from {wanted}",
                status="pass" if set(api) == {wanted} else "fail",
                value=", ".join(f"{k}: {v}" for k, v in api.items()),
                threshold=f"all {wanted} ({plan.release_header})",
                samples=sum(api.values()),
            )
        )
    return checks


@task(name="restore API slots", retries=1, retry_delay_seconds=2, cache_policy=NO_CACHE)
def restore_slots(plan: LaunchPlan, manifest: BackupManifest) -> list[CheckResult]:
    return kind_for(plan).restore(plan, manifest)


@flow(name="rollback", flow_run_name="Rollback — {mode} · {release}", log_prints=True)
def rollback_in_launch(
    plan: LaunchPlan,
    release: str,
    reason: str,
    mode: str = "emergency",
    manifest: BackupManifest | None = None,
    actor: str = "golive",
    announce_start: bool = False,
    live_release: str | None = None,
    live_slot: str = "stable",
) -> RollbackOutcome:
    """`live_release`: what stable serves, when no manifest says it (an emergency in the canary);
    `live_slot`: the router's name of the slot that served users, unless the manifest says it."""
    logger = get_run_logger()
    production = plan.environments.production
    distribution = manifest.distribution_id if manifest else production.cloudfront_distribution_id
    recorded = manifest.origin_paths if (mode == "full" and manifest) else None
    live_slot = manifest.live_slot if manifest else live_slot
    with production_rollback_lock(lock_name(plan.app, production.cloudfront_distribution_id)):
        weights, origins = production_state(production, distribution, live_slot)
        slots_moved = mode == "full" and manifest is not None and slots_differ(plan, manifest)
        site_split = site_split_active(plan)
        if (
            not slots_moved
            and not site_split
            and already_rolled_back(mode, weights, origins, recorded, production.canary_origin_id)
        ):
            outcome = _no_op(
                plan, release, mode, reason, actor, weights, origins, recorded, manifest
            )
        else:
            logger.warning("Executing %s rollback (triggered by %s): %s", mode, actor, reason)
            record(
                "rollback",
                "started",
                f"{mode} rollback started: {reason}",
                actor=actor,
                data={"mode": mode, "weights_before": weights, "origins_before": origins},
            )
            notice = (
                _announce_meanwhile(
                    plan,
                    release,
                    "rollback_started",
                    {
                        "mode": mode.capitalize(),
                        "reason": reason,
                        "triggered_by": actor,
                        "restored_release": manifest.live_release if manifest else "stable",
                    },
                )
                if announce_start
                else None
            )
            outcome = _act(
                plan, release, mode, recorded, distribution, manifest, live_release, live_slot
            )
            _sent(notice, plan)  # "started" goes out before whatever the caller says next
            record(
                "rollback",
                "effective",
                f"{mode} rollback: {outcome.note}",
                actor=actor,
                data={
                    "mode": mode,
                    "verified": outcome.ok,
                    "checks": [c.model_dump() for c in outcome.checks],
                },
            )
            record(
                "rollback",
                "verified" if outcome.ok else "failed",
                f"{mode} rollback verification: "
                + "; ".join(f"{c.name}: {c.value}" for c in outcome.checks),
                actor=actor,
            )
    publish_checks(
        f"rollback-{mode}",
        release,
        f"Rollback ({mode}) · {release}",
        outcome.checks,
        f"Triggered by {actor}. Reason: {reason}. {outcome.note}",
    )
    return outcome


def _announce_meanwhile(
    plan: LaunchPlan, release: str, template: str, values: dict[str, str]
) -> concurrent.futures.Future[object]:
    context = contextvars.copy_context()  # the run's logger and the launch's Scribe go with it
    return _notices.submit(context.run, announce, plan, release, template, values)


def _sent(notice: concurrent.futures.Future[object] | None, plan: LaunchPlan) -> None:
    if notice is None:
        return
    try:
        notice.result(timeout=SEND_DEADLINE_S * max(1, len(plan.notifications)) + 5)
    except Exception as error:  # noqa: BLE001 - a message never fails a rollback
        get_run_logger().warning("rollback start not announced: %s", type(error).__name__)


def _act(
    plan: LaunchPlan,
    release: str,
    mode: str,
    recorded: dict[str, str] | None,
    distribution: str,
    manifest: BackupManifest | None,
    live_release: str | None = None,
    live_slot: str = "stable",
) -> RollbackOutcome:
    production = plan.environments.production
    traffic = traffic_to_stable(
        production, live_slot
    )  # first: users stop seeing the canary within seconds
    checks = [
        CheckResult(name="traffic to stable", status="pass", value=traffic, threshold="canary 0 %")
    ]
    if site := site_to_live(plan):  # a frontend router's viewers on the staged site, next
        checks.append(site)
    if recorded:
        restored = restore_origins(production, distribution, recorded)
        checks.append(
            CheckResult(
                name="origins restored",
                status="pass",
                value="; ".join(restored),
                threshold=f"as before {release}",
            )
        )
    if mode == "full" and manifest is not None:
        checks += restore_slots(plan, manifest)  # e.g. a stable slot redeployed at promotion
    live = manifest.live_api_release or manifest.live_release if manifest else live_release
    checks.append(verify_share(plan, 0, release, live))
    if manifest is not None:
        checks += verify_release(plan, manifest.live_release, manifest.live_api_release)
    elif site is not None and live_release is not None:  # an emergency: the site split is off
        seen = site_releases(plan, production, requests=50)
        checks.append(site_release_check(seen, live_release, site_reader_text(plan)))
    return RollbackOutcome(effective=True, note=traffic, checks=checks)


def _no_op(
    plan: LaunchPlan,
    release: str,
    mode: str,
    reason: str,
    actor: str,
    weights: dict[str, int],
    origins: dict[str, str],
    recorded: dict[str, str] | None,
    manifest: BackupManifest | None,
) -> RollbackOutcome:
    production = plan.environments.production
    target = manifest.live_release if manifest else "stable"
    note = f"no-op: production is already rolled back to {target} (weights {weights}, origins {origins})"
    checks = [
        CheckResult(name="rollback needed", status="pass", value="no", threshold="-", detail=note)
    ]
    tidy = stale_origins(origins, recorded or {})
    if (
        tidy and manifest
    ):  # only the idle canary origin can differ here: point it back, serves nobody
        note += "; idle canary origin restored: " + "; ".join(
            restore_origins(production, manifest.distribution_id, tidy)
        )
    get_run_logger().info(note)
    record("rollback", "noop", note, actor=actor, data={"mode": mode, "reason": reason})
    return RollbackOutcome(effective=False, note=note, checks=checks)
