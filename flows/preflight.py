"""Pre-flight: plan valid, AWS identity, endpoints and notification targets resolvable,
roles assigned; then the Approver's green light."""

from __future__ import annotations

import socket
from urllib.parse import urlsplit

import httpx
from prefect import flow, task
from prefect.cache_policies import NO_CACHE

from blocks.plan import Environment, LaunchPlan, Notification
from flows.approvals import request_approval
from flows.artifacts import publish_checks
from flows.errors import GateFailed
from golive.core.checks import CheckResult, checks_markdown, failed, failure_summary
from golive.core.formatting import shorten
from golive.core.preflight_checks import (
    check_production_at_rest,
    check_release_name,
    check_roles,
)
from tasks.aws import aws_client
from tasks.launch_lease import slots_taken
from tasks.notify_blocks import load_notification_block
from tasks.rollback_lock import lock_name
from tasks.traffic import router_for

GATE = "Pre-flight"


@task(name="aws identity", retries=2, retry_delay_seconds=2, cache_policy=NO_CACHE)
def aws_identity(environment_name: str, environment: Environment) -> CheckResult:
    identity = aws_client("sts", environment).get_caller_identity()
    return CheckResult(
        name=f"{environment_name}: AWS identity",
        status="pass",
        value=f"account {identity['Account']}, {identity['Arn']}",
        threshold="sts:GetCallerIdentity",
    )


@task(name="storage and distribution", retries=2, retry_delay_seconds=2, cache_policy=NO_CACHE)
def storage_and_distribution(environment_name: str, environment: Environment) -> CheckResult:
    aws_client("s3", environment).head_bucket(Bucket=environment.bucket)
    distribution = aws_client("cloudfront", environment).get_distribution(
        Id=environment.cloudfront_distribution_id
    )
    status = distribution["Distribution"]["Status"]
    return CheckResult(
        name=f"{environment_name}: bucket and distribution",
        status="pass",
        value=f"s3://{environment.bucket} ok, {environment.cloudfront_distribution_id} {status}",
        threshold="bucket readable, distribution exists",
    )


@task(name="endpoint resolvable", retries=2, retry_delay_seconds=1, cache_policy=NO_CACHE)
def endpoint_resolvable(label: str, url: str) -> CheckResult:
    """Resolvable and answering. Health itself is judged by the gates; a 5xx here is a warning."""
    host = urlsplit(url).hostname or ""
    try:
        socket.getaddrinfo(host, None)
    except socket.gaierror as error:
        return CheckResult(
            name=label,
            status="fail",
            value=f"{host}: {error.strerror}",
            threshold="resolves",
            detail=f"DNS lookup of {host} failed",
        )
    try:
        response = httpx.get(url, timeout=10, follow_redirects=True)
    except httpx.HTTPError as error:
        return CheckResult(
            name=label,
            status="fail",
            value=type(error).__name__,
            threshold="answers",
            detail=f"GET {url} failed",
        )
    unhealthy = response.status_code >= 500
    return CheckResult(
        name=label,
        status="warn" if unhealthy else "pass",
        value=f"{response.status_code} from {url}",
        threshold="resolves and answers",
        detail="answers with a server error; the gate's checks will judge it" if unhealthy else "",
    )


@task(
    name="notification target resolvable", retries=1, retry_delay_seconds=1, cache_policy=NO_CACHE
)
def notification_resolvable(notification: Notification) -> CheckResult:
    try:
        block = load_notification_block(notification)
    except LookupError as error:
        return CheckResult(
            name=f"notify: {notification.name}",
            status="fail",
            value="missing",
            threshold="block exists",
            detail=str(error),
        )
    return CheckResult(
        name=f"notify: {notification.name}",
        status="pass",
        value=f"{type(block).__name__} {notification.block!r}",
        threshold="block exists",
    )


@task(name="production at rest", retries=2, retry_delay_seconds=2, cache_policy=NO_CACHE)
def production_at_rest(plan: LaunchPlan) -> CheckResult:
    production = plan.environments.production
    lock = lock_name(plan.app, production.cloudfront_distribution_id)
    return check_production_at_rest(router_for(production).weights(), slots_taken(lock))


@flow(name="preflight", flow_run_name="Pre-flight · {release}", log_prints=True)
def preflight(plan: LaunchPlan, release: str, driver: str) -> list[CheckResult]:
    checks = [
        CheckResult(
            name="plan valid",
            status="pass",
            value=f"{plan.app}: {len(plan.smoke.suites)} suites, steps {plan.canary.steps}",
            threshold="golive plan check",
        ),
        check_release_name(release),
        check_roles(plan, driver),
    ]
    for name, environment in plan.environments.items():
        checks.append(_safely(aws_identity, f"{name}: AWS identity", name, environment))
        checks.append(
            _safely(storage_and_distribution, f"{name}: bucket and distribution", name, environment)
        )
        checks.append(endpoint_resolvable(f"{name}: site", environment.url))
        checks.append(
            endpoint_resolvable(
                f"{name}: api health", environment.api_base_url + environment.health_path
            )
        )
    checks += [notification_resolvable(n) for n in plan.notifications]
    checks.append(_safely(production_at_rest, "production at rest", plan))
    publish_checks("preflight", release, f"Pre-flight · {release}", checks)
    if failed(checks):
        raise GateFailed(GATE, failure_summary(checks), checks)
    request_approval(
        GATE,
        "preflight-green-light",
        "Green light to proceed to Gate A",
        checks_markdown(
            f"Pre-flight for {plan.app} {release} (driver {driver})",
            checks,
            "All pre-flight checks passed. Approve to announce PROCEEDING TO GATE A.",
        ),
        plan,
        driver,
    )
    return checks


def _safely(check_task, name: str, *args) -> CheckResult:  # type: ignore[no-untyped-def]
    """An AWS error after retries is a failed check with the error's message, not a crash."""
    try:
        return check_task(*args)
    except Exception as error:  # botocore ClientError, EndpointConnectionError, ...
        return CheckResult(
            name=name,
            status="fail",
            value=type(error).__name__,
            threshold="succeeds",
            detail=shorten(error, 300),
        )
