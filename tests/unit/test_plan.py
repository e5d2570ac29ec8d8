"""The launch plan model: shipped plans load, overrides apply, bad plans say what and where."""

from __future__ import annotations

import copy
import pickle
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from blocks.plan import (
    Duration,
    LaunchPlan,
    PlanError,
    PlanValueError,
    load_plan,
    parse_duration,
    parse_latency_ms,
    parse_percent,
    parse_rate,
    validate_plan,
)
from golive.cli.plan import plan_app

REPO = Path(__file__).resolve().parents[2]
PLANS = REPO / "plans"
DELETE = object()


@pytest.fixture(scope="module")
def base() -> dict[str, Any]:
    return yaml.safe_load((PLANS / "sandbox.yaml").read_text())


def _parts(path: str) -> list[str | int]:
    """'slos.latency[0].threshold' -> ['slos', 'latency', 0, 'threshold']."""
    return [int(p) if p.isdigit() else p for p in re.findall(r"[^.\[\]]+", path)]


def edited(raw: dict[str, Any], edits: dict[str, Any]) -> dict[str, Any]:
    data = copy.deepcopy(raw)
    for path, value in edits.items():
        *parents, last = _parts(path)
        node: Any = data
        for part in parents:
            node = node[part]
        if value is DELETE:
            del node[last]
        else:
            node[last] = value
    return data


def problems_of(raw: dict[str, Any]) -> str:
    with pytest.raises(PlanError) as caught:
        validate_plan(raw, env={})
    return str(caught.value)


# ------------------------------------------------------------------ shipped plans


@pytest.mark.parametrize("name", ["statusboard-v2.yaml", "sandbox.yaml"])
def test_shipped_plans_load_without_warnings(name: str) -> None:
    plan = load_plan(PLANS / name, env={})
    assert plan.app == "StatusBoardV2"
    assert plan.canary.steps == [10, 30, 50, 100]
    assert set(plan.smoke.suites) == {
        "infrastructure",
        "api",
        "features",
        "performance",
        "security",
    }
    assert plan.slos.error_rate.target == pytest.approx(0.005)
    assert plan.slos.error_rate.limit == pytest.approx(0.01)
    assert [(s.name, s.stat, float(s.threshold)) for s in plan.slos.latency] == [
        ("board", "p95", 800.0),
        ("drawer", "mean", 200.0),
    ]
    assert plan.warnings() == []
    assert plan.build_working_dir == REPO / "examples" / "statusboard-frontend"


def test_runbook_plan_values() -> None:
    plan = load_plan(PLANS / "statusboard-v2.yaml", env={})
    staging, production = plan.environments.staging, plan.environments.production
    assert staging.url == "https://staging.edgarsautoshop.com"
    assert staging.api_base_url == "https://staging-api.edgarsautoshop.com"
    assert production.url == "https://edgarsautoshop.com"
    assert production.bucket == staging.bucket == "edgar-mobile-auto-shop"
    assert production.cloudfront_distribution_id == "E1234567890123"
    assert production.router is not None and production.router.kind == "route53"
    assert plan.stabilization.window == 1800 and plan.stabilization.checkpoint_interval == 600
    assert plan.stabilization.checkpoints == 3
    assert plan.canary.bake.text == "10m" and plan.canary.bake == 600


def test_sandbox_plan_timings_are_seconds() -> None:
    plan = load_plan(PLANS / "sandbox.yaml", env={})
    assert plan.canary.bake == 3 and plan.canary.evaluation_interval == 1
    assert plan.stabilization.window == 6 and plan.stabilization.checkpoint_interval == 2
    assert plan.approvals.timeout == 600
    assert plan.environments.production.bucket == "statusboard-sandbox"
    assert plan.roles.approvers == ["alice", "bob", "sandbox-approver"]
    assert plan.roles.uat_signers == ["qa-lead", "product-owner"]
    assert [(n.kind, n.block) for n in plan.notifications] == [("webhook", "sandbox-chat")]


def test_env_overrides_apply_and_are_recorded() -> None:
    env = {
        "STAGING_URL": "http://127.0.0.1:8101/",
        "STAGING_API_BASE_URL": "http://127.0.0.1:8102",
        "STAGING_CLOUDFRONT_DIST_ID": "EABCDEF1234567",
        "PROD_URL": "http://127.0.0.1:8103",
        "PROD_API_BASE_URL": "http://127.0.0.1:8104",
        "CLOUDFRONT_DIST_ID": "EZYXWV9876543",
        "S3_BUCKET": "other-bucket",
        "UNRELATED": "ignored",
    }
    plan = load_plan(PLANS / "sandbox.yaml", env=env)
    staging, production = plan.environments.staging, plan.environments.production
    assert staging.url == "http://127.0.0.1:8101"  # trailing slash dropped: paths are joined on
    assert staging.api_base_url == "http://127.0.0.1:8102"
    assert staging.cloudfront_distribution_id == "EABCDEF1234567"
    assert production.url == "http://127.0.0.1:8103"
    assert production.api_base_url == "http://127.0.0.1:8104"
    assert production.cloudfront_distribution_id == "EZYXWV9876543"
    assert staging.bucket == production.bucket == "other-bucket"
    assert plan.overrides["environments.staging.url"] == "STAGING_URL"
    assert plan.overrides["environments.production.bucket"] == "S3_BUCKET"
    assert len(plan.overrides) == 8


def test_empty_env_variable_does_not_override() -> None:
    plan = load_plan(PLANS / "statusboard-v2.yaml", env={"PROD_URL": ""})
    assert plan.environments.production.url == "https://edgarsautoshop.com"
    assert plan.overrides == {}


def test_bad_override_is_reported_at_the_field() -> None:
    with pytest.raises(PlanError) as caught:
        load_plan(PLANS / "statusboard-v2.yaml", env={"PROD_URL": "edgarsautoshop.com"})
    assert "environments.production.url: 'edgarsautoshop.com' — an http(s) URL" in str(caught.value)


def test_plan_round_trips_through_json(base: dict[str, Any]) -> None:
    plan = validate_plan(base)
    dumped = plan.model_dump(mode="json")
    assert dumped["canary"]["bake"] == "3s" and dumped["slos"]["error_rate"]["target"] == "0.5%"
    assert LaunchPlan.model_validate(dumped) == plan
    assert pickle.loads(pickle.dumps(plan.canary.bake)).text == "3s"


# ------------------------------------------------------------------ unit parsers


@pytest.mark.parametrize(
    ("text", "seconds"), [("800ms", 0.8), ("3s", 3), ("10m", 600), ("1h", 3600), ("1.5s", 1.5)]
)
def test_parse_duration(text: str, seconds: float) -> None:
    parsed = parse_duration(text)
    assert isinstance(parsed, Duration) and parsed == pytest.approx(seconds) and parsed.text == text


@pytest.mark.parametrize(
    ("parser", "value", "message"),
    [
        (parse_duration, "800", "'800' — a duration with a unit such as '800ms'"),
        (parse_duration, 800, "800 — a duration with a unit"),
        (parse_duration, "5%", "'5%' — a duration such as '10m', not a percent"),
        (parse_percent, "10m", "'10m' — a percent such as '0.5%', not a duration"),
        (parse_percent, 0.5, "0.5 — a percent such as '0.5%' (with the % sign)"),
        (parse_latency_ms, "0.5%", "'0.5%' — a latency with a unit such as '800ms' or '0.8s'"),
        (parse_latency_ms, "2m", "'2m' — a latency with a unit"),
    ],
)
def test_parsers_reject_with_value_and_expectation(parser: Any, value: Any, message: str) -> None:
    with pytest.raises(PlanValueError) as caught:
        parser(value)
    assert message in str(caught.value)


@pytest.mark.parametrize(
    ("value", "per_second", "text"),
    [
        (50, 50.0, "50/s"),
        ("50/s", 50.0, "50/s"),
        ("3000/min", 50.0, "3000/min"),
        (0.5, 0.5, "0.5/s"),
        ("7", 7.0, "7/s"),
        ("2.5 / s", 2.5, "2.5 / s"),
    ],
)
def test_parse_rate(value: Any, per_second: float, text: str) -> None:
    rate = parse_rate(value)
    assert rate.per_second == pytest.approx(per_second) and rate.text == text


def test_probe_rate_and_client_lag_are_optional(base: dict[str, Any]) -> None:
    plan = validate_plan(base, env={})
    assert plan.probe.rate is None and plan.probe.max_client_lag is None
    assert plan.max_client_lag_ms is None  # then a tenth of each SLO's threshold
    assert plan.client_lag_bounds_ms == pytest.approx({"board p95": 80.0, "drawer mean": 20.0})
    bounded = validate_plan(
        edited(base, {"probe.rate": "125/s", "probe.max_client_lag": "15ms"}), env={}
    )
    assert bounded.probe.rate is not None and bounded.probe.rate.per_second == pytest.approx(125.0)
    assert bounded.max_client_lag_ms == pytest.approx(15.0)
    assert bounded.client_lag_bounds_ms == pytest.approx({"board p95": 15.0, "drawer mean": 15.0})
    assert (
        bounded.model_dump(mode="json")["probe"]["rate"] == "125/s"
    )  # the text the plan was written in
    assert validate_plan(bounded.model_dump(mode="json"), env={}) == bounded


def test_a_rate_slower_than_the_interval_is_warned_about(base: dict[str, Any]) -> None:
    slow = validate_plan(
        edited(base, {"probe.rate": "100/s"}), env={}
    )  # 250 requests: 2.5 s per 1 s interval
    assert any(
        w.startswith(
            "probe.rate: 100/s sends 250 requests in 2.5 s, longer than canary.evaluation_interval (1s)"
        )
        for w in slow.warnings()
    )
    assert not any(
        w.startswith("probe.rate")
        for w in validate_plan(edited(base, {"probe.rate": "250/s"}), env={}).warnings()
    )


def test_parsed_units() -> None:
    assert parse_percent("0.5%") == pytest.approx(0.005)
    assert parse_latency_ms("0.8s") == pytest.approx(800) and parse_latency_ms(
        "800ms"
    ) == pytest.approx(800)


# ------------------------------------------------------------------- bad plans

BOARD_CHECK = "smoke.suites.api[0]"
BAD_PLANS = [
    pytest.param(
        {"rollout": {}}, "rollout: {} — unknown key 'rollout'", id="unknown-top-level-key"
    ),
    pytest.param(
        {"canary.bake_time": "10m"},
        "canary.bake_time: '10m' — unknown key 'bake_time'; did you mean 'bake'?",
        id="misspelt-key",
    ),
    pytest.param({"canary.bake": DELETE}, "canary.bake: (missing) — required", id="missing-field"),
    pytest.param(
        {"environments.production.router.alb": 5},
        "environments.production.router.alb: 5 — a mapping of keys to values",
        id="router-section-not-a-mapping",
    ),
    pytest.param(
        {"canary": 5}, "canary: 5 — a mapping of keys to values", id="section-not-a-mapping"
    ),
    pytest.param(
        {"canary.steps": [10, 50, 30]},
        "canary.steps: [10, 50, 30] — steps must strictly increase",
        id="steps-not-increasing",
    ),
    pytest.param(
        {"canary.steps": [0, 50, 100]},
        "canary.steps[0]: 0 — a percent of traffic from 1 to 100",
        id="step-out-of-range",
    ),
    pytest.param(
        {"canary.steps": [10, 50]},
        "canary.steps: [10, 50] — the last step must be 100",
        id="last-step-not-100",
    ),
    pytest.param(
        {"canary.bake": "800"},
        "canary.bake: '800' — a duration with a unit such as '800ms'",
        id="duration-without-unit",
    ),
    pytest.param(
        {"canary.bake": 600}, "canary.bake: 600 — a duration with a unit", id="duration-as-number"
    ),
    pytest.param(
        {"canary.bake": "5%"},
        "canary.bake: '5%' — a duration such as '10m', not a percent",
        id="percent-as-duration",
    ),
    pytest.param(
        {"canary.bake": "0s"}, "canary.bake: '0s' — must be more than zero", id="zero-duration"
    ),
    pytest.param(
        {"slos.error_rate.target": "5m"},
        "slos.error_rate.target: '5m' — a percent such as '0.5%', not a duration",
        id="duration-as-percent",
    ),
    pytest.param(
        {"slos.error_rate.target": 0.005},
        "slos.error_rate.target: 0.005 — a percent such as '0.5%' (with the % sign)",
        id="percent-without-sign",
    ),
    pytest.param(
        {"slos.latency[0].threshold": "0.5%"},
        "slos.latency[0].threshold: '0.5%' — a latency with a unit such as '800ms' or '0.8s'",
        id="latency-as-percent",
    ),
    pytest.param(
        {"slos.error_rate.target": "2%"},
        "slos.error_rate.target: '2%' — must be below the limit ('1%')",
        id="error-target-above-limit",
    ),
    pytest.param(
        {"slos.error_rate.limit": "150%"},
        "slos.error_rate.limit: '150%' — at most 100%",
        id="error-limit-over-100",
    ),
    pytest.param(
        {"slos.min_samples": 5}, "slos.min_samples: 5 — at least 10", id="too-few-min-samples"
    ),
    pytest.param(
        {"slos.latency[1].name": "board"},
        "slos.latency[1].name: 'board' — SLO names must be unique",
        id="duplicate-slo-name",
    ),
    pytest.param(
        {"slos.latency[0].path": "api/board"},
        "slos.latency[0].path: 'api/board' — a path starting with '/'",
        id="latency-path-no-slash",
    ),
    pytest.param(
        {"slos.latency[0].stat": "p75"},
        "slos.latency[0].stat: 'p75' — one of 'mean', 'p50', 'p90', 'p95' or 'p99'",
        id="unknown-stat",
    ),
    pytest.param(
        {"canary.evaluation_interval": "1m"},
        "canary.evaluation_interval: '1m' — must not be longer than bake ('3s')",
        id="interval-over-bake",
    ),
    pytest.param(
        {"canary.max_total_failures": 1},
        "canary.max_total_failures: 1 — at least max_consecutive_failures (2)",
        id="total-below-consecutive",
    ),
    pytest.param(
        {"canary.max_consecutive_failures": 0},
        "canary.max_consecutive_failures: 0 — at least 1",
        id="zero-consecutive-failures",
    ),
    pytest.param(
        {"canary.compare_with_stable.alpha": 1.5},
        "canary.compare_with_stable.alpha: 1.5 — less than 1",
        id="alpha-out-of-range",
    ),
    pytest.param(
        {"stabilization.checkpoint_interval": "10s"},
        "stabilization.checkpoint_interval: '10s' — must not be longer than window ('6s')",
        id="checkpoint-over-window",
    ),
    pytest.param(
        {"roles.approvers": []}, "roles.approvers: [] — at least one approver", id="no-approvers"
    ),
    pytest.param(
        {"roles.approvers": ["alice", "alice"]},
        "roles.approvers: ['alice', 'alice'] — each approver once ('alice' is repeated)",
        id="duplicate-approver",
    ),
    pytest.param(
        {"roles.approvers": ["Alice Smith"]},
        "roles.approvers[0]: 'Alice Smith' — a lowercase name matching ^[a-z0-9][a-z0-9._-]*$",
        id="bad-approver-name",
    ),
    pytest.param(
        {"roles.uat_signers": ["qa", "qa"]},
        "roles.uat_signers: ['qa', 'qa'] — each UAT signer once ('qa' is repeated)",
        id="repeated-uat-signer",
    ),
    pytest.param(
        {"environments.production.router": DELETE},
        "environments.production.router: (missing) — required",
        id="production-without-router",
    ),
    pytest.param(
        {"environments.production.alarms": ["statusboard-5xx", "statusboard-5xx"]},
        "environments.production.alarms: ['statusboard-5xx', 'statusboard-5xx'] — each alarm once",
        id="duplicate-alarm",
    ),
    pytest.param(
        {"environments.staging.url": "staging.example.com"},
        "environments.staging.url: 'staging.example.com' — an http(s) URL",
        id="url-without-scheme",
    ),
    pytest.param(
        {"environments.staging.bucket": "Edgar_Bucket"},
        "environments.staging.bucket: 'Edgar_Bucket' — an S3 bucket name",
        id="bad-bucket",
    ),
    pytest.param(
        {"environments.staging.prefix": "/releases/"},
        "environments.staging.prefix: '/releases/' — an S3 key prefix without leading or trailing '/'",
        id="bad-prefix",
    ),
    pytest.param(
        {"environments.production.prefix": "staging/releases"},
        "environments.production.prefix: 'staging/releases' — must differ from staging's prefix",
        id="colliding-prefixes",
    ),
    pytest.param(
        {"environments.production.cloudfront_distribution_id": "e123"},
        "environments.production.cloudfront_distribution_id: 'e123' — a CloudFront distribution id",
        id="bad-distribution-id",
    ),
    pytest.param(
        {f"{BOARD_CHECK}.path": "api/admin/appointments/board"},
        f"{BOARD_CHECK}.path: 'api/admin/appointments/board' — a path starting with '/'",
        id="smoke-path-no-slash",
    ),
    pytest.param(
        {f"{BOARD_CHECK}.path": "/api/{appointment}"},
        f"{BOARD_CHECK}.path: '/api/{{appointment}}' — uses {{appointment}}, which probe.id_source does "
        "not capture (it captures {id}): add captures: {appointment: <JSON path>}",
        id="unknown-placeholder",
    ),
    pytest.param(
        {f"{BOARD_CHECK}.path": "/api/{sku"},
        f"{BOARD_CHECK}.path: '/api/{{sku' — a path whose placeholders are names in braces",
        id="broken-placeholder",
    ),
    pytest.param(
        {f"{BOARD_CHECK}.method": "FETCH"},
        f"{BOARD_CHECK}.method: 'FETCH' — one of 'GET', 'HEAD', 'POST', 'PUT', 'PATCH' or 'DELETE'",
        id="unknown-method",
    ),
    pytest.param(
        {f"{BOARD_CHECK}.expect_status": 700},
        f"{BOARD_CHECK}.expect_status: 700 — at most 599",
        id="status-out-of-range",
    ),
    pytest.param(
        {f"{BOARD_CHECK}.target": "cdn"},
        f"{BOARD_CHECK}.target: 'cdn' — one of 'site' or 'api'",
        id="unknown-target",
    ),
    pytest.param(
        {f"{BOARD_CHECK}.auth": "bearer"},
        f"{BOARD_CHECK}.bearer_secret_block: (missing) — required when auth is 'bearer'",
        id="bearer-without-secret",
    ),
    pytest.param(
        {f"{BOARD_CHECK}.body": {"x": 1}},
        f"{BOARD_CHECK}.body: {{'x': 1}} — a body is only sent with POST, PUT or PATCH, not GET",
        id="body-on-get",
    ),
    pytest.param(
        {f"{BOARD_CHECK}.headers": {"Bad Header": "x"}},
        f"{BOARD_CHECK}.headers['Bad Header'] (key): 'Bad Header' — an HTTP header name",
        id="bad-header-name",
    ),
    pytest.param(
        {f"{BOARD_CHECK}.json_fields": ["columns..id"]},
        f"{BOARD_CHECK}.json_fields[0]: 'columns..id' — a JSON path such as 'status', "
        "'columns[*].appointments[*].id', '[*].id' or '$.meta.count' (at character 8: expected keys",
        id="bad-json-path",
    ),
    pytest.param(
        {"probe.id_source.json_path": "$items[*].id"},
        "probe.id_source.json_path: '$items[*].id' — a JSON path such as",
        id="bad-id-source-path",
    ),
    pytest.param(
        {"smoke.suites.api": []},
        "smoke.suites.api: [] — at least one check per suite",
        id="empty-suite",
    ),
    pytest.param(
        {"smoke.suites.api[1].name": "board"},
        "smoke.suites.api[1].name: 'board' — check names within a suite must be unique",
        id="duplicate-check-name",
    ),
    pytest.param({"smoke.suites": {}}, "smoke.suites: {} — at least one suite", id="no-suites"),
    pytest.param(
        {"probe.id_source": DELETE},
        "slos.latency[1].path: '/api/admin/appointments/{id}' — uses {id}, so probe.id_source must say",
        id="id-without-source",
    ),
    pytest.param(
        {"probe.concurrency": "many"},
        "probe.concurrency: 'many' — a whole number",
        id="not-a-number",
    ),
    pytest.param(
        {"probe.rate": "fast"},
        "probe.rate: 'fast' — a request rate such as '50/s' or '3000/min', or a number of requests per second",
        id="rate-not-a-rate",
    ),
    pytest.param(
        {"probe.rate": "50/h"}, "probe.rate: '50/h' — a request rate such as '50/s'", id="rate-unit"
    ),
    pytest.param(
        {"probe.rate": 0},
        "probe.rate: 0 — a request rate such as '50/s' or '3000/min', or a number of "
        "requests per second, more than zero",
        id="rate-zero",
    ),
    pytest.param({"probe.rate": True}, "probe.rate: True — a request rate", id="rate-bool"),
    pytest.param(
        {"probe.max_client_lag": "0ms"},
        "probe.max_client_lag: '0ms' — must be more than zero",
        id="lag-zero",
    ),
    pytest.param(
        {"probe.max_client_lag": 20},
        "probe.max_client_lag: 20 — a latency with a unit",
        id="lag-without-unit",
    ),
    pytest.param(
        {"probe.max_client_lag": "200ms"},
        "probe.max_client_lag: '200ms' — must be below the smallest latency SLO threshold ('200ms', "
        "drawer): a client lag that large could fail it on its own",
        id="lag-as-large-as-an-slo",
    ),
    pytest.param(
        {"probe.max_lag": "20ms"},
        "probe.max_lag: '20ms' — unknown key 'max_lag'; did you mean 'max_client_lag'?",
        id="lag-typo",
    ),
    pytest.param(
        {"notifications[0].kind": "E-mail"},
        "notifications[0].kind: 'E-mail' — a lowercase name",
        id="notifier-not-a-name",
    ),
    pytest.param(
        {"notifications[0].block": "Sandbox Chat"},
        "notifications[0].block: 'Sandbox Chat' — a Prefect block name",
        id="bad-block-name",
    ),
    pytest.param(
        {"build.command": []},
        "build.command: [] — an argv list such as ['python', 'build.py']",
        id="empty-build-command",
    ),
    pytest.param(
        {"build.output_dir": "../dist"},
        "build.output_dir: '../dist' — a path relative to build.working_dir",
        id="output-outside-build",
    ),
    pytest.param(
        {"api_release": None},
        "api_release: (missing) — required: how the API release gets out",
        id="no-api-release",
    ),
    pytest.param(
        {"api_release": {"kind": "redeploy"}},
        "api_release.image: (missing) — required by kind redeploy",
        id="redeploy-without-image",
    ),
    pytest.param(
        {"arms": {"by": "header", "values": {"stable": ["blue"], "canary": ["blue"]}}},
        "arms.values",
        id="one-value-two-arms",
    ),
]


def test_one_header_may_name_the_release_and_serve_as_the_arm(base: dict[str, Any]) -> None:
    plan = LaunchPlan.model_validate(
        edited(base, {"version_header": "X-Build", "release_header": "X-Build"})
    )
    assert plan.arms.by == "release"


@pytest.mark.parametrize(("edits", "expected"), BAD_PLANS)
def test_bad_plan_is_rejected_naming_field_and_value(
    base: dict[str, Any], edits: dict[str, Any], expected: str
) -> None:
    message = problems_of(edited(base, edits))
    assert expected in message, message


@pytest.mark.parametrize("path", ["[*].id", "[0].items[*].id", "$[*].id", "$.data.items[*].id"])
def test_an_id_source_may_start_at_a_top_level_array_or_the_root(
    base: dict[str, Any], path: str
) -> None:
    plan = validate_plan(edited(base, {"probe.id_source.json_path": path}), env={})
    assert plan.probe.id_source is not None and plan.probe.id_source.json_path == path


def test_every_problem_is_listed(base: dict[str, Any]) -> None:
    raw = edited(
        base,
        {
            "canary.steps": [10, 50, 30],
            "roles.approvers": [],
            "slos.latency[0].threshold": "0.5%",
            "environments.production.bucket": "Edgar_Bucket",
            "extra": 1,
        },
    )
    with pytest.raises(PlanError) as caught:
        validate_plan(raw)
    problems = caught.value.problems
    assert len(problems) == 5, problems
    assert {p.split(":")[0] for p in problems} == {
        "canary.steps",
        "roles.approvers",
        "slos.latency[0].threshold",
        "environments.production.bucket",
        "extra",
    }
    assert str(caught.value).startswith("invalid launch plan (5 problems)")


def test_long_values_are_truncated(base: dict[str, Any]) -> None:
    message = problems_of(edited(base, {"app": ["x" * 500]}))
    line = next(line for line in message.splitlines() if line.strip().startswith("app:"))
    assert "…" in line and len(line) < 120


# ------------------------------------------------------------- file-level errors


def test_duplicate_yaml_keys_are_rejected(tmp_path: Path) -> None:
    text = (PLANS / "sandbox.yaml").read_text() + "\napp: Other\n"
    (tmp_path / "plan.yaml").write_text(text)
    with pytest.raises(PlanError) as caught:
        load_plan(tmp_path / "plan.yaml", env={})
    assert re.search(
        r"line \d+: 'app' — a key may appear once per mapping \(first at line \d+\)",
        str(caught.value),
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("app: [unclosed\n", "not valid YAML"),
        ("", "(plan): (empty) — a mapping with app, environments"),
        ("- a\n- b\n", "(plan): ['a', 'b'] — a mapping"),
    ],
)
def test_unusable_files(tmp_path: Path, text: str, expected: str) -> None:
    path = tmp_path / "plan.yaml"
    path.write_text(text)
    with pytest.raises(PlanError) as caught:
        load_plan(path, env={})
    assert expected in str(caught.value)
    assert str(path) in str(caught.value)


def test_build_working_dir_is_relative_to_the_plan_file(
    base: dict[str, Any], tmp_path: Path
) -> None:
    nested = tmp_path / "deploy" / "plans"
    nested.mkdir(parents=True)
    path = nested / "app.yaml"
    path.write_text(yaml.safe_dump(edited(base, {"build.working_dir": "../web"})))
    assert load_plan(path, env={}).build_working_dir == tmp_path / "deploy" / "web"
    absolute = tmp_path / "elsewhere"
    path.write_text(yaml.safe_dump(edited(base, {"build.working_dir": str(absolute)})))
    assert load_plan(path, env={}).build_working_dir == absolute


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(PlanError, match="cannot read the plan"):
        load_plan(tmp_path / "nope.yaml", env={})


# ------------------------------------------------------------------------ CLI


def test_cli_check_prints_summary(monkeypatch: pytest.MonkeyPatch) -> None:
    for variable in (
        "STAGING_URL",
        "STAGING_API_BASE_URL",
        "STAGING_CLOUDFRONT_DIST_ID",
        "PROD_URL",
        "PROD_API_BASE_URL",
        "CLOUDFRONT_DIST_ID",
        "S3_BUCKET",
    ):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("COLUMNS", "200")
    result = CliRunner().invoke(
        plan_app, ["check", "--offline", str(PLANS / "statusboard-v2.yaml")]
    )
    assert result.exit_code == 0, result.output
    for fragment in (
        "StatusBoardV2 launch plan is valid",
        "https://staging.edgarsautoshop.com",
        "https://staging-api.edgarsautoshop.com",
        "s3://edgar-mobile-auto-shop/releases/<release>/",
        "E1234567890123",
        "route53: api.edgarsautoshop.com.",
        "alice, bob",
        "qa-lead, product-owner",
        "infrastructure",
        "security",
        "p95 of /api/admin/appointments/board",
        "< 800ms",
        "10% → 30% → 50% → 100%",
        "30m at 100%, 3 checkpoints every 10m",
        "statusboard-slack",
        f"{REPO / 'examples' / 'statusboard-frontend'}  ('../examples/statusboard-frontend' in the plan)",
        f"{REPO / 'examples' / 'statusboard-frontend' / 'dist'}  ('dist' in the plan)",
    ):
        assert fragment in result.output, fragment


def test_cli_check_shows_each_relative_path_resolved_from_the_plan_file(
    tmp_path: Path, base: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "250")
    (tmp_path / "web").mkdir()
    (tmp_path / "plans").mkdir()
    plan = tmp_path / "plans" / "app.yaml"
    raw = edited(base, {"build.working_dir": "../web", "build.output_dir": "out/site"})
    plan.write_text(yaml.safe_dump(raw))
    monkeypatch.chdir(tmp_path / "plans")  # the file given relative to where the command runs
    result = CliRunner().invoke(plan_app, ["check", "--offline", "app.yaml"])
    assert result.exit_code == 0, result.output
    assert f"✓ app.yaml ({plan}): StatusBoardV2 launch plan is valid" in result.output
    # The key column is as wide as its longest key: match the values, not the padding.
    rows = {" ".join(line.strip("│ ").split()) for line in result.output.splitlines()}
    assert f"working dir {tmp_path / 'web'} ('../web' in the plan)" in rows
    assert any(
        row.startswith(f"output dir {tmp_path / 'web' / 'out' / 'site'} ('out/site' in the plan)")
        for row in rows
    )
    assert "does not exist" not in result.output
    # An absolute working_dir is shown as it is; a missing one is said.
    plan.write_text(yaml.safe_dump(edited(raw, {"build.working_dir": str(tmp_path / "gone")})))
    result = CliRunner().invoke(plan_app, ["check", "--offline", str(plan)])
    line = next(text for text in result.output.splitlines() if "working dir" in text)
    assert f"{tmp_path / 'gone'} " in line and "in the plan" not in line
    assert f"! build.working_dir: {tmp_path / 'gone'} does not exist" in result.output


def test_cli_check_shows_overrides(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STAGING_URL", "http://127.0.0.1:8101")
    monkeypatch.setenv("COLUMNS", "200")
    result = CliRunner().invoke(plan_app, ["check", "--offline", str(PLANS / "sandbox.yaml")])
    assert result.exit_code == 0, result.output
    assert "http://127.0.0.1:8101  (from $STAGING_URL)" in result.output


def test_cli_check_rejects_bad_plan(
    tmp_path: Path, base: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    path = tmp_path / "bad.yaml"
    path.write_text(
        yaml.safe_dump(edited(base, {"canary.steps": [10, 50, 30], "roles.approvers": []}))
    )
    result = CliRunner().invoke(plan_app, ["check", "--offline", str(path)])
    assert result.exit_code == 1
    assert "2 problems" in result.output
    assert "canary.steps: [10, 50, 30] — steps must strictly increase" in result.output
    assert "roles.approvers: [] — at least one approver" in result.output
    assert "Traceback" not in result.output
    assert isinstance(
        result.exception, SystemExit
    )  # a clean exit, not an error escaping the command
