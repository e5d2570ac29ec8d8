"""PartsDesk's sandbox world, as plans/partsdesk.yaml names it: a second app, unlike
StatusBoardV2 in every way a plan can say, served through the same production edge.

The module starts its own sandbox for `WorldSpec.for_app("partsdesk")` (the session's sandbox
simulates StatusBoardV2) and stops it at the end. Everything below goes through the plan's own
URLs and names and the sandbox's AWS endpoint, as golive would: the site names its release only in
/version.json, the API only in X-Parts-Build; a deploy to the green ECS service changes what green
answers; the ALB's target-group weights move the share. A few hundred requests in all.
"""

from __future__ import annotations

import asyncio
import collections
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

from blocks.plan import LaunchPlan, load_plan
from golive.cli import app
from golive.local.processes import no_interrupts
from sandbox import manager
from sandbox.aws import client
from sandbox.spec import WorldSpec
from tasks.frontend.continuous_deployment import staging_state
from tasks.plugins import check_plugins
from tests.integration.helpers import fetch_many, wait_for

REPO = Path(__file__).resolve().parents[2]
NEXT = "2026.11.1"


@pytest.fixture(scope="module")
def partsdesk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[manager.Sandbox]:
    """`golive sandbox up --app partsdesk` (manager.up with WorldSpec.for_app("partsdesk")), stopped
    with manager.down at the end of the module."""
    state_dir = tmp_path_factory.mktemp("partsdesk-sandbox")
    try:
        result = CliRunner().invoke(
            app, ["sandbox", "up", "--app", "partsdesk", "--state-dir", str(state_dir)]
        )
        assert result.exit_code == 0, result.output
        running = manager.status(state_dir)
        assert running is not None and running.spec == WorldSpec.for_app("partsdesk")
        yield running
    finally:
        with no_interrupts():
            manager.down(state_dir)


@pytest.fixture(scope="module")
def plan(partsdesk: manager.Sandbox) -> LaunchPlan:
    return check_plugins(load_plan(REPO / "plans" / "partsdesk.yaml", env=partsdesk.environment()))


def aws(partsdesk: manager.Sandbox, service: str) -> Any:
    """A client through the sandbox's AWS endpoint (the fault proxy), as golive's boto3 calls go."""
    return client(service, partsdesk.environment()["AWS_ENDPOINT_URL"])


def alb_weights(partsdesk: manager.Sandbox, plan: LaunchPlan, blue: int, green: int) -> None:
    """Forward the plan's listener to its two target groups with these weights, found by the plan's names."""
    alb = plan.environments.production.router.section("alb")
    elbv2 = aws(partsdesk, "elbv2")
    balancer = elbv2.describe_load_balancers(Names=[alb["load_balancer_name"]])["LoadBalancers"][0]
    listener = next(
        item
        for item in elbv2.describe_listeners(LoadBalancerArn=balancer["LoadBalancerArn"])[
            "Listeners"
        ]
        if item["Port"] == alb["listener_port"]
    )
    groups = elbv2.describe_target_groups(
        Names=[alb["stable_target_group"], alb["canary_target_group"]]
    )["TargetGroups"]
    arn = {group["TargetGroupName"]: group["TargetGroupArn"] for group in groups}
    elbv2.modify_listener(
        ListenerArn=listener["ListenerArn"],
        DefaultActions=[
            {
                "Type": "forward",
                "ForwardConfig": {
                    "TargetGroups": [
                        {"TargetGroupArn": arn[alb["stable_target_group"]], "Weight": blue},
                        {"TargetGroupArn": arn[alb["canary_target_group"]], "Weight": green},
                    ]
                },
            }
        ],
    )


def deploy(
    partsdesk: manager.Sandbox, cluster: str, service: str, image: str, release: str
) -> None:
    """What a redeploy does to a slot: a task definition copying the service's with the release's image."""
    ecs = aws(partsdesk, "ecs")
    current = ecs.describe_services(cluster=cluster, services=[service])["services"][0]
    definition = ecs.describe_task_definition(taskDefinition=current["taskDefinition"])[
        "taskDefinition"
    ]
    containers = [
        {**container, "image": f"{image}:{release}"} if container["name"] == "api" else container
        for container in definition["containerDefinitions"]
    ]
    registered = ecs.register_task_definition(
        family=definition["family"], containerDefinitions=containers
    )["taskDefinition"]["taskDefinitionArn"]
    ecs.update_service(cluster=cluster, service=service, taskDefinition=registered)


def builds(responses: list[httpx.Response]) -> collections.Counter[str]:
    assert {r.status_code for r in responses} == {200}
    return collections.Counter(r.headers["X-Parts-Build"] for r in responses)


def test_golive_plan_check_passes_with_the_sandbox_env(partsdesk: manager.Sandbox) -> None:
    plan_file = str(REPO / "plans" / "partsdesk.yaml")
    # wide, whatever the terminal: rich wraps to COLUMNS (80 where there is no terminal)
    env = {**partsdesk.environment(), "COLUMNS": "250"}
    result = CliRunner().invoke(app, ["plan", "check", "--offline", plan_file], env=env)
    assert result.exit_code == 0, result.output
    assert "PartsDesk launch plan is valid" in " ".join(result.output.split())
    assert partsdesk.urls["production_edge"] in result.output  # PROD_URL from the env file


def test_sandbox_status_names_the_app_and_its_slots(partsdesk: manager.Sandbox) -> None:
    status = CliRunner().invoke(app, ["sandbox", "status", "--state-dir", str(partsdesk.state_dir)])
    assert status.exit_code == 0, status.output
    assert "app: PartsDesk (simulated partsdesk)" in status.output
    assert "weights: stable 100 / canary 0  (PartsDesk calls them blue and green)" in status.output
    assert "router: alb" in status.output


def test_the_plan_names_the_partsdesk_world(partsdesk: manager.Sandbox, plan: LaunchPlan) -> None:
    production, spec = plan.environments.production, partsdesk.spec
    assert plan.app == spec.app == "PartsDesk"
    assert production.url == partsdesk.urls["production_edge"]
    assert (production.bucket, production.prefix) == (spec.bucket, spec.production_prefix)
    assert production.api_slots.canary.url == partsdesk.urls["canary_backend"]
    assert production.canary_origin_id is None
    distribution = aws(partsdesk, "cloudfront").get_distribution_config(
        Id=production.cloudfront_distribution_id
    )["DistributionConfig"]
    assert [o["Id"] for o in distribution["Origins"]["Items"]] == [production.origin_id]
    assert distribution["DefaultCacheBehavior"]["TargetOriginId"] == "site"
    assert partsdesk.routing()["site_releases"] == {
        "staging": "2026.11.0",
        "production": "2026.11.0",
    }


def test_the_site_names_its_release_in_version_json_only(
    partsdesk: manager.Sandbox, plan: LaunchPlan
) -> None:
    site = plan.environments.production.url
    version = httpx.get(site + plan.site_release.path)
    assert version.status_code == 200 and version.headers["Content-Type"].startswith(
        "application/json"
    )
    assert version.json()["build"]["release"] == partsdesk.spec.initial_release
    assert version.headers["Cache-Control"].startswith("no-cache")
    page = httpx.get(site + "/")
    assert page.status_code == 200 and "golive-release" not in page.text
    assert "2026.11.0" not in page.text and "X-Parts-Build" not in page.headers
    # the SPA's routes fall back to index.html; its API is not the site's
    assert httpx.get(site + "/counter/returns").text == page.text


def test_the_api_names_its_build_and_no_slot(partsdesk: manager.Sandbox, plan: LaunchPlan) -> None:
    api = plan.environments.production.api_base_url
    ping = httpx.get(api + plan.environments.production.health_path)
    assert (ping.status_code, ping.json()) == (200, {"ok": True})
    assert ping.headers[plan.release_header] == partsdesk.spec.initial_release
    assert "X-Golive-Version" not in ping.headers and "X-Golive-Release" not in ping.headers
    found = httpx.get(api + plan.probe.id_source.path).json()
    assert isinstance(found, list) and found[0]["sku"].startswith("BRK-")
    # StatusBoardV2's paths are not its API: the site's SPA fallback answers them
    other = httpx.get(api + "/health")
    assert other.headers["Content-Type"].startswith("text/html")
    assert "X-Parts-Build" not in other.headers


def test_a_green_deploy_and_the_alb_weights(partsdesk: manager.Sandbox, plan: LaunchPlan) -> None:
    production = plan.environments.production
    green, blue = production.api_slots.canary, production.api_slots.stable
    ping = production.api_base_url + production.health_path
    try:
        deploy(partsdesk, green.cluster, green.service, plan.api_release.image, NEXT)
        # green's own port answers with the new build at once (the deploy went through the proxy)
        assert httpx.get(green.url + production.health_path).headers["X-Parts-Build"] == NEXT
        assert httpx.get(blue.url + production.health_path).headers["X-Parts-Build"] == "2026.11.0"
        assert partsdesk.routing()["releases"]["canary"] == NEXT
        # users still reach blue only
        assert builds(asyncio.run(fetch_many(ping, 30, concurrency=10))) == {"2026.11.0": 30}

        alb_weights(partsdesk, plan, 50, 50)
        wait_for(lambda: partsdesk.routing()["weights"] == {"stable": 50, "canary": 50}, timeout=3)
        half = builds(asyncio.run(fetch_many(ping, 200, concurrency=20)))
        assert set(half) == {"2026.11.0", NEXT}
        assert 65 <= half[NEXT] <= 135, f"{half[NEXT]} of 200 on green at 50 %"

        alb_weights(partsdesk, plan, 0, 100)
        wait_for(lambda: partsdesk.routing()["weights"]["stable"] == 0, timeout=3)
        assert builds(asyncio.run(fetch_many(ping, 30, concurrency=10))) == {NEXT: 30}
    finally:
        partsdesk.reset()
    assert httpx.get(ping).headers["X-Parts-Build"] == "2026.11.0"


# --- launches of PartsDesk, end to end, on a real Prefect API --------------------------------


@pytest.fixture
def launching(
    partsdesk: manager.Sandbox,
    sandbox_session: manager.Sandbox,
    prefect_api,  # noqa: ANN001
) -> Iterator[manager.Sandbox]:
    """golive in this process pointed at the PartsDesk world (its env, its chat block), then back
    at the session's StatusBoardV2 sandbox for the tests that follow on this worker."""
    from golive.local.sandbox_blocks import ensure_sandbox_blocks

    partsdesk.reset()
    env = partsdesk.environment()
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    ensure_sandbox_blocks(env)
    try:
        yield partsdesk
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        ensure_sandbox_blocks(sandbox_session.environment())


def users_get(partsdesk: manager.Sandbox, n: int = 20) -> collections.Counter[str]:
    """What users are served, as PartsDesk tells it: the site in /version.json, the API in
    X-Parts-Build."""
    edge = partsdesk.urls["production_edge"]
    seen: collections.Counter[str] = collections.Counter()
    for _ in range(n):
        seen["site " + httpx.get(edge + "/version.json").json()["build"]["release"]] += 1
        seen["api " + httpx.get(edge + "/v2/ping").headers.get("X-Parts-Build", "none")] += 1
    return seen


def site_pages(partsdesk: manager.Sandbox, n: int) -> collections.Counter[str]:
    """The release of /version.json for `n` new viewers (no session cookie), fetched at once:
    the launch goes on meanwhile, so the sample must be over before the next step moves."""
    url = partsdesk.urls["production_edge"] + "/version.json"
    pages = asyncio.run(fetch_many(url, n, concurrency=20))
    return collections.Counter(page.json()["build"]["release"] for page in pages)


def test_a_partsdesk_launch_completes_with_every_user_on_the_release(
    launching: manager.Sandbox,
) -> None:
    from tests.integration.launch_helpers import (
        WhenRouting,
        approve_all,
        artifacts_of,
        at_canary,
        run_launch,
    )

    live = launching.routing()["site_releases"]["production"]
    during: collections.Counter[str] = collections.Counter()
    with WhenRouting(  # at 30 % the site has had its 10 % since the first step
        launching, at_canary(30), lambda world: during.update(site_pages(world, 100))
    ):
        result = run_launch(
            "2026.12.0",
            plan=REPO / "plans" / "partsdesk.yaml",
            policy=approve_all("maya"),
            timeout=240,
        )
    assert result.state.is_completed(), result.message
    # CloudFront continuous deployment split the site's viewers, then promotion ended the split
    # both releases in one quick sample (none new in 100 pages at 10 %: p = 3e-5); how much
    # of the site each step gave the release is golive's own check, in the stage reports
    assert set(during) == {live, "2026.12.0"}, during
    texts = "\n".join(
        str(a.data) for a in artifacts_of(result.state.state_details.flow_run_id).values()
    )
    assert "site serves 10 % 2026.12.0" in texts
    assert users_get(launching) == {"site 2026.12.0": 20, "api 2026.12.0": 20}
    state = staging_state(
        aws(launching, "cloudfront"), launching.environment()["CLOUDFRONT_DIST_ID"]
    )
    assert state["policy_id"] and state["enabled"] is False  # CloudFront disabled it at promotion
    routing = launching.routing()
    # redeploy: both slots run the release, traffic back on blue (the plan's stable slot)
    assert routing["releases"] == {
        "staging": "2026.12.0",
        "stable": "2026.12.0",
        "canary": "2026.12.0",
    }
    assert routing["weights"] == {"stable": 100, "canary": 0}


def test_a_latency_fault_at_30_percent_rolls_partsdesk_back(
    launching: manager.Sandbox, tmp_path: Path
) -> None:
    from tests.integration.launch_helpers import (
        WhenRouting,
        approve_all,
        at_canary,
        plan_variant,
        run_launch,
    )

    plan = plan_variant(tmp_path, base="plans/partsdesk.yaml", canary__bake="1s")
    live = launching.routing()["site_releases"]["production"]
    with WhenRouting(
        launching,
        at_canary(30),
        lambda world: world.set_fault("canary", latency_ms=900, endpoint="search"),
    ):
        result = run_launch("2026.12.1", plan=plan, policy=approve_all("maya"), timeout=240)
    launching.clear_faults()
    assert result.state.is_failed()
    assert "Canary 30% FAILED - SLO breach at 30 % rollout — " in result.message, result.message
    assert "search p95" in result.message
    assert users_get(launching) == {f"site {live}": 20, f"api {live}": 20}
    state = staging_state(
        aws(launching, "cloudfront"), launching.environment()["CLOUDFRONT_DIST_ID"]
    )
    assert state["policy_id"] is None  # the rollback detached the site's split


def test_slot_swap_alternates_the_live_slot_and_a_rollback_returns_to_it(
    launching: manager.Sandbox, tmp_path: Path
) -> None:
    """Blue/green as PartsDesk could run it: each launch's candidate is the slot serving nobody;
    at 100 % it stays live (no redeploy of the other), so the next launch uses the other slot,
    and a rollback sends users back to the slot that still runs the previous release."""
    from tests.integration.launch_helpers import WhenRouting, approve_all, plan_variant, run_launch

    live = launching.spec.initial_release
    plan = plan_variant(
        tmp_path,
        base="plans/partsdesk.yaml",
        api_release={"kind": "slot_swap", "image": "partsdesk-api", "container": "api"},
        canary__bake="1s",
    )
    first = run_launch("2026.12.0", plan=plan, policy=approve_all("maya"), timeout=240)
    assert first.state.is_completed(), first.message
    routing = launching.routing()
    # green (the router's canary target) took the release and stays live; blue was not touched
    assert routing["weights"] == {"stable": 0, "canary": 100}
    assert (routing["releases"]["stable"], routing["releases"]["canary"]) == (live, "2026.12.0")
    assert users_get(launching) == {"site 2026.12.0": 20, "api 2026.12.0": 20}

    # the next launch's candidate is blue; a latency fault on it at 30 % rolls back to green
    with WhenRouting(
        launching,
        lambda world: world["weights"]["stable"] == 30,
        lambda world: world.set_fault("stable", latency_ms=900, endpoint="search"),
    ):
        second = run_launch("2026.12.1", plan=plan, policy=approve_all("maya"), timeout=240)
    launching.clear_faults()
    assert second.state.is_failed()
    assert "Canary 30% FAILED - SLO breach at 30 % rollout — " in second.message, second.message
    routing = launching.routing()
    assert routing["weights"] == {"stable": 0, "canary": 100}  # green serves everyone again
    assert (routing["releases"]["stable"], routing["releases"]["canary"]) == (
        "2026.12.1",
        "2026.12.0",
    )
    assert users_get(launching) == {"site 2026.12.0": 20, "api 2026.12.0": 20}
