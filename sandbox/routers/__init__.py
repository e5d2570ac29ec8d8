"""The simulated routers, by kind. Simulating a new router: one module here declaring its
SimulatedRouter entry, and one line below. The sandbox's own registry: it shares nothing of golive's.
"""

from __future__ import annotations

from sandbox.routers import alb, route53
from sandbox.routers.base import SimulatedRouter, UnreadableRouting


def _registry(*entries: SimulatedRouter) -> dict[str, SimulatedRouter]:
    kinds = [entry.kind for entry in entries]
    twice = sorted({kind for kind in kinds if kinds.count(kind) > 1})
    if twice:  # a second entry would silently replace the first
        raise ValueError(f"simulated routers: kind {', '.join(map(repr, twice))} registered twice")
    return {entry.kind: entry for entry in entries}


ROUTERS: dict[str, SimulatedRouter] = _registry(
    route53.ROUTER,
    alb.ROUTER,
)


def router(kind: str) -> SimulatedRouter:
    """The entry for `kind`; an unknown kind is an error naming the known ones."""
    try:
        return ROUTERS[kind]
    except KeyError:
        raise ValueError(
            f"router: unknown kind {kind!r} (expected one of {', '.join(ROUTERS)})"
        ) from None


__all__ = ["ROUTERS", "SimulatedRouter", "UnreadableRouting", "router"]
