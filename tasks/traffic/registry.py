"""The traffic routers golive knows: one line per router module, and what is looked up there.

As Flagger's `pkg/router/factory.go` picks a router by the provider a Canary names, `router_for`
picks one by the plan's `router.kind`; an unknown kind is an error naming the known ones, never
a silent fallback. Adding a router is its module (declaring `ROUTER`), one line in `ROUTERS`,
and its tests (the contract suite runs every registered router).
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from typing import Any, Protocol

from pydantic import BaseModel, ValidationError

from blocks.plan import (
    MISSING,
    Environment,
    LaunchPlan,
    PlanError,
    Problem,
    RouterConfig,
    problems_from,
    show,
)
from golive.core.registry import Registry
from tasks.traffic import TrafficRouter, alb, route53
from tasks.traffic.plugin import RouterPlugin

__all__ = [
    "ROUTERS",
    "entry_for",
    "plan_problems",
    "router_for",
    "router_problems",
    "settings_for",
]

ROUTERS: Registry[RouterPlugin[Any]] = Registry(
    "traffic router",
    [
        route53.ROUTER,
        alb.ROUTER,
    ],
)

Loc = tuple[str | int, ...]


def entry_for(router: RouterConfig) -> RouterPlugin[Any]:
    """The entry for the router the plan selects; UnknownPlugin (naming the known kinds) if none."""
    return ROUTERS.get(router.kind)


def settings_for(router: RouterConfig, kind: str | None = None) -> BaseModel:
    """The typed settings of the section `kind` (default: the selected router's), validated by its entry.

    A plan loaded through `tasks.plugins.check_plugins` has passed this already; anything else
    gets the same problems here, as a PlanError, before a router is built on bad settings.
    """
    kind = kind or router.kind
    entry = ROUTERS.get(kind)
    raw = router.section(kind)
    if raw is None:
        raise PlanError([_missing_section(("router",), kind)])
    try:
        return entry.settings.model_validate(raw)
    except ValidationError as error:
        raise PlanError(_section_problems(error, entry, ("router", kind))) from None


def router_for(environment: Environment, client: Any | None = None) -> TrafficRouter:
    """The router the environment's plan names; `client` overrides the boto3 client (tests)."""
    if environment.router is None:
        raise ValueError("this environment has no router: only production shifts traffic")
    entry = entry_for(environment.router)
    settings = settings_for(environment.router)
    from tasks.aws import aws_client  # late: keeps importing the routers free of boto3 sessions

    return entry.build(settings, client or aws_client(entry.service, environment))


# ------------------------------------------------------------------ the plan check (tasks/plugins.py)


def plan_problems(plan: LaunchPlan) -> list[Problem]:
    """Every problem with the environments' router sections, each at its full field path."""
    problems: list[Problem] = []
    for name, environment in plan.environments.items():
        if environment.router is not None:
            problems += router_problems(environment.router, ("environments", name, "router"))
    return problems


class _Sectioned(Protocol):
    @property
    def kind(self) -> str: ...
    @property
    def settings(self) -> type[BaseModel]: ...


def router_problems(
    router: RouterConfig, loc: Loc, registry: Registry[Any] | None = None
) -> list[Problem]:
    """The problems of one `kind` + sections block: `registry` (default: the traffic routers)
    says which kinds exist and how each one's section is validated."""
    registry = registry if registry is not None else ROUTERS
    known = registry.kinds()
    problems: list[Problem] = []
    if router.kind not in known:
        problems.append(
            Problem(
                (*loc, "kind"), show(router.kind), f"a {registry.family}: one of {_either(known)}"
            )
        )
    elif router.section(router.kind) is None:
        problems.append(_missing_section(loc, router.kind))
    # Every section given is checked, the selected one or not: a plan switches `kind` by one word.
    for name, raw in router.sections.items():
        if name in known:
            try:
                registry.get(name).settings.model_validate(raw)
            except ValidationError as error:
                problems += _section_problems(error, registry.get(name), (*loc, name))
        else:
            problems.append(
                Problem((*loc, name), show(raw), _unknown_section(name, known, registry.family))
            )
    return problems


def _section_problems(error: ValidationError, entry: _Sectioned, loc: Loc) -> list[Problem]:
    # blocks.plan's own translation, so a router's field problems read like every other plan problem
    return [
        Problem((*loc, *p.loc), p.given, p.expected) for p in problems_from(error, entry.settings)
    ]


def _missing_section(loc: Loc, kind: str) -> Problem:
    return Problem((*loc, kind), show(MISSING), f"required when kind is {kind!r}")


def _unknown_section(name: str, known: Sequence[str], family: str = "traffic router") -> str:
    close = difflib.get_close_matches(name, ["kind", *known], n=1)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    return f"unknown key {name!r}{hint} (allowed: kind, and a section per {family}: {', '.join(known)})"


def _either(names: Sequence[str]) -> str:
    quoted = [repr(name) for name in names]
    return quoted[0] if len(quoted) == 1 else f"{', '.join(quoted[:-1])} or {quoted[-1]}"
