"""Production deploy: the release Gate A validated is copied beside the live one and the
canary origin points at it; the backup manifest is written first. Users see nothing until
the canary (checked: every response still comes from the live release)."""

from __future__ import annotations

from prefect import flow, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE

from blocks.plan import Environment, LaunchPlan, launch_snapshot_ref
from flows.artifacts import artifact_key, publish_checks
from flows.errors import GateFailed
from flows.site_split import stage_site
from golive.core.checks import CheckResult, failed, failure_summary
from tasks.api_release.registry import kind_for, live_slot, slot_states
from tasks.aws import aws_client
from tasks.aws_errors import retry_unless_denied
from tasks.backup import BackupManifest, list_objects, now, write_manifest
from tasks.cloudfront import default_origin_id, origin_paths, release_of, repoint_origin
from tasks.s3_copy import copy_release
from tasks.served import NO_RELEASE, NO_RESPONSE, api_releases, site_reader_text, site_releases
from tasks.traffic import router_for


@task(
    name="write backup manifest",
    retries=2,
    retry_delay_seconds=1,
    retry_condition_fn=retry_unless_denied,
    cache_policy=NO_CACHE,
)
def backup(plan: LaunchPlan, release: str, launch_id: str) -> BackupManifest:
    production = plan.environments.production
    cloudfront, s3 = aws_client("cloudfront", production), aws_client("s3", production)
    paths = origin_paths(cloudfront, production.cloudfront_distribution_id)
    live_origin = production.origin_id or default_origin_id(
        cloudfront, production.cloudfront_distribution_id
    )
    live_path = paths[live_origin]
    manifest = BackupManifest(
        launch=launch_id,
        release=release,
        live_release=release_of(live_path),
        bucket=production.bucket,
        distribution_id=production.cloudfront_distribution_id,
        origin_paths=paths,
        router=production.router.kind if production.router else "none",
        weights=router_for(production).weights(),
        live_prefix=live_path.strip("/"),
        live_objects=list_objects(s3, production.bucket, live_path),
        created_at=now(),
        live_api_release=live_api_release(plan),
        api_slots={name: state.task_definition for name, state in slot_states(plan).items()},
        live_slot=live_slot(plan),
        plan_copy=launch_snapshot_ref(launch_id),
    )
    return write_manifest(s3, manifest)


def live_api_release(plan: LaunchPlan) -> str | None:
    """The release the front door's API names now (None when it names no single one: then the
    canary's stable arm is any release but the launched one)."""
    production = plan.environments.production
    seen = api_releases(plan, production.api_base_url, production.health_path, requests=20)
    named = [r for r in seen if r not in (NO_RELEASE, NO_RESPONSE)]
    return named[0] if len(named) == 1 and len(seen) == 1 else None


@task(name="prepare the canary slot", cache_policy=NO_CACHE)
def prepare_canary_slot(plan: LaunchPlan, release: str, live: str) -> list[CheckResult]:
    return kind_for(plan).prepare(plan, release, live)


@task(
    name="upload release beside the live one",
    retries=2,
    retry_delay_seconds=2,
    retry_condition_fn=retry_unless_denied,
    cache_policy=NO_CACHE,
)
def upload_beside(plan: LaunchPlan, release: str) -> int:
    staging, production = plan.environments.staging, plan.environments.production
    copied = copy_release(
        aws_client("s3", production),
        staging.bucket,
        staging.release_prefix(release),
        production.bucket,
        production.release_prefix(release),
    )
    return len(copied)


@task(
    name="point canary origin",
    retries=2,
    retry_delay_seconds=2,
    retry_condition_fn=retry_unless_denied,
    cache_policy=NO_CACHE,
)
def point_canary_origin(production: Environment, release: str) -> str:
    cloudfront = aws_client("cloudfront", production)
    change = repoint_origin(
        cloudfront,
        production.cloudfront_distribution_id,
        production.canary_origin_id,
        production.release_prefix(release),
    )
    return f"{change.origin_id}: {change.previous_path} -> {change.new_path}"


@flow(name="production-deploy", flow_run_name="Production deploy · {release}", log_prints=True)
def production_deploy(plan: LaunchPlan, release: str, launch_id: str) -> BackupManifest:
    production = plan.environments.production
    manifest = backup(plan, release, launch_id)  # before anything in production changes
    checks = [
        CheckResult(
            name="backup manifest",
            status="pass",
            value=f"s3://{manifest.bucket}/{manifest.key}",
            threshold="written before any change",
            detail=f"live {manifest.live_release} (API slot {manifest.live_slot}), weights "
            f"{manifest.weights}, {len(manifest.live_objects)} objects",
        )
    ]
    count = upload_beside(plan, release)
    checks.append(
        CheckResult(
            name="release uploaded",
            status="pass",
            value=f"{count} objects",
            threshold=f"s3://{production.bucket}/{production.release_prefix(release)}/",
        )
    )
    if production.canary_origin_id:
        checks.append(
            CheckResult(
                name="canary origin",
                status="pass",
                value=point_canary_origin(production, release),
                threshold="new release, weight 0",
            )
        )
    if staged := stage_site(plan, release):  # a frontend router's staging copy, at 0 %
        checks.append(staged)
    checks += prepare_canary_slot(plan, release, manifest.live_slot)
    site = site_releases(plan, production)
    checks.append(
        CheckResult(
            name="users still see the live site",
            status="pass" if set(site) == {manifest.live_release} else "fail",
            value=", ".join(f"{k}: {v}" for k, v in site.items()),
            threshold=f"all {manifest.live_release} by {site_reader_text(plan)}",
        )
    )
    if kind_for(plan).api_follows_release:
        api = api_releases(plan, production.api_base_url, production.health_path, requests=40)
        checks.append(
            CheckResult(
                name="users still get the live API",
                status="pass"
                if release not in api and manifest.live_api_release in api
                else "fail",
                value=", ".join(f"{k}: {v}" for k, v in api.items()),
                threshold=f"all {manifest.live_api_release or 'one release'}, none {release}",
            )
        )
    create_markdown_artifact(
        key=artifact_key("backup-manifest", release),
        description="the rollback's restore point",
        markdown=f"# Backup manifest · {release}\n\n```json\n{manifest.model_dump_json(indent=2)}\n```\n",
    )
    publish_checks("production-deploy", release, f"Production deploy · {release}", checks)
    if failed(checks):
        raise GateFailed(
            "Production deploy", failure_summary(checks) + " before the canary started", checks
        )
    return manifest
