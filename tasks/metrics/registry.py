"""The metric sources, one line each, and the plan's choice among them (`metrics.kind`, default probe).

To add a source, write its module (an entry satisfying `tasks.metrics.MetricsSource`) and list
it here; the contract tests (tests/unit/test_metric_source_contract.py) then run against it.
"""

from __future__ import annotations

from blocks.plan import LaunchPlan, Problem, show
from golive.core.registry import Registry, kind_problem
from tasks.metrics import MetricsSource
from tasks.metrics.cloudwatch_source import CLOUDWATCH_SOURCE
from tasks.metrics.probe_source import PROBE_SOURCE
from tasks.metrics.prometheus_source import PROMETHEUS_SOURCE

METRIC_SOURCES: Registry[MetricsSource] = Registry(
    "metric source",
    [
        PROBE_SOURCE,
        PROMETHEUS_SOURCE,
        CLOUDWATCH_SOURCE,
    ],
)


def source_for(plan: LaunchPlan) -> MetricsSource:
    """The plan's metric source; UnknownPlugin if no entry declares its kind (check_plugins says so first)."""
    return METRIC_SOURCES.get(plan.metrics.kind)


def is_counting(source: MetricsSource) -> bool:
    """A source that counts real traffic (the canary is judged on its counts), not per-request samples."""
    return bool(getattr(source, "counting", False))


def metric_source_problems(plan: LaunchPlan) -> list[Problem]:
    """The plan's `metrics:` section against the registry: a known kind, no stray keys, good settings."""
    kind = plan.metrics.kind
    if unknown := kind_problem(METRIC_SOURCES, kind, ("metrics", "kind")):
        return [unknown]
    source = METRIC_SOURCES.get(kind)
    # Settings in a top-level section (the probe's `probe:`) leave no key of its own under `metrics`.
    own = (
        source.settings.removeprefix("metrics.") if source.settings.startswith("metrics.") else None
    )
    where = f"metrics.{own}" if own else f"the plan's top-level {source.settings}: section"
    problems = [
        Problem(
            ("metrics", key),
            show(value),
            f"unknown key: the {kind} source's settings go in {where}",
        )
        for key, value in (plan.metrics.model_extra or {}).items()
        if key != own
    ]
    return problems + source.problems(plan)
