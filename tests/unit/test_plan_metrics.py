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
            {"kind": "prometheus", "prometheus": {"url": "http://prom:9090"}},
            "metrics.kind: 'prometheus' — unknown metric source: one of probe",
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
