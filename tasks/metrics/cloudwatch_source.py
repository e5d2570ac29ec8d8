"""The metric source `cloudwatch`: its registry entry and plan settings (`metrics.cloudwatch`).

The canary is judged on what the production ALB counted for its two target groups, from
CloudWatch's `AWS/ApplicationELB` metrics (`tasks/metrics/cloudwatch_counts.py` reads them;
`golive.core.counts_judge` judges them with sequential tests, as it does Prometheus's counts).
The load balancer and target groups are the production router's (`router.kind: alb`,
`router.alb`); which group is the canary's follows the launch's roles (`tasks/traffic/roles.py`).

What CloudWatch can and cannot say, and so what the plan check states:

- ALB metrics have one-minute periods: a window is whole minutes (its start and end rounded down
  to the minute), so `canary.evaluation_interval` must be at least 60 s;
- they land late (about a minute or two in AWS): each window is read `lag` after it ends;
- they are per target group, not per path: every latency SLO is judged on all the group's
  requests (its TargetResponseTime), whatever its `path`;
- the arms are the target groups: a request's release is not seen (`arms` is not used).

Gates that judge one environment's health rather than a canary against stable (Gate A, Gate G,
the health check) still take the probe's samples (`collect`). Apart from the reader so a plan
load stays light (no boto3 here).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from blocks.plan import (
    MISSING,
    LaunchPlan,
    PlanModel,
    PositiveDuration,
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

__all__ = ["CLOUDWATCH_SOURCE", "CloudWatchSettings", "CloudWatchSource", "settings_of"]

SETTINGS_KEY = "cloudwatch"
PERIOD_S = 60  # the ALB's metrics: one data point per minute


class CloudWatchSettings(PlanModel):
    """`metrics.cloudwatch`. The load balancer and target groups are the production router's `alb`."""

    # How long after a minute ends its ALB metrics are complete in CloudWatch (AWS: about 1-2 min).
    lag: PositiveDuration = Duration(150, "150s")
    floor: Literal["probe"] | None = None  # also probe when the canary's real traffic is thin


def settings_of(plan: LaunchPlan) -> CloudWatchSettings:
    return section_settings(plan, SETTINGS_KEY, CloudWatchSettings)


@dataclass(frozen=True)
class CloudWatchSource:
    """A counting MetricsSource: the canary judged on the ALB's CloudWatch counts per target group."""

    kind: str = "cloudwatch"
    settings: str = f"metrics.{SETTINGS_KEY}"
    counting: bool = True

    def problems(self, plan: LaunchPlan) -> list[Problem]:
        settings, invalid = section_problems(plan, SETTINGS_KEY, CloudWatchSettings)
        if settings is None:
            return invalid
        problems: list[Problem] = []
        router = plan.environments.production.router
        where = ("environments", "production", "router")
        if router is None:
            problems.append(
                Problem(
                    where,
                    show(MISSING),
                    "required by metrics.kind cloudwatch: an ALB router (kind: alb) whose target "
                    "groups' metrics judge the canary",
                )
            )
        elif router.kind != "alb":
            problems.append(
                Problem(
                    (*where, "kind"),
                    show(router.kind),
                    "alb: metrics.kind cloudwatch reads the ALB target groups the canary is "
                    "routed to",
                )
            )
        interval = plan.canary.evaluation_interval
        if float(interval) < PERIOD_S:
            problems.append(
                Problem(
                    ("canary", "evaluation_interval"),
                    show(interval.text),
                    "at least 60s with metrics.kind cloudwatch: ALB metrics come in one-minute "
                    "periods, a shorter window holds none",
                )
            )
        return problems

    def describe(self, plan: LaunchPlan) -> str:
        settings = settings_of(plan)
        router = plan.environments.production.router
        alb = (router.section("alb") if router is not None else None) or {}
        groups = f"{alb.get('stable_target_group', '?')} / {alb.get('canary_target_group', '?')}"
        floor = "; the probe as a floor when the canary's traffic is thin" if settings.floor else ""
        return (
            f"cloudwatch: the canary's real traffic as the ALB "
            f"{alb.get('load_balancer_name', '(no router.alb)')} counts it per target group "
            f"({groups}), AWS/ApplicationELB RequestCount, HTTPCode_Target_5XX_Count and "
            f"TargetResponseTime (latency SLOs on all of a group's requests, not per path), "
            f"windows of whole minutes read {settings.lag.text} after they end, sequential tests "
            f"within a launch-wide false-rollback bound of "
            f"{plan.canary.false_rollback_bound.text}{floor}; other gates probe"
        )

    def collect(self, plan: LaunchPlan, environment: Environment) -> pd.DataFrame:
        from tasks.metrics.probe import probe

        return probe(environment.api_base_url, plan)

    # ------------------------------------------------------------ tasks.metrics.counting.CountingSource

    def wait_for_window(self, plan: LaunchPlan, end: float) -> None:
        from tasks.metrics.counting import sleep_until

        sleep_until(end + float(settings_of(plan).lag))

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
        """Arms by target group (`live_slot`'s is stable's): `rule` unused, CloudWatch sees no release."""
        from tasks.metrics.cloudwatch_counts import read_window

        return read_window(
            plan, environment, canary_start=canary_start, start=start, end=end, live_slot=live_slot
        )

    def floor(self, plan: LaunchPlan) -> str | None:
        return settings_of(plan).floor

    def warnings(self, plan: LaunchPlan) -> list[str]:
        """What `golive plan check` warns: SLOs of different paths all read the groups' one latency."""
        paths = {slo.path for slo in plan.slos.latency}
        if len(paths) <= 1:
            return []
        return [
            "metrics.kind cloudwatch: the latency SLOs "
            f"{', '.join(slo.name for slo in plan.slos.latency)} name different paths, but an "
            "ALB target group's TargetResponseTime covers all of its requests: each is judged "
            "on every request the group served"
        ]


CLOUDWATCH_SOURCE = CloudWatchSource()
