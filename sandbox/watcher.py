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

from sandbox.aws import client
from sandbox.routers import ROUTERS, router
from sandbox.seed import SeededIds
from sandbox.spec import WorldSpec

log = logging.getLogger("golive.sandbox.watcher")


@dataclass(frozen=True)
class RoutingSnapshot:
    staging_origins: dict[str, str] = field(default_factory=dict)  # origin id -> origin path
    production_origins: dict[str, str] = field(default_factory=dict)
    # every distribution's origins (id -> origin id -> path): a continuous deployment's staging one too
    distribution_origins: dict[str, dict[str, str]] = field(default_factory=dict)
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

    def refresh(self) -> RoutingSnapshot:
        """Read everything now; what cannot be read keeps its last known state and is reported."""
        with self._reading:
            last = self.snapshot
            try:
                origins = self._origins()
                staging = origins[self.ids.staging_distribution_id]
                production = origins[self.ids.production_distribution_id]
            except Exception as error:  # the world may be mid-reset; the next poll will catch up
                log.warning("routing refresh failed, keeping last state: %s", error)
                self.snapshot = replace(last, problem=f"reading the distributions: {error}")
                return self.snapshot
            weights, problem = self._weights(last.weights)
            self.snapshot = RoutingSnapshot(
                staging_origins=staging,
                production_origins=production,
                distribution_origins=origins,
                weights=weights,
                router=self.router,
                read_at=time.time(),
                problem=problem,
            )
            return self.snapshot

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.refresh()

    def _origins(self) -> dict[str, dict[str, str]]:
        """Origin id -> origin path of every distribution, in one call (a poll is CPU the probe waits on)."""
        listing = self._cloudfront.list_distributions()["DistributionList"]
        return {
            d["Id"]: {o["Id"]: o.get("OriginPath", "") for o in d["Origins"].get("Items", [])}
            for d in listing.get("Items", [])
        }

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
