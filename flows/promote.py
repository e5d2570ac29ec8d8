"""Promotion: the site's stable origin takes the release (invalidated, so no edge keeps the old
page), the API release gets out as the plan's `api_release` kind says (redeploy: the stable slot
takes the release, verified, before traffic returns to it), traffic returns to stable, and
every response — site and API — must then name the release. A promotion that cannot show this
fails, and the launch rolls back."""

from __future__ import annotations

import time

from prefect import flow, task
from prefect.cache_policies import NO_CACHE

from blocks.plan import Environment, LaunchPlan
from flows.artifacts import publish_checks
from flows.canary import shift
from flows.errors import GateFailed
from flows.site_split import site_promoted
from golive.core.checks import CheckResult, failed, failure_summary
from golive.core.gate_checks import site_release_check
from tasks.api_release.registry import kind_for
from tasks.aws import aws_client
from tasks.aws_errors import retry_unless_denied
from tasks.cloudfront import invalidate, repoint_origin
from tasks.served import api_releases, site_reader_text, site_releases
from tasks.traffic.roles import other_slot, router_in_roles

SETTLE_S = 15  # how long the front door may take to show the release everywhere


@task(
    name="point stable origin at the release",
    retries=2,
    retry_delay_seconds=2,
    retry_condition_fn=retry_unless_denied,
    cache_policy=NO_CACHE,
)
def point_stable_origin(plan: LaunchPlan, release: str) -> str:
    production = plan.environments.production
    cloudfront = aws_client("cloudfront", production)
    change = repoint_origin(
        cloudfront,
        production.cloudfront_distribution_id,
        production.origin_id,
        production.release_prefix(release),
    )
    invalidation = invalidate(cloudfront, production.cloudfront_distribution_id)
    return (
        f"{change.previous_path} -> {change.new_path}; invalidation {invalidation['id']} "
        f"{invalidation['status']}"
    )


@task(name="API release at promotion", cache_policy=NO_CACHE)
def promote_api(plan: LaunchPlan, release: str, live_slot: str) -> list[CheckResult]:
    return kind_for(plan).promote(plan, release, live_slot)


@task(name="the candidate slot is live", cache_policy=NO_CACHE)
def candidate_is_live(production: Environment, live_slot: str) -> CheckResult:
    weights = router_in_roles(production, live_slot).weights()
    return CheckResult(
        name="traffic",
        status="pass" if weights.get("canary") == 100 else "fail",
        value=f"slot {other_slot(live_slot)} at {weights.get('canary')} %",
        threshold="the candidate slot stays at 100 % and becomes the live slot",
    )


def every_response_from(
    plan: LaunchPlan, release: str, settle_s: float = SETTLE_S
) -> list[CheckResult]:
    """The site (by its reader) and, when the API follows the release, every API response name
    `release`; retried while the front door catches up, then failed."""
    production = plan.environments.production
    follows = kind_for(plan).api_follows_release
    deadline = time.monotonic() + settle_s
    while True:
        site = site_releases(plan, production)
        api = (
            api_releases(plan, production.api_base_url, production.health_path, requests=60)
            if follows
            else {}
        )
        done = set(site) == {release} and (not follows or set(api) == {release})
        if done or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    checks = [site_release_check(site, release, site_reader_text(plan))]
    if follows:
        checks.append(
            CheckResult(
                name="every API response from the release",
                status="pass" if set(api) == {release} else "fail",
                value=", ".join(f"{k}: {v}" for k, v in api.items()),
                threshold=f"all {release} ({plan.release_header})",
                samples=sum(api.values()),
            )
        )
    return checks


@flow(name="promote", flow_run_name="Promote · {release}", log_prints=True)
def promote(plan: LaunchPlan, release: str, live_slot: str = "stable") -> list[CheckResult]:
    """`live_slot`: the router's name of the API slot that served users before the launch."""
    production = plan.environments.production
    # a frontend router's staged site first: the live distribution takes its configuration
    checks = [staged] if (staged := site_promoted(plan)) else []
    checks += [
        CheckResult(
            name="stable origin",
            status="pass",
            value=point_stable_origin(plan, release),
            threshold=release,
        )
    ]
    checks += promote_api(plan, release, live_slot)
    if failed(checks):  # the stable slot is not on the release: traffic must not return to it
        publish_checks("promote", release, f"Promote · {release}", checks)
        raise GateFailed("Promote", failure_summary(checks), checks)
    if kind_for(plan).returns_traffic:
        traffic = shift(production, 0, live_slot)
        checks.append(
            CheckResult(name="traffic", status="pass", value=traffic, threshold="stable 100 %")
        )
    else:  # slot_swap: the candidate slot, on the release, stays at 100 % and is now the live one
        checks.append(candidate_is_live(production, live_slot))
    checks += every_response_from(plan, release)
    publish_checks("promote", release, f"Promote · {release}", checks)
    if failed(checks):
        raise GateFailed("Promote", failure_summary(checks), checks)
    return checks
