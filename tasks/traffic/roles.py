"""Which of the router's two targets serves users: the launch's roles over the router's names.

A router names its targets `stable` and `canary` (weighted records, target groups). With the
`slot_swap` API release kind the two are blue/green slots whose roles swap every launch: the
canary slot stays at 100 % when a release is promoted and becomes the live one, so the next
launch's canary is the router's `stable` target. `live_slot` is the router's name of the slot
that served every user before the launch (the backup manifest records it); `router_in_roles`
wraps the router so the flows keep asking for "the canary's percent" and reading
{"stable": live, "canary": candidate} whichever target that is.
"""

from __future__ import annotations

from collections.abc import Mapping

from blocks.plan import Environment
from tasks.traffic import TrafficRouter, WeightChange, check_percent, router_for

__all__ = ["SLOTS", "in_roles", "live_slot_of", "other_slot", "router_in_roles"]

SLOTS = ("stable", "canary")


def other_slot(slot: str) -> str:
    if slot not in SLOTS:
        raise ValueError(f"a slot is 'stable' or 'canary' (the router's targets), not {slot!r}")
    return "canary" if slot == "stable" else "stable"


def in_roles(weights: Mapping[str, int], live_slot: str) -> dict[str, int]:
    """The router's weights as the launch's roles: stable = the live slot's (pure)."""
    return {"stable": weights.get(live_slot, 0), "canary": weights.get(other_slot(live_slot), 0)}


def live_slot_of(weights: Mapping[str, int]) -> str | None:
    """The target that serves every user (the other at 0), or None when traffic is split."""
    for slot in SLOTS:
        if weights.get(slot, 0) > 0 and weights.get(other_slot(slot), 0) == 0:
            return slot
    return None


class SwappedRouter:
    """A router whose `canary` target is the live one: every percent is the other way round."""

    def __init__(self, router: TrafficRouter) -> None:
        self.router = router

    def set_canary_weight(self, percent: int) -> WeightChange:
        change = self.router.set_canary_weight(100 - check_percent(percent))
        return WeightChange(
            before=100 - change.before,
            after=100 - change.after,
            changed=change.changed,
            resource=change.resource,
            weights=change.weights,
        )

    def current_weight(self) -> int:
        return 100 - self.router.current_weight()

    def weights(self) -> dict[str, int]:
        return in_roles(self.router.weights(), "canary")


def router_in_roles(environment: Environment, live_slot: str = "stable") -> TrafficRouter:
    """The environment's router, its percents and weights in the launch's roles."""
    router = router_for(environment)
    return router if other_slot(live_slot) == "canary" else SwappedRouter(router)
