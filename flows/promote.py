"""Promotion, Flagger-style: the stable origin takes the release, then traffic returns to
stable, and every response must come from the release."""

from __future__ import annotations

import time

from prefect import flow

from blocks.plan import LaunchPlan
from flows.artifacts import publish_checks
from flows.canary import shift
from golive.core.checks import CheckResult
from tasks.aws import aws_client
from tasks.cloudfront import repoint_origin
from tasks.traffic.verify import served_releases


@flow(name="promote", flow_run_name="Promote · {release}", log_prints=True)
def promote(plan: LaunchPlan, release: str) -> list[CheckResult]:
    """Flagger-style promotion: the stable origin takes the release, then traffic returns to stable."""
    production = plan.environments.production
    cloudfront = aws_client("cloudfront", production)
    change = repoint_origin(
        cloudfront,
        production.cloudfront_distribution_id,
        production.origin_id,
        production.release_prefix(release),
    )
    checks = [
        CheckResult(
            name="stable origin",
            status="pass",
            value=f"{change.previous_path} -> {change.new_path}",
            threshold=release,
        )
    ]
    checks.append(
        CheckResult(
            name="traffic", status="pass", value=shift(production, 0), threshold="stable 100 %"
        )
    )
    deadline = time.monotonic() + 15
    while True:
        served = served_releases(production.url + "/", plan.release_header, requests=40)
        if set(served) == {release} or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    checks.append(
        CheckResult(
            name="every response from the release",
            status="pass" if set(served) == {release} else "fail",
            value=", ".join(f"{k}: {v}" for k, v in served.items()),
            threshold=f"all {release}",
        )
    )
    publish_checks("promote", release, f"Promote · {release}", checks)
    return checks
