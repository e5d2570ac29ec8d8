"""What a simulated router is: how it seeds its AWS resources in moto, how the watcher reads the
stable/canary weights back from them, and how it describes itself. One entry per router module.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # spec validates kinds against the registry: no import of it at run time
    from sandbox.spec import WorldSpec

Clients = Mapping[str, Any]  # boto3 client per service name, pointed at moto
Ids = Mapping[str, str]  # what seeding created, by name (they go into state.json's "ids")
Weights = dict[str, int]  # {"stable": ..., "canary": ...}, as the router holds them


class UnreadableRouting(RuntimeError):
    """The router's AWS state says something the edge cannot follow: reported, never read as 0 %."""


@dataclass(frozen=True)
class SimulatedRouter:
    kind: str
    title: str  # e.g. "Route 53 weighted records"
    services: tuple[str, ...]  # the boto3 services it needs
    seed: Callable[[Clients, WorldSpec], dict[str, str]]  # idempotent: seeding doubles as reset
    read_weights: Callable[[Clients, WorldSpec, Ids], Weights]  # raises UnreadableRouting
    describe: Callable[[WorldSpec, Ids], str]  # one line for `golive sandbox status`
