"""A plan's plug-in sections, checked by the registry of each family.

The plan model (`blocks/plan`) knows that a router, a metric source or a notifier is named by
its `kind`; what each kind's own settings look like is declared by the plug-in's module and
listed in its family's registry (`tasks/traffic/registry.py`, ...). The plan model cannot import
those (it is the lowest layer), so a plan is checked here too, wherever it is loaded for use:
`load_plan_with_blocks` (every flow) and `golive plan check`. An unknown kind or a bad setting
is a `PlanError` naming the field, before anything runs.
"""

from __future__ import annotations

import os
from collections.abc import Callable

from blocks.plan import LaunchPlan, PlanError, Problem
from golive.core.site_release import site_release_problems
from tasks.api_release.registry import api_release_problems
from tasks.frontend.registry import frontend_problems
from tasks.metrics.registry import metric_source_problems
from tasks.notify_registry import notifier_problems
from tasks.traffic import registry as traffic_routers

# One line per plug-in family: plan -> the problems with its plug-in sections (empty when good).
FAMILY_CHECKS: tuple[Callable[[LaunchPlan], list[Problem]], ...] = (
    traffic_routers.plan_problems,
    frontend_problems,
    metric_source_problems,
    notifier_problems,
    api_release_problems,
    lambda plan: site_release_problems(plan.site_release),
)


def plugin_problems(plan: LaunchPlan) -> list[Problem]:
    return [problem for check in FAMILY_CHECKS for problem in check(plan)]


def check_plugins(plan: LaunchPlan, source: str | os.PathLike[str] | None = None) -> LaunchPlan:
    """The plan itself if every plug-in section is good; PlanError naming each problem if not."""
    if problems := plugin_problems(plan):
        raise PlanError(problems, source=source)
    return plan
