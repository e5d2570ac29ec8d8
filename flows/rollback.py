"""Rollback inside a launch: traffic back to stable first (seconds), then verify that the
edge serves stable to every request; `full` also restores the origins from the backup."""

from __future__ import annotations

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE

from blocks.plan import Environment, LaunchPlan
from flows.artifacts import publish_checks
from golive.checks import CheckResult
from tasks.aws import aws_client
from tasks.backup import BackupManifest
from tasks.cloudfront import invalidate, point_origin
from tasks.served import served_releases
from tasks.traffic import router_for
from tasks.traffic.verify import wait_for_share

VERIFY_REQUESTS = 200


@task(name="traffic to stable", retries=3, retry_delay_seconds=1, cache_policy=NO_CACHE)
def traffic_to_stable(production: Environment) -> str:
    change = router_for(production).set_canary_weight(0)
    return f"canary {change.before} % -> {change.after} %" + ("" if change.changed else " (already at stable)")


@task(name="restore origins", retries=3, retry_delay_seconds=2, cache_policy=NO_CACHE)
def restore_origins(production: Environment, manifest: BackupManifest) -> list[str]:
    cloudfront = aws_client("cloudfront", production)
    changes = [point_origin(cloudfront, manifest.distribution_id, origin_id, path)
               for origin_id, path in manifest.origin_paths.items()]
    if any(c.changed for c in changes):
        invalidate(cloudfront, manifest.distribution_id)
    return [f"{c.origin_id}: {c.previous_path} -> {c.new_path}" for c in changes]


@task(name="verify canary share", cache_policy=NO_CACHE)
def verify_share(plan: LaunchPlan, percent: int, requests: int = VERIFY_REQUESTS) -> CheckResult:
    """The edge serves `percent` % canary (exactly none at 0 %), retried while the front door catches up."""
    production = plan.environments.production
    observations = wait_for_share(production.api_base_url + production.health_path, plan.version_header, percent,
                                  float(plan.canary.share_tolerance), requests=requests,
                                  concurrency=plan.probe.concurrency, timeout=15 if percent == 0 else 10)
    last = observations[-1]
    name = "edge serves stable only" if percent == 0 else f"edge serves {percent} % canary"
    return CheckResult(name=name, status="pass" if last.ok else "fail",
                       value=f"{100 * last.fraction:.1f} % canary ({last.canary} of {last.n})",
                       threshold="every response from stable" if percent == 0 else f"{percent} % ± tolerance",
                       detail=last.detail, samples=last.n)


@task(name="verify the previous release is served", cache_policy=NO_CACHE)
def verify_release(plan: LaunchPlan, expected: str) -> CheckResult:
    production = plan.environments.production
    counts: dict[str, int] = {}
    for url in (production.url + "/", production.api_base_url + production.health_path):
        for release, n in served_releases(url, plan.release_header, requests=50).items():
            counts[release] = counts.get(release, 0) + n
    total = sum(counts.values())
    ok = counts.get(expected, 0) == total
    return CheckResult(name=f"every response from {expected}", status="pass" if ok else "fail",
                       value=", ".join(f"{k}: {v}" for k, v in counts.items()), threshold=f"{total} of {total}",
                       samples=total)


@flow(name="rollback", flow_run_name="Rollback — {mode} · {release}", log_prints=True)
def rollback_in_launch(plan: LaunchPlan, release: str, reason: str, mode: str = "emergency",
                       manifest: BackupManifest | None = None) -> list[CheckResult]:
    logger = get_run_logger()
    production = plan.environments.production
    logger.warning("Executing %s rollback: %s", mode, reason)
    checks = [CheckResult(name="traffic to stable", status="pass", value=traffic_to_stable(production),
                          threshold="canary 0 %")]
    if mode == "full" and manifest is not None:
        checks.append(CheckResult(name="origins restored", status="pass",
                                  value="; ".join(restore_origins(production, manifest)),
                                  threshold=f"as before {release}: {manifest.live_release}"))
    checks.append(verify_share(plan, 0))
    if manifest is not None:
        checks.append(verify_release(plan, manifest.live_release))
    publish_checks(f"rollback-{mode}", release, f"Rollback ({mode}) · {release}", checks, f"Reason: {reason}")
    return checks
