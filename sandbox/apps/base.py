"""What a simulated app is: the API a sandbox world's backends serve.

A `SimulatedApp` says which paths are its API (the edge sends those to a backend, the rest to
the site's origin), how a path maps to one of its endpoints, how slow each endpoint is, what
it answers from its store, and how a store is made (one per database: staging has its own,
production's stable and canary slots share one). The backend (`sandbox/backend.py`) does the
rest, the same for every app: faults, the deadline-based latency, the slot and release headers.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

READ = frozenset({"GET", "HEAD"})


@dataclass(frozen=True)
class LatencyProfile:
    median_ms: float
    sigma: float  # log-normal shape: 0.3 is tight, 0.6 has a long tail

    def draw(self, rng: random.Random) -> float:
        return rng.lognormvariate(math.log(self.median_ms), self.sigma)

    def p95(self) -> float:
        return self.median_ms * math.exp(1.6449 * self.sigma)

    def mean(self) -> float:
        return self.median_ms * math.exp(self.sigma**2 / 2)


@dataclass(frozen=True)
class Route:
    """One endpoint a path names, the methods it takes, and the key in the path (an id, a SKU)."""

    endpoint: str
    methods: frozenset[str]
    key: Any = None


@dataclass(frozen=True)
class Request:
    """What an app's answer needs of a request (the backend has routed it and drawn its latency)."""

    route: Route
    body: bytes
    query: str  # the raw query string, without '?'
    backend: str  # the slot answering: staging, stable or canary


Answer = tuple[int, Any]  # status and the JSON content


@dataclass(frozen=True)
class SimulatedApp:
    name: str  # the registry's key: WorldSpec.api
    title: str  # e.g. "StatusBoardV2, an auto shop's appointment board"
    latency: Mapping[str, LatencyProfile]  # per endpoint; its keys are the endpoints faults name
    is_api: Callable[[str], bool]  # the paths the edge sends to a backend
    match: Callable[[str], Route | None]  # None: no such route (the backend's plain 404)
    answer: Callable[[Any, Request], Answer]  # (store, request) -> status, content
    new_store: Callable[[], Any]  # a store with `reset()`, as seeded
    # endpoint -> its route template, the `handler` label of the backend's metrics (sandbox/app_metrics.py)
    handlers: Mapping[str, str] = field(default_factory=dict)
    # what a user does next, for the user-traffic generator (sandbox/users.py); None: no users
    users: UserMix | None = None
    # the WorldSpec fields of this app's world (its names in AWS); {} = WorldSpec's defaults
    world: Mapping[str, Any] = field(default_factory=dict)

    @property
    def endpoints(self) -> tuple[str, ...]:
        return tuple(self.latency)

    def handler(self, endpoint: str | None) -> str:
        """The route template of `endpoint` ("none" for no route, as instrumentations label it)."""
        if endpoint is None:
            return "none"
        return self.handlers.get(endpoint, endpoint)


@dataclass(frozen=True)
class UserRequest:
    method: str
    path: str  # with its query, if any
    body: bytes | None = None


@dataclass(frozen=True)
class UserMix:
    """How the app's users behave: `next` picks a user's next request from what users have seen
    so far (`memory`, a dict the generator keeps), `learn` remembers what an answer showed (ids,
    versions). Both are pure functions of their arguments and the generator's random source."""

    next: Callable[[dict[str, Any], random.Random], UserRequest]
    learn: Callable[[dict[str, Any], UserRequest, int, Any], None]
