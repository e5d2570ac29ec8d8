"""The frontend routers golive knows, one line each, and what is looked up there: the plan
check of `environments.production.frontend_router`, and `frontend_for` (None without one: the
site then switches at promotion)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from blocks.plan import Environment, LaunchPlan, Problem, RouterConfig
from golive.core.registry import Registry
from tasks.frontend import FrontendRouter, cloudfront_continuous
from tasks.frontend.plugin import FrontendRouterPlugin
from tasks.traffic.registry import router_problems

__all__ = [
    "FRONTEND_ROUTERS",
    "frontend_for",
    "frontend_problems",
    "frontend_settings",
    "site_share_at",
]

FRONTEND_ROUTERS: Registry[FrontendRouterPlugin[Any]] = Registry(
    "frontend router",
    [
        cloudfront_continuous.ROUTER,
    ],
)


def frontend_settings(router: RouterConfig) -> tuple[FrontendRouterPlugin[Any], BaseModel]:
    """The entry and its validated settings (the plan passed `frontend_problems` already)."""
    entry = FRONTEND_ROUTERS.get(router.kind)
    return entry, entry.settings.model_validate(router.section(router.kind) or {})


def frontend_for(production: Environment, client: Any | None = None) -> FrontendRouter | None:
    """The frontend router the plan names, or None: then the site switches at promotion."""
    if production.frontend_router is None:
        return None
    entry, settings = frontend_settings(production.frontend_router)
    from tasks.aws import aws_client  # late: importing the registry makes no boto3 session

    return entry.build(settings, client or aws_client(entry.service, production), production)


def site_share_at(plan: LaunchPlan, step: int) -> float:
    """The percent of the site's viewers on the release at a canary step (0: no frontend router)."""
    router = plan.environments.production.frontend_router
    if router is None:
        return 0.0
    entry, settings = frontend_settings(router)
    return entry.share_at(settings, step)


def frontend_problems(plan: LaunchPlan) -> list[Problem]:
    problems: list[Problem] = []
    for name, environment in plan.environments.items():
        if environment.frontend_router is not None:
            problems += router_problems(
                environment.frontend_router,
                ("environments", name, "frontend_router"),
                FRONTEND_ROUTERS,
            )
    return problems
