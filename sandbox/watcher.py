"""Reads the routing state of the world from moto, as CloudFront and DNS would apply it.

The edges never hold their own idea of where traffic goes: they serve the watcher's last
read of the distributions' origin paths and the router's weights, read by the simulated
router the spec names (sandbox.routers: Route 53 weighted records, an ALB listener's
target-group weights). Routing the watcher cannot read is reported in the snapshot's
`problem` while the edge keeps serving the last weights it could read: never taken as 0 %.
A change made through the sandbox's
AWS endpoint is served as soon as the call returns (the AWS proxy has the watcher re-read
before it answers); one made straight to moto within `interval` (a background poll, 1 s:
each poll costs moto and this process CPU that the probe would otherwise measure).
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field, replace
from fnmatch import fnmatchcase

from sandbox.aws import client
from sandbox.routers import ROUTERS, router
from sandbox.seed import SeededIds
from sandbox.slots import SlotReader
from sandbox.spec import WorldSpec

log = logging.getLogger("golive.sandbox.watcher")
SLOT_POLLS = 5


@dataclass(frozen=True)
class Behaviour:
    """A cache behaviour: requests whose path matches `pattern` go to origin `origin_id`."""

    pattern: str  # CloudFront's path pattern: * and ? wildcards, case-sensitive
    origin_id: str

    def matches(self, path: str) -> bool:
        return fnmatchcase(
            path, self.pattern if self.pattern.startswith("/") else "/" + self.pattern
        )


@dataclass(frozen=True)
class Distribution:
    """What an edge needs of a distribution: its origins' paths and which origin serves a path."""

    origins: dict[str, str] = field(default_factory=dict)  # origin id -> origin path
    default_origin_id: str = ""
    behaviours: tuple[Behaviour, ...] = ()  # in precedence order, before the default

    def origin_path_for(self, path: str) -> str:
        """One origin per cache behaviour, as CloudFront serves: the first matching pattern, else
        the default behaviour's origin."""
        origin_id = next(
            (b.origin_id for b in self.behaviours if b.matches(path)), self.default_origin_id
        )
        return self.origins.get(origin_id, "")


@dataclass(frozen=True)
class RoutingSnapshot:
    staging: Distribution = field(default_factory=Distribution)
    production: Distribution = field(default_factory=Distribution)
    # every distribution by id: a continuous deployment's staging distribution too
    distributions: dict[str, Distribution] = field(default_factory=dict)
    # slot -> the release its API runs (sandbox/slots.py): staging, stable, canary
    api_releases: dict[str, str] = field(default_factory=dict)
    weights: dict[str, int] = field(default_factory=lambda: {"stable": 100, "canary": 0})
    router: str = "route53"
    read_at: float = 0.0
    problem: str | None = (
        None  # why the last read failed (the rest is the last good read), else None
    )


class RoutingWatcher:
    def __init__(
        self, spec: WorldSpec, ids: SeededIds, endpoint_url: str, interval: float = 1.0
    ) -> None:
        self.spec = spec
        self.ids = ids
        self.router: str = spec.router
        self.interval = interval
        self._cloudfront = client("cloudfront", endpoint_url, spec.region)
        self._slots = SlotReader(client("ecs", endpoint_url, spec.region), spec)
        # every router's clients up front: `POST /router` switches routers without making any
        self._aws = {
            name: client(name, endpoint_url, spec.region)
            for name in sorted({s for entry in ROUTERS.values() for s in entry.services})
        }
        self._stop = threading.Event()
        self._reading = (
            threading.Lock()
        )  # one read at a time: an older read never lands after a newer one
        self._thread = threading.Thread(target=self._run, name="routing-watcher", daemon=True)
        self.snapshot = RoutingSnapshot(router=self.router)
        self.refresh()

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()

    def refresh(self, slots: bool = True) -> RoutingSnapshot:
        """Read everything now (the slots' releases too unless `slots` is False); what cannot be
        read keeps its last known state and is reported."""
        with self._reading:
            last = self.snapshot
            try:
                distributions = self._distributions()
                staging = distributions[self.ids.staging_distribution_id]
                production = distributions[self.ids.production_distribution_id]
                releases = (
                    self._slots.read() if slots or not last.api_releases else last.api_releases
                )
            except Exception as error:  # the world may be mid-reset; the next poll will catch up
                log.warning("routing refresh failed, keeping last state: %s", error)
                self.snapshot = replace(last, problem=f"reading the distributions: {error}")
                return self.snapshot
            weights, problem = self._weights(last.weights)
            self.snapshot = RoutingSnapshot(
                staging=staging,
                production=production,
                distributions=distributions,
                api_releases=releases,
                weights=weights,
                router=self.router,
                read_at=time.time(),
                problem=problem,
            )
            return self.snapshot

    def _run(self) -> None:
        # Deploys through the sandbox's AWS endpoint are read at once (the proxy refreshes); one made
        # straight to moto shows within SLOT_POLLS polls: reading ECS every second is CPU the probe waits on.
        polls = 0
        while not self._stop.wait(self.interval):
            polls += 1
            self.refresh(slots=polls % SLOT_POLLS == 0)

    def _distributions(self) -> dict[str, Distribution]:
        """Every distribution's origins and behaviours, in one call (a poll is CPU the probe waits on)."""
        listing = self._cloudfront.list_distributions()["DistributionList"]
        return {d["Id"]: _distribution(d) for d in listing.get("Items", [])}

    def _weights(self, last: dict[str, int]) -> tuple[dict[str, int], str | None]:
        """The router's weights and None, or the last weights and why they could not be read."""
        entry = router(self.router)
        try:
            return entry.read_weights(self._aws, self.spec, self.ids.routers[entry.kind]), None
        except (
            Exception
        ) as error:  # UnreadableRouting or an AWS error: the edge keeps the last weights
            log.warning("%s weights unreadable, keeping %s: %s", entry.kind, last, error)
            return last, f"{entry.title}: {error}"


def _distribution(summary: dict) -> Distribution:
    origins = {o["Id"]: o.get("OriginPath", "") for o in summary["Origins"].get("Items", [])}
    default = summary.get("DefaultCacheBehavior", {}).get("TargetOriginId") or next(
        iter(origins), ""
    )
    behaviours = tuple(
        Behaviour(b["PathPattern"], b["TargetOriginId"])
        for b in (summary.get("CacheBehaviors") or {}).get("Items", []) or []
    )
    return Distribution(origins, default, behaviours)
