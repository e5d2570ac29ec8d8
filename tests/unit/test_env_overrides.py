"""Environment-variable overrides: GOLIVE_<ENV>_<FIELD> for every environment field, the runbook's
names as aliases, a disagreement between the two refused naming both, and one table for code and docs."""

from __future__ import annotations

from pathlib import Path

import pytest

from blocks.plan import ENV_OVERRIDES, OVERRIDES, PlanError, load_plan, overrides_markdown
from blocks.plan.environments import Environment

REPO = Path(__file__).resolve().parents[2]
SANDBOX = REPO / "plans" / "sandbox.yaml"


def test_every_environment_field_has_a_symmetric_name_in_both_environments() -> None:
    names = {o.name for o in OVERRIDES}
    for environment in ("staging", "production"):
        for field in Environment.model_fields:
            if field in (
                "block",
                "router",
                "frontend_router",
            ):  # block is read first; routers below
                continue
            if field in ("api_service", "api_slots"):  # sections: every leaf has a name, below
                continue
            assert f"GOLIVE_{environment.upper()}_{field.upper()}" in names, field
        assert f"GOLIVE_{environment.upper()}_ROUTER_KIND" in names


def test_every_api_slot_field_has_a_name() -> None:
    from blocks.plan import EcsService

    paths = {o.path for o in OVERRIDES}
    for environment in ("staging", "production"):
        for field in EcsService.model_fields:
            assert ("environments", environment, "api_service", field) in paths, field
            for slot in ("stable", "canary"):
                assert ("environments", environment, "api_slots", slot, field) in paths, field


def test_the_router_settings_of_every_registered_router_have_names() -> None:
    from tasks.traffic.registry import ROUTERS

    paths = {o.path for o in OVERRIDES}
    for entry in ROUTERS:
        for field in entry.settings.model_fields:
            for environment in ("staging", "production"):
                assert ("environments", environment, "router", entry.kind, field) in paths, (
                    entry.kind,
                    field,
                )


def test_the_frontend_router_settings_of_every_registered_router_have_names() -> None:
    from tasks.frontend.registry import FRONTEND_ROUTERS

    paths = {o.path for o in OVERRIDES}
    assert ("environments", "production", "frontend_router", "kind") in paths
    for entry in FRONTEND_ROUTERS:
        for field in entry.settings.model_fields:
            path = ("environments", "production", "frontend_router", entry.kind, field)
            assert path in paths, (entry.kind, field)


def test_symmetric_names_set_fields_routers_and_alarms() -> None:
    env = {
        "GOLIVE_STAGING_BUCKET": "staging-bucket",
        "GOLIVE_PRODUCTION_BUCKET": "prod-bucket",
        "GOLIVE_PRODUCTION_CLOUDFRONT_DISTRIBUTION_ID": "EPROD12345",
        "GOLIVE_PRODUCTION_ROUTER_KIND": "alb",
        "GOLIVE_PRODUCTION_ALB_LOAD_BALANCER_NAME": "other-lb",
        "GOLIVE_PRODUCTION_ALB_LISTENER_PORT": "8443",
        "GOLIVE_PRODUCTION_ROUTE53_HOSTED_ZONE": "example.org.",
        "GOLIVE_PRODUCTION_ALARMS": "api-5xx, api-latency,,",
    }
    plan = load_plan(SANDBOX, env=env)
    production = plan.environments.production
    assert (plan.environments.staging.bucket, production.bucket) == (
        "staging-bucket",
        "prod-bucket",
    )
    assert production.cloudfront_distribution_id == "EPROD12345"
    assert production.router is not None and production.router.kind == "alb"
    assert production.router.section("alb") == {
        "load_balancer_name": "other-lb",
        "listener_port": "8443",  # the router's own settings model reads it as a number
        "stable_target_group": "statusboard-stable",
        "canary_target_group": "statusboard-canary",
    }
    assert (production.router.section("route53") or {})["hosted_zone"] == "example.org."
    assert production.alarms == ["api-5xx", "api-latency"]
    assert plan.overrides["environments.production.router.alb.load_balancer_name"] == (
        "GOLIVE_PRODUCTION_ALB_LOAD_BALANCER_NAME"
    )


def test_a_router_section_is_made_when_the_plan_has_none() -> None:
    record = {"GOLIVE_STAGING_ROUTE53_RECORD_NAME": "api.example.org."}
    with pytest.raises(
        PlanError, match=r"environments\.staging\.router\.kind: \(missing\) — required"
    ):
        load_plan(SANDBOX, env=record)  # made, but a router needs its kind: said at the field
    plan = load_plan(SANDBOX, env={**record, "GOLIVE_STAGING_ROUTER_KIND": "route53"})
    router = plan.environments.staging.router
    assert router is not None and router.kind == "route53"
    assert router.section("route53") == {"record_name": "api.example.org."}


def test_runbook_aliases_and_symmetric_names_may_agree() -> None:
    plan = load_plan(
        SANDBOX, env={"S3_BUCKET": "same-bucket", "GOLIVE_STAGING_BUCKET": "same-bucket"}
    )
    assert plan.environments.staging.bucket == plan.environments.production.bucket == "same-bucket"
    assert plan.overrides["environments.staging.bucket"] == "GOLIVE_STAGING_BUCKET"
    assert plan.overrides["environments.production.bucket"] == "S3_BUCKET"


def test_a_disagreement_names_both_variables() -> None:
    env = {"PROD_URL": "https://a.example.com", "GOLIVE_PRODUCTION_URL": "https://b.example.com"}
    with pytest.raises(PlanError) as caught:
        load_plan(SANDBOX, env=env)
    message = str(caught.value)
    assert str(SANDBOX) in message
    assert (
        "environments.production.url: (environment variables) — set to different values by "
        "GOLIVE_PRODUCTION_URL='https://b.example.com' and PROD_URL='https://a.example.com'"
    ) in message


def test_the_runbook_names_stay_aliases() -> None:
    assert ENV_OVERRIDES["S3_BUCKET"] == (
        ("environments", "staging", "bucket"),
        ("environments", "production", "bucket"),
    )
    for name in (
        "STAGING_URL",
        "STAGING_API_BASE_URL",
        "STAGING_CLOUDFRONT_DIST_ID",
        "PROD_URL",
        "PROD_API_BASE_URL",
        "CLOUDFRONT_DIST_ID",
    ):
        assert len(ENV_OVERRIDES[name]) == 1, name
    assert ENV_OVERRIDES["CLOUDFRONT_DIST_ID"] == (
        ("environments", "production", "cloudfront_distribution_id"),
    )


def test_the_sandbox_env_file_names_are_all_known() -> None:
    """The sandbox writes the runbook's names (sandbox/envfile.py); each must still override a field."""
    text = (REPO / "sandbox" / "envfile.py").read_text()
    for name in (
        "STAGING_URL",
        "PROD_URL",
        "S3_BUCKET",
        "CLOUDFRONT_DIST_ID",
        "STAGING_CLOUDFRONT_DIST_ID",
    ):
        assert f'"{name}"' in text and name in ENV_OVERRIDES


def test_the_plan_reference_holds_the_generated_table() -> None:
    doc = (REPO / "docs" / "plan-reference.md").read_text()
    assert overrides_markdown() in doc, (
        "regenerate the table: python -c 'from blocks.plan import overrides_markdown; print(overrides_markdown())'"
    )
