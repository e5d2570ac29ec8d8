"""The runbook's `./rollback.sh MODE --reason ...` as deployments, usable with no launch running:

    prefect deployment run rollback/emergency -p reason="SLO breach at 30 %"
    prefect deployment run rollback/full      -p reason="Post-launch instability"
    prefect deployment run rollback/validate  -p reason="after the incident"

They find the latest backup manifest in the production bucket. emergency: traffic to
stable, verify. full: also restore every origin path from the manifest, invalidate,
verify the previous release is served everywhere. validate: production serves the
previous release, health 200, the SLO probe passes, alarms OK. A rollback whose target
state is already in place does nothing and says so (safe to run twice).
"""

from __future__ import annotations

from typing import Literal

import httpx
from prefect import flow, get_run_logger

from flows.artifacts import publish_checks
from flows.errors import GateFailed
from flows.launch import DEFAULT_PLAN, load_launch_plan
from flows.rollback import rollback_in_launch, verify_release
from golive.checks import CheckResult, failed, failure_summary
from golive.judge import judge
from tasks.aws import aws_client
from tasks.backup import BackupManifest, latest_manifest
from tasks.cloudfront import origin_paths
from tasks.metrics.cloudwatch import alarm_states
from tasks.metrics.probe import probe
from tasks.traffic import router_for

Mode = Literal["emergency", "full", "validate"]


def already_rolled_back(mode: str, weights: dict[str, int], origins: dict[str, str],
                        manifest: BackupManifest) -> bool:
    """True if the mode's target state is in place already (pure)."""
    on_stable = weights.get("canary", 0) == 0 and weights.get("stable", 0) > 0
    if mode == "emergency":
        return on_stable
    return on_stable and all(origins.get(k) == v for k, v in manifest.origin_paths.items())


@flow(name="rollback", flow_run_name="Rollback — {mode}: {reason}", log_prints=True)
def rollback(reason: str, mode: Mode = "emergency", plan: str = DEFAULT_PLAN) -> str:
    """Roll production back to the release in the latest backup manifest (or validate that it is)."""
    logger = get_run_logger()
    launch_plan = load_launch_plan(plan)
    production = launch_plan.environments.production
    manifest = latest_manifest(aws_client("s3", production), production.bucket)
    if manifest is None:
        raise GateFailed("Rollback", f"no backup manifest in s3://{production.bucket}/golive/backups/: "
                                     "nothing recorded to roll back to (fails closed)")
    if mode == "validate":
        return validate(launch_plan, manifest, reason)
    weights = router_for(production).weights()
    origins = origin_paths(aws_client("cloudfront", production), manifest.distribution_id)
    if already_rolled_back(mode, weights, origins, manifest):
        note = (f"no-op: production is already rolled back to {manifest.live_release} "
                f"(weights {weights}, origins {origins})")
        logger.info(note)
        publish_checks(f"rollback-{mode}", manifest.release, f"Rollback ({mode}) · {manifest.release}",
                       [CheckResult(name="rollback needed", status="pass", value="no", threshold="-", detail=note)],
                       f"Reason: {reason}")
        return note
    checks = rollback_in_launch(launch_plan, manifest.release, reason, mode=mode,
                                manifest=manifest if mode == "full" else None)
    if bad := failed(checks):
        raise GateFailed("Rollback", f"ran but verification failed: {failure_summary(bad)}")
    return f"{mode} rollback of {manifest.release} complete: production serves {manifest.live_release}"


def validate(plan, manifest: BackupManifest, reason: str) -> str:  # type: ignore[no-untyped-def]
    production = plan.environments.production
    checks = [verify_release(plan, manifest.live_release)]
    health = httpx.get(production.api_base_url + production.health_path, timeout=10).status_code
    checks.append(CheckResult(name="production health", status="pass" if health == 200 else "fail",
                              value=str(health), threshold="200"))
    checks += judge(probe(production.api_base_url, plan), plan.slos).checks
    checks += [CheckResult(name=f"alarm: {name}", status="pass" if state in ("OK", "INSUFFICIENT_DATA") else "fail",
                           value=state, threshold="OK or INSUFFICIENT_DATA")
               for name, state in alarm_states(production).items()]
    publish_checks("rollback-validate", manifest.release, f"Rollback validation · {manifest.release}", checks,
                   f"Reason: {reason}")
    if failed(checks):
        raise GateFailed("Rollback validation", failure_summary(checks))
    return f"validated: production serves {manifest.live_release}, healthy, SLOs and alarms green"

