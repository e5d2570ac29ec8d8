"""plans/partsdesk.yaml and the PartsDesk sandbox world name the same things (without a sandbox:
the integration test checks them against a running one), and the plan differs from
StatusBoardV2's in what a plan can say."""

from __future__ import annotations

from pathlib import Path

from blocks.plan import load_plan
from golive.core.jsonpath import find
from sandbox.apps.partsdesk import PartsStore
from sandbox.spec import WorldSpec
from tasks.plugins import check_plugins

PLANS = Path(__file__).resolve().parents[2] / "plans"
WORLD = WorldSpec.for_app("partsdesk")


def test_the_plan_names_the_world() -> None:
    plan = check_plugins(load_plan(PLANS / "partsdesk.yaml", env={}))
    staging, production = plan.environments.staging, plan.environments.production
    assert plan.app == WORLD.app and plan.release_header == WORLD.release_header
    assert (staging.bucket, staging.prefix) == (WORLD.bucket, WORLD.staging_prefix)
    assert (production.bucket, production.prefix) == (WORLD.bucket, WORLD.production_prefix)
    assert (staging.api_service.cluster, staging.api_service.service) == (
        WORLD.staging_cluster,
        WORLD.staging_service,
    )
    slots = production.api_slots
    assert {(s.cluster, s.service) for s in (slots.stable, slots.canary)} == {
        (WORLD.production_cluster, WORLD.stable_service),
        (WORLD.production_cluster, WORLD.canary_service),
    }
    assert plan.api_release.image == WORLD.api_image
    assert (
        production.origin_id == WORLD.production_origins[0] and production.canary_origin_id is None
    )
    router = production.router
    assert router.kind == WORLD.router
    assert router.section("alb") == {
        "load_balancer_name": WORLD.load_balancer_name,
        "listener_port": WORLD.listener_port,
        "stable_target_group": WORLD.stable_target_group,
        "canary_target_group": WORLD.canary_target_group,
    }
    assert router.section("route53") == {
        "hosted_zone": WORLD.hosted_zone,
        "record_name": WORLD.record_name,
        "stable_set_identifier": WORLD.stable_set_identifier,
        "canary_set_identifier": WORLD.canary_set_identifier,
    }
    assert production.alarms == WORLD.alarms
    assert plan.build_working_dir == (PLANS.parent / WORLD.frontend).resolve()


def test_the_id_source_reads_skus_from_the_top_level_array() -> None:
    plan = load_plan(PLANS / "partsdesk.yaml", env={})
    source = plan.probe.id_source
    assert source.path == "/v2/search?q=brake"
    skus = find(PartsStore().search("brake"), source.json_path)
    assert skus and all(isinstance(sku, str) and sku.startswith(("BRK-", "LMP-")) for sku in skus)


def test_it_differs_from_statusboard_where_a_plan_can_say() -> None:
    parts = load_plan(PLANS / "partsdesk.yaml", env={})
    board = load_plan(PLANS / "rehearsal.yaml", env={})
    assert parts.site_release.kind == "json" and board.site_release.kind == "meta"
    assert parts.release_header != board.release_header
    assert parts.environments.production.router.kind != board.environments.production.router.kind
    assert board.environments.production.canary_origin_id and not (
        parts.environments.production.canary_origin_id
    )
    assert parts.environments.production.health_path != board.environments.production.health_path
    assert not set(parts.smoke.suites) & set(board.smoke.suites)
    assert not {s.name for s in parts.scenarios} & {s.name for s in board.scenarios}
    assert not {s.path for s in parts.slos.latency} & {s.path for s in board.slos.latency}
    assert parts.canary.steps != board.canary.steps and parts.roles.uat_signers == []
