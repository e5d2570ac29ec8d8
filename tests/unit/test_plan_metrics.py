"""The plan's `metrics:` section: optional, the probe by default, checked against the metric-source
registry wherever a plan is loaded for use (tasks/plugins.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from blocks.plan import PlanError, read_plan_file, validate_plan
from tasks.metrics.probe_source import PROBE_SOURCE
from tasks.metrics.registry import source_for
from tasks.plugins import check_plugins

REPO = Path(__file__).resolve().parents[2]


def plan_with(**sections: Any):  # type: ignore[no-untyped-def]
    raw = read_plan_file(REPO / "plans" / "sandbox.yaml")
    raw.update(sections)
    return validate_plan(raw, env={})


@pytest.mark.parametrize("name", ["sandbox.yaml", "statusboard-v2.yaml", "rehearsal.yaml"])
def test_shipped_plans_without_a_metrics_section_use_the_probe(name: str) -> None:
    plan = check_plugins(validate_plan(read_plan_file(REPO / "plans" / name), env={}))
    assert plan.metrics.kind == "probe" and source_for(plan) is PROBE_SOURCE


def test_metrics_kind_probe_keeps_its_settings_in_the_probe_section() -> None:
    plan = check_plugins(plan_with(metrics={"kind": "probe"}))
    assert source_for(plan) is PROBE_SOURCE
    assert "250 synthetic requests per evaluation" in source_for(plan).describe(plan)


@pytest.mark.parametrize(
    ("metrics", "expected"),
    [
        (
            {"kind": "datadog", "datadog": {"site": "datadoghq.eu"}},
            "metrics.kind: 'datadog' — unknown metric source: one of cloudwatch, probe, prometheus",
        ),
        (
            {"kind": "prometheus", "prometheus": {"url": "http://prom:9090"}},
            "metrics.prometheus.url: 'http://prom:9090' — unknown key 'url' (allowed: "
            "requests_metric, duration_metric, status_label, handler_label, version_label, "
            "release_label, selector, handlers, buckets, scrape_interval, timeout, floor)",
        ),
        (
            {"kind": "probe", "probe": {"requests_per_evaluation": 10}},
            "metrics.probe: {'requests_per_evaluation': 10} — unknown key: the probe source's settings go in the "
            "plan's top-level probe: section",
        ),
    ],
)
def test_a_bad_metrics_section_is_refused_where_the_plan_is_loaded(
    metrics: dict[str, Any], expected: str
) -> None:
    plan = plan_with(metrics=metrics)  # the plan model cannot know the kinds: the registry can
    with pytest.raises(PlanError) as caught:
        check_plugins(plan, source="plan.yaml")
    assert caught.value.problems == [expected]
    assert str(caught.value).startswith("plan.yaml: invalid launch plan (1 problem)")


def test_metrics_kind_is_a_name() -> None:
    with pytest.raises(PlanError, match=r"metrics.kind: 'Probe!' — a lowercase name"):
        plan_with(metrics={"kind": "Probe!"})


def test_prometheus_needs_the_production_metrics_url() -> None:
    plan = plan_with(metrics={"kind": "prometheus"})
    with pytest.raises(PlanError) as caught:
        check_plugins(plan)
    assert caught.value.problems == [
        "environments.production.metrics_url: (missing) — required by metrics.kind prometheus: "
        "the Prometheus server's URL (or GOLIVE_PRODUCTION_METRICS_URL)"
    ]


def _prometheus_plan(settings: dict[str, Any]):  # type: ignore[no-untyped-def]
    raw = read_plan_file(REPO / "plans" / "sandbox.yaml")
    raw["metrics"] = {"kind": "prometheus", "prometheus": settings}
    raw["environments"]["production"]["metrics_url"] = "http://127.0.0.1:9090"
    return validate_plan(raw, env={})


@pytest.mark.parametrize(
    ("settings", "expected"),
    [
        (
            {"handlers": {"boards": "/api/board"}},
            "metrics.prometheus.handlers.boards: 'boards' — an SLO's name: one of board, drawer",
        ),
        (
            {"selector": '{job="api"}'},
            "metrics.prometheus.selector: '{job=\"api\"}' — label matchers without braces, "
            'e.g. job="api",env="prod"',
        ),
        ({"floor": "synthetic"}, "metrics.prometheus.floor: 'synthetic' — one of 'probe'"),
    ],
)
def test_bad_prometheus_settings_name_their_field(settings: dict[str, Any], expected: str) -> None:
    with pytest.raises(PlanError) as caught:
        check_plugins(_prometheus_plan(settings))
    assert caught.value.problems == [expected]


def test_prometheus_describes_what_it_judges_and_the_bound() -> None:
    plan = check_plugins(_prometheus_plan({"floor": "probe"}))
    described = source_for(plan).describe(plan)
    assert described.startswith("prometheus: the canary's real traffic at http://127.0.0.1:9090")
    assert "false-rollback bound of 1%" in described and "probe as a floor" in described


def test_plan_check_names_a_percentile_without_a_bucket_at_its_threshold() -> None:
    from tasks.metrics.prometheus_source import missing_buckets

    stated = _prometheus_plan({"buckets": ["100ms", "250ms", "500ms", "1s"]})
    assert missing_buckets(stated) == [
        "board p95: no histogram bucket at 800ms (buckets: 100ms, 250ms, 500ms, 1s): its share of "
        "slower requests cannot be counted, so it is judged inconclusive"
    ]
    assert missing_buckets(_prometheus_plan({"buckets": ["800ms"]})) == []
    assert "metrics.prometheus.buckets not given" in missing_buckets(_prometheus_plan({}))[0]


def _cloudwatch_plan(settings: dict[str, Any] | None = None, **production: Any):  # type: ignore[no-untyped-def]
    raw = read_plan_file(REPO / "plans" / "sandbox.yaml")
    raw["metrics"] = {"kind": "cloudwatch", "cloudwatch": settings or {}}
    raw["environments"]["production"]["router"]["kind"] = "alb"
    raw["environments"]["production"].update(production)
    raw["canary"]["evaluation_interval"] = "60s"
    raw["canary"]["bake"] = "120s"
    return validate_plan(raw, env={})


def test_cloudwatch_reads_the_production_albs_target_groups() -> None:
    plan = check_plugins(_cloudwatch_plan({"lag": "5s", "floor": "probe"}))
    described = source_for(plan).describe(plan)
    assert described.startswith(
        "cloudwatch: the canary's real traffic as the ALB statusboard-prod counts it per target "
        "group (statusboard-stable / statusboard-canary)"
    )
    assert "windows of whole minutes read 5s after they end" in described
    assert "not per path" in described and "probe as a floor" in described


@pytest.mark.parametrize(
    ("settings", "expected"),
    [
        ({"lag": "soon"}, "metrics.cloudwatch.lag: 'soon'"),
        ({"floor": "synthetic"}, "metrics.cloudwatch.floor: 'synthetic' — one of 'probe'"),
        ({"namespace": "AWS/ELB"}, "metrics.cloudwatch.namespace: 'AWS/ELB' — unknown key"),
    ],
)
def test_bad_cloudwatch_settings_name_their_field(settings: dict[str, Any], expected: str) -> None:
    with pytest.raises(PlanError) as caught:
        check_plugins(_cloudwatch_plan(settings))
    assert len(caught.value.problems) == 1 and caught.value.problems[0].startswith(expected)


def test_cloudwatch_needs_an_alb_router_and_whole_minute_windows() -> None:
    raw = read_plan_file(REPO / "plans" / "sandbox.yaml")
    raw["metrics"] = {"kind": "cloudwatch"}  # the sandbox plan: Route 53, evaluations every few s
    with pytest.raises(PlanError) as caught:
        check_plugins(validate_plan(raw, env={}))
    interval = raw["canary"]["evaluation_interval"]
    assert caught.value.problems == [
        "environments.production.router.kind: 'route53' — alb: metrics.kind cloudwatch reads "
        "the ALB target groups the canary is routed to",
        f"canary.evaluation_interval: '{interval}' — at least 60s with metrics.kind cloudwatch: "
        "ALB metrics come in one-minute periods, a shorter window holds none",
    ]


def test_cloudwatch_warns_that_latency_slos_are_per_target_group_not_per_path() -> None:
    plan = check_plugins(_cloudwatch_plan())
    (warning,) = source_for(plan).warnings(plan)  # type: ignore[attr-defined]
    assert "board, drawer name different paths" in warning
