"""The traffic router registry: a plan's router sections are checked by the routers it lists,
an unknown kind is an error naming the known ones (never a silent ALB), and each entry
declares what the plan check, the permission probe and `golive plan check` read."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import BaseModel
from typer.testing import CliRunner

from blocks.plan import PlanError, validate_plan
from golive.cli.plan import plan_app
from golive.core.registry import UnknownPlugin
from tasks.plugins import check_plugins
from tasks.traffic import TrafficRouter, router_for
from tasks.traffic.registry import ROUTERS, settings_for

PLANS = Path(__file__).resolve().parents[2] / "plans"
ROUTER = "environments.production.router"
# What the messages list, from the registry itself: registering a router changes no test here.
KINDS = ROUTERS.kinds()
ONE_OF = f"one of {', '.join(map(repr, KINDS[:-1]))} or {KINDS[-1]!r}"  # "'alb' or 'route53'"


@pytest.fixture(scope="module")
def base() -> dict[str, Any]:
    return yaml.safe_load((PLANS / "sandbox.yaml").read_text())


def with_router(raw: dict[str, Any], **router: Any) -> dict[str, Any]:
    """The plan with keys of production's `router` mapping replaced (None deletes one)."""
    data = copy.deepcopy(raw)
    section = data["environments"]["production"]["router"]
    for key, value in router.items():
        if value is None:
            section.pop(key, None)
        else:
            section[key] = value
    return data


def problems_of(raw: dict[str, Any]) -> list[str]:
    """What a flow or `golive plan check` would report: the plan model, then the plug-in check."""
    with pytest.raises(PlanError) as caught:
        check_plugins(validate_plan(raw, env={}))
    return caught.value.problems


def test_the_registry_lists_the_shipped_routers() -> None:
    assert {"alb", "route53"} <= set(KINDS) and len(KINDS) == len(ROUTERS)
    assert ONE_OF.startswith("one of 'alb'")  # sorted, quoted, "or" before the last


def test_shipped_plans_pass_the_router_check() -> None:
    for name in ("sandbox.yaml", "statusboard-v2.yaml"):
        plan = check_plugins(validate_plan(yaml.safe_load((PLANS / name).read_text()), env={}))
        router = plan.environments.production.router
        assert router is not None and router.kind == "route53"
        assert settings_for(router).model_dump()["record_name"].startswith("api.")


def test_an_unknown_kind_names_the_known_ones(base: dict[str, Any]) -> None:
    assert problems_of(with_router(base, kind="nginx")) == [
        f"{ROUTER}.kind: 'nginx' — a traffic router: {ONE_OF}"
    ]


def test_a_section_for_an_unknown_router_is_a_typo(base: dict[str, Any]) -> None:
    assert problems_of(with_router(base, albb={"load_balancer_name": "x"})) == [
        f"{ROUTER}.albb: {{'load_balancer_name': 'x'}} — unknown key 'albb'; did you mean 'alb'? "
        f"(allowed: kind, and a section per traffic router: {', '.join(KINDS)})"
    ]


def test_the_selected_section_is_required(base: dict[str, Any]) -> None:
    assert problems_of(with_router(base, kind="alb", alb=None)) == [
        f"{ROUTER}.alb: (missing) — required when kind is 'alb'"
    ]


@pytest.mark.parametrize(
    ("router", "expected"),
    [
        pytest.param(
            {
                "route53": {
                    "hosted_zone": "statusboard.sandbox.",
                    "record_name": "api.statusboard.sandbox.",
                    "stable_set_identifer": "blue",
                }
            },
            f"{ROUTER}.route53.stable_set_identifer: 'blue' — unknown key 'stable_set_identifer'; "
            "did you mean 'stable_set_identifier'? "
            "(allowed: hosted_zone, record_name, stable_set_identifier, canary_set_identifier)",
            id="typo-in-a-key",
        ),
        pytest.param(
            {"route53": {"hosted_zone": "statusboard.sandbox.", "record_name": "api.example.org"}},
            f"{ROUTER}.route53.record_name: 'api.example.org.' — a name inside the hosted zone 'statusboard.sandbox.'",
            id="record-outside-zone",
        ),
        pytest.param(
            {"route53": {"hosted_zone": "Statusboard", "record_name": "api.statusboard.sandbox."}},
            f"{ROUTER}.route53.hosted_zone: 'Statusboard' — a lowercase DNS name such as 'example.com.'",
            id="bad-zone-name",
        ),
        pytest.param(
            {"route53": {"record_name": "api.statusboard.sandbox."}},
            f"{ROUTER}.route53.hosted_zone: (missing) — required",
            id="missing-field",
        ),
        # a section the plan does not select is checked too: switching `kind` must not reveal new problems
        pytest.param(
            {
                "alb": {
                    "load_balancer_name": "lb",
                    "stable_target_group": "a",
                    "canary_target_group": "a",
                }
            },
            f"{ROUTER}.alb.canary_target_group: 'a' — must differ from stable_target_group",
            id="same-target-groups",
        ),
        pytest.param(
            {
                "alb": {
                    "load_balancer_name": "lb",
                    "listener_port": 0,
                    "stable_target_group": "a",
                    "canary_target_group": "b",
                }
            },
            f"{ROUTER}.alb.listener_port: 0 — at least 1",
            id="port-out-of-range",
        ),
    ],
)
def test_a_bad_field_is_reported_at_its_full_path(
    base: dict[str, Any], router: dict[str, Any], expected: str
) -> None:
    assert problems_of(with_router(base, **router)) == [expected]


def test_every_router_problem_is_listed_at_once(base: dict[str, Any]) -> None:
    raw = with_router(
        base, kind="istio", route53={"hosted_zone": "statusboard.sandbox.", "record": "x"}, nginx={}
    )
    problems = problems_of(raw)
    assert [p.split(":")[0] for p in problems] == [
        f"{ROUTER}.kind",
        f"{ROUTER}.route53.record_name",
        f"{ROUTER}.route53.record",
        f"{ROUTER}.nginx",
    ]


def test_a_staging_router_is_checked_at_its_own_path(base: dict[str, Any]) -> None:
    raw = copy.deepcopy(base)
    raw["environments"]["staging"]["router"] = {"kind": "nginx"}
    assert problems_of(raw) == [
        f"environments.staging.router.kind: 'nginx' — a traffic router: {ONE_OF}"
    ]


def test_router_for_an_unknown_kind_raises_unknown_plugin(base: dict[str, Any]) -> None:
    production = validate_plan(base, env={}).environments.production
    assert production.router is not None
    istio = production.model_copy(
        update={"router": production.router.model_copy(update={"kind": "istio"})}
    )
    with pytest.raises(UnknownPlugin) as caught:
        router_for(istio, client=object())
    assert str(caught.value) == f"unknown traffic router 'istio' (known: {', '.join(KINDS)})"


def test_settings_for_a_plan_that_skipped_the_check_is_a_plan_error(base: dict[str, Any]) -> None:
    # validate_plan alone keeps the sections raw: building a router on them still validates first
    plan = validate_plan(with_router(base, route53={"hosted_zone": "statusboard.sandbox."}), env={})
    assert plan.environments.production.router is not None
    with pytest.raises(PlanError) as caught:
        settings_for(plan.environments.production.router)
    assert caught.value.problems == ["router.route53.record_name: (missing) — required"]


@pytest.mark.parametrize("entry", list(ROUTERS), ids=ROUTERS.kinds())
def test_each_entry_builds_a_router_from_the_sandbox_plan(base: dict[str, Any], entry: Any) -> None:
    # the sandbox plan carries a section for every registered router, so the contract suite can run it
    plan = validate_plan(with_router(base, kind=entry.kind), env={})
    assert plan.environments.production.router is not None
    settings = settings_for(plan.environments.production.router)
    assert isinstance(settings, entry.settings) and isinstance(settings, BaseModel)
    assert isinstance(
        entry.build(settings, object()), TrafficRouter
    )  # lookups are lazy: no AWS call yet
    assert entry.describe(settings) and "\n" not in entry.describe(settings)
    assert entry.service and entry.actions and all(":" in action for action in entry.actions)


@pytest.mark.parametrize(
    ("kind", "line"),
    [
        (
            "route53",
            "route53: api.statusboard.sandbox. in statusboard.sandbox. (set identifiers stable / canary)",
        ),
        ("alb", "alb: statusboard-prod:80 (target groups statusboard-stable / statusboard-canary)"),
    ],
)
def test_plan_check_prints_the_router_by_its_entry(
    base: dict[str, Any], tmp_path: Path, kind: str, line: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    path = tmp_path / "plan.yaml"
    path.write_text(yaml.safe_dump(with_router(base, kind=kind)))
    result = CliRunner().invoke(plan_app, ["check", "--offline", str(path)])
    assert result.exit_code == 0, result.output
    assert line in result.output


def test_plan_check_rejects_an_unknown_router(
    base: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    path = tmp_path / "plan.yaml"
    path.write_text(yaml.safe_dump(with_router(base, kind="istio")))
    result = CliRunner().invoke(plan_app, ["check", "--offline", str(path)])
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit)
    assert f"{ROUTER}.kind: 'istio' — a traffic router: {ONE_OF}" in result.output
