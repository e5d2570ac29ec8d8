"""Gate B — production preparation: health 200, permissions, alarms quiet, UAT confirmed,
rollback artifacts present, CloudFront reachable; then the Approver. Changes nothing."""

from __future__ import annotations

import httpx
from prefect import flow, task
from prefect.cache_policies import NO_CACHE

from blocks.plan import Environment, LaunchPlan
from flows.approvals import request_approval
from flows.artifacts import publish_checks
from flows.errors import GateFailed
from golive.core.alarms import alarm_checks
from golive.core.checks import CheckResult, checks_markdown, failed, failure_summary
from golive.core.formatting import shorten
from golive.core.gate_checks import uat_confirmed
from tasks.aws import aws_client
from tasks.backup import list_objects
from tasks.cloudfront import origin_paths
from tasks.metrics.cloudwatch import alarm_states
from tasks.permissions import probe_permissions
from tasks.traffic import router_for

GATE = "Gate B"


@task(name="production health", retries=2, retry_delay_seconds=1, cache_policy=NO_CACHE)
def production_health(production: Environment) -> list[CheckResult]:
    checks = []
    for label, url in (
        ("api health", production.api_base_url + production.health_path),
        ("site", production.url + "/"),
    ):
        try:
            status = str(httpx.get(url, timeout=10).status_code)
        except httpx.HTTPError as error:
            status = type(error).__name__
        checks.append(
            CheckResult(
                name=f"production {label}",
                status="pass" if status == "200" else "fail",
                value=f"{status} from {url}",
                threshold="200",
            )
        )
    return checks


@task(name="permission probe", cache_policy=NO_CACHE)
def permissions(production: Environment) -> list[CheckResult]:
    results, method = probe_permissions(lambda service: aws_client(service, production), production)
    return [
        CheckResult(
            name=f"permission: {r.capability}",
            status="pass" if r.allowed else "fail",
            value=r.detail,
            threshold="allowed",
            detail=f"by {method}",
        )
        for r in results
    ]


@task(name="alarms quiet", retries=2, retry_delay_seconds=1, cache_policy=NO_CACHE)
def alarms_quiet(production: Environment) -> list[CheckResult]:
    return alarm_checks(alarm_states(production))


@task(name="rollback artifacts", retries=2, retry_delay_seconds=1, cache_policy=NO_CACHE)
def rollback_artifacts(production: Environment) -> list[CheckResult]:
    """What a rollback would restore must exist: the live release's objects and the routing state."""
    cloudfront = aws_client("cloudfront", production)
    distribution = cloudfront.get_distribution(Id=production.cloudfront_distribution_id)[
        "Distribution"
    ]
    paths = origin_paths(cloudfront, production.cloudfront_distribution_id)
    live_origin = (
        production.origin_id
        or distribution["DistributionConfig"]["DefaultCacheBehavior"]["TargetOriginId"]
    )
    live_path = paths.get(live_origin, "")
    objects = list_objects(aws_client("s3", production), production.bucket, live_path)
    has_index = any(o.key.endswith("/index.html") for o in objects)
    weights = router_for(production).weights()
    enabled = distribution["DistributionConfig"].get("Enabled", False)
    return [
        CheckResult(
            name="CloudFront distribution",
            status="pass" if enabled else "fail",
            value=f"{production.cloudfront_distribution_id} {distribution['Status']}, "
            f"{'enabled' if enabled else 'disabled'}",
            threshold="reachable and enabled",
        ),
        CheckResult(
            name="rollback target: live release objects",
            status="pass" if has_index else "fail",
            value=f"{len(objects)} objects under {live_path or '/'}",
            threshold="index.html present",
            detail="" if has_index else "nothing to roll back to",
        ),
        CheckResult(
            name="rollback target: routing readable",
            status="pass",
            value=f"weights {weights}",
            threshold="router answers",
        ),
    ]


@flow(
    name="gate-b-production-prep",
    flow_run_name="Gate B — production preparation · {release}",
    log_prints=True,
)
def gate_b_production_prep(
    plan: LaunchPlan, release: str, driver: str, gate_a: list[CheckResult]
) -> list[CheckResult]:
    production = plan.environments.production
    checks = production_health(production)
    checks += _guarded("permission probe", permissions, production)
    checks += _guarded("alarms", alarms_quiet, production)
    checks.append(uat_confirmed(plan, gate_a))
    checks += _guarded("rollback artifacts", rollback_artifacts, production)
    title = f"Gate B — production preparation · {release}"
    if failed(checks):
        publish_checks("gate-b", release, title, checks, "Gate B FAILED.")
        raise GateFailed(GATE, "Production environment issue: " + failure_summary(checks), checks)
    publish_checks("gate-b", release, title, checks, "All checks passed; waiting for the Approver.")
    decision = request_approval(
        GATE,
        "gate-b-approval",
        "Production ready",
        checks_markdown(
            f"Gate B for {plan.app} {release}",
            checks,
            "Production is healthy, permissions and rollback artifacts verified, alarms quiet. "
            "Approve to deploy and start the canary.",
        ),
        plan,
        driver,
    )
    checks.append(
        CheckResult(
            name="approver: production ready",
            status="pass",
            value=f"approved by {decision.approver}",
            threshold="an approver, not the driver",
        )
    )
    publish_checks("gate-b", release, title, checks, "Gate B PASSED.")
    return checks


def _guarded(name: str, check_task, production: Environment) -> list[CheckResult]:  # type: ignore[no-untyped-def]
    """An AWS failure after retries is a failed check naming the action, not a crash: fail closed."""
    try:
        return check_task(production)
    except Exception as error:
        return [
            CheckResult(
                name=name,
                status="fail",
                value=type(error).__name__,
                threshold="succeeds",
                detail=shorten(error, 300),
            )
        ]
