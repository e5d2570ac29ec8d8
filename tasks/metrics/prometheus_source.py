"""The metric source `prometheus`: its registry entry and plan settings (`metrics.prometheus`).

The canary is judged on the counts of real traffic that the app's Prometheus metrics hold
(`tasks/metrics/prometheus.py` reads them; `golive.core.counts_judge` judges them with
sequential tests). Gates that judge one environment's health rather than a canary against
stable (Gate A's staging, which has no users; Gate G; the health check) still take the
probe's samples (`collect`). Apart from the reader so a plan load stays light.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from pydantic import Field, field_validator

from blocks.plan import (
    MISSING,
    LaunchPlan,
    PlanModel,
    PositiveDuration,
    PositiveLatency,
    Problem,
    show,
)
from blocks.plan.units import Duration
from tasks.metrics.sections import section_problems, section_settings

if TYPE_CHECKING:
    import pandas as pd

    from blocks.plan import Environment
    from golive.core.arms import ArmRule
    from tasks.metrics.counting import WindowCounts

__all__ = [
    "PROMETHEUS_SOURCE",
    "PrometheusSettings",
    "PrometheusSource",
    "missing_buckets",
    "settings_of",
]

SETTINGS_KEY = "prometheus"


class PrometheusSettings(PlanModel):
    """`metrics.prometheus`: the names the app's instrumentation exports (prometheus-fastapi-instrumentator's
    by default). The server's URL is the environment's `metrics_url` (GOLIVE_PRODUCTION_METRICS_URL)."""

    requests_metric: str = "http_requests_total"  # a counter of answers, with a status label
    duration_metric: str = "http_request_duration_seconds"  # a histogram, in seconds
    status_label: str = "status"  # "500", or "5xx" as grouped instrumentations say it
    handler_label: str = "handler"
    version_label: str = "version"  # the slot (arms.by: header)
    release_label: str = "release"  # the release (arms.by: release)
    selector: str = ""  # more matchers for every query, e.g. job="statusboard-api"
    handlers: dict[str, str] = Field(default_factory=dict)  # SLO name -> its handler label value
    buckets: list[PositiveLatency] | None = None  # the histogram's buckets, for `golive plan check`
    scrape_interval: PositiveDuration = Duration(15, "15s")  # how stale the newest reading may be
    timeout: PositiveDuration = Duration(5, "5s")
    floor: Literal["probe"] | None = None  # also probe when the canary's real traffic is thin

    @field_validator("selector")
    @classmethod
    def _no_braces(cls, selector: str) -> str:
        if any(char in selector for char in "{}"):
            raise ValueError('label matchers without braces, e.g. job="api",env="prod"')
        return selector.strip().strip(",")


def settings_of(plan: LaunchPlan) -> PrometheusSettings:
    return section_settings(plan, SETTINGS_KEY, PrometheusSettings)


@dataclass(frozen=True)
class PrometheusSource:
    """A counting MetricsSource: the canary judged on Prometheus's counts of real traffic."""

    kind: str = "prometheus"
    settings: str = f"metrics.{SETTINGS_KEY}"
    counting: bool = True

    def problems(self, plan: LaunchPlan) -> list[Problem]:
        settings, invalid = section_problems(plan, SETTINGS_KEY, PrometheusSettings)
        if settings is None:
            return invalid
        problems: list[Problem] = []
        if plan.environments.production.metrics_url is None:
            problems.append(
                Problem(
                    ("environments", "production", "metrics_url"),
                    show(MISSING),
                    "required by metrics.kind prometheus: the Prometheus server's URL "
                    "(or GOLIVE_PRODUCTION_METRICS_URL)",
                )
            )
        names = {slo.name for slo in plan.slos.latency}
        for name in settings.handlers:
            if name not in names:
                problems.append(
                    Problem(
                        ("metrics", SETTINGS_KEY, "handlers", name),
                        show(name),
                        f"an SLO's name: one of {', '.join(sorted(names)) or '(no latency SLOs)'}",
                    )
                )
        return problems

    def describe(self, plan: LaunchPlan) -> str:
        settings = settings_of(plan)
        url = plan.environments.production.metrics_url
        floor = "; the probe as a floor when the canary's traffic is thin" if settings.floor else ""
        return (
            f"prometheus: the canary's real traffic at {url or '(no metrics_url)'}, "
            f"{settings.requests_metric} and {settings.duration_metric} by "
            f"{settings.release_label if plan.arms.by == 'release' else settings.version_label}, "
            f"sequential tests within a launch-wide false-rollback bound of "
            f"{plan.canary.false_rollback_bound.text}{floor}; other gates probe"
        )

    def collect(self, plan: LaunchPlan, environment: Environment) -> pd.DataFrame:
        from tasks.metrics.probe import probe

        return probe(environment.api_base_url, plan)

    # ------------------------------------------------------------ tasks.metrics.counting.CountingSource

    def wait_for_window(self, plan: LaunchPlan, end: float) -> None:
        from tasks.metrics.prometheus import wait_for_window

        wait_for_window(end, settings_of(plan))

    def read_window(
        self,
        plan: LaunchPlan,
        environment: Environment,
        rule: ArmRule,
        *,
        canary_start: float,
        start: float,
        end: float,
        live_slot: str = "stable",
    ) -> WindowCounts:
        """Arms by the series' labels (`rule`), whichever router target served them: `live_slot` unused."""
        from tasks.metrics.prometheus import read_window

        return read_window(plan, environment, rule, canary_start=canary_start, start=start, end=end)

    def floor(self, plan: LaunchPlan) -> str | None:
        return settings_of(plan).floor

    def warnings(self, plan: LaunchPlan) -> list[str]:
        return missing_buckets(plan)


PROMETHEUS_SOURCE = PrometheusSource()


def missing_buckets(plan: LaunchPlan) -> list[str]:
    """Each percentile SLO whose threshold is not among the plan's stated buckets (plan check warns)."""
    settings = settings_of(plan)
    if settings.buckets is None:
        return [
            f"{slo.name}: metrics.prometheus.buckets not given: golive cannot check there is a "
            f"histogram bucket at {slo.threshold.text}"
            for slo in plan.slos.latency
            if slo.stat != "mean"
        ]
    stated = [float(b) for b in settings.buckets]
    return [
        f"{slo.name} {slo.stat}: no histogram bucket at {slo.threshold.text} "
        f"(buckets: {', '.join(b.text for b in settings.buckets)}): its share of slower "
        "requests cannot be counted, so it is judged inconclusive"
        for slo in plan.slos.latency
        if slo.stat != "mean" and not any(math.isclose(float(slo.threshold), b) for b in stated)
    ]
