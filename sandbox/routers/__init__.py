"""The simulated routers, by kind. Simulating a new router: one module here declaring its
SimulatedRouter entry, and one line below. The sandbox's own registry: it shares nothing of golive's.
"""

from __future__ import annotations

from sandbox.registry import lookup, registry
from sandbox.routers import alb, route53
from sandbox.routers.base import SimulatedRouter, UnreadableRouting


def _registry(*entries: SimulatedRouter) -> dict[str, SimulatedRouter]:
    return registry("simulated routers", "kind", entries, lambda entry: entry.kind)


ROUTERS: dict[str, SimulatedRouter] = _registry(
    route53.ROUTER,
    alb.ROUTER,
)


def router(kind: str) -> SimulatedRouter:
    """The entry for `kind`; an unknown kind is an error naming the known ones."""
    return lookup(ROUTERS, kind, "router: unknown kind")


__all__ = ["ROUTERS", "SimulatedRouter", "UnreadableRouting", "router"]
