"""Reads the routing state of the world from moto, as CloudFront and DNS would apply it.

The edges never hold their own idea of where traffic goes: they serve the watcher's last
read of the distributions' origin paths and the router's weights (Route 53 weighted
records or the ALB listener's target-group weights). A change made through the sandbox's
AWS endpoint is served as soon as the call returns (the AWS proxy has the watcher re-read
before it answers); one made straight to moto within `interval` (a background poll, 1 s:
each poll costs moto and this process CPU that the probe would otherwise measure).
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from sandbox.aws import client
from sandbox.seed import SeededIds
from sandbox.spec import RouterKind, WorldSpec
from tasks.releases import release_of

log = logging.getLogger("golive.sandbox.watcher")


@dataclass(frozen=True)
class RoutingSnapshot:
    staging_origins: dict[str, str] = field(default_factory=dict)      # origin id -> origin path
    production_origins: dict[str, str] = field(default_factory=dict)
    weights: dict[str, int] = field(default_factory=lambda: {"stable": 100, "canary": 0})
    router: RouterKind = "route53"
    read_at: float = 0.0


class RoutingWatcher:
    def __init__(self, spec: WorldSpec, ids: SeededIds, endpoint_url: str, interval: float = 1.0) -> None:
        self.spec = spec
        self.ids = ids
        self.router: RouterKind = spec.router
        self.interval = interval
        self._cloudfront = client("cloudfront", endpoint_url, spec.region)
        self._route53 = client("route53", endpoint_url, spec.region)
        self._elbv2 = client("elbv2", endpoint_url, spec.region)
        self._stop = threading.Event()
        self._reading = threading.Lock()  # one read at a time: an older read never lands after a newer one
        self._thread = threading.Thread(target=self._run, name="routing-watcher", daemon=True)
        self.snapshot = RoutingSnapshot(router=self.router)
        self.refresh()

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()

    def refresh(self) -> RoutingSnapshot:
        """Read everything now; on an AWS error keep serving the last known state."""
        with self._reading:
            try:
                origins = self._origins()
                self.snapshot = RoutingSnapshot(
                    staging_origins=origins[self.ids.staging_distribution_id],
                    production_origins=origins[self.ids.production_distribution_id],
                    weights=self._weights(),
                    router=self.router,
                    read_at=time.time(),
                )
            except Exception as error:  # the world may be mid-reset; the next poll will catch up
                log.warning("routing refresh failed, keeping last state: %s", error)
            return self.snapshot

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.refresh()

    def _origins(self) -> dict[str, dict[str, str]]:
        """Origin id -> origin path of every distribution, in one call (a poll is CPU the probe waits on)."""
        listing = self._cloudfront.list_distributions()["DistributionList"]
        return {d["Id"]: {o["Id"]: o.get("OriginPath", "") for o in d["Origins"].get("Items", [])}
                for d in listing.get("Items", [])}

    def _weights(self) -> dict[str, int]:
        if self.router == "alb":
            return self._alb_weights()
        return self._route53_weights()

    def _route53_weights(self) -> dict[str, int]:
        spec = self.spec
        response = self._route53.list_resource_record_sets(
            HostedZoneId=self.ids.hosted_zone_id, StartRecordName=spec.record_name, MaxItems="20")
        by_set = {r.get("SetIdentifier"): int(r.get("Weight", 0)) for r in response["ResourceRecordSets"]
                  if r["Name"] == spec.record_name and "SetIdentifier" in r}
        return {"stable": by_set.get(spec.stable_set_identifier, 0),
                "canary": by_set.get(spec.canary_set_identifier, 0)}

    def _alb_weights(self) -> dict[str, int]:
        listener = self._elbv2.describe_listeners(ListenerArns=[self.ids.listener_arn])["Listeners"][0]
        groups: list[dict[str, Any]] = []
        for action in listener.get("DefaultActions", []):
            if action.get("Type") == "forward":
                groups = action.get("ForwardConfig", {}).get("TargetGroups", [])
                if not groups and action.get("TargetGroupArn"):
                    groups = [{"TargetGroupArn": action["TargetGroupArn"], "Weight": 1}]
        by_arn = {g["TargetGroupArn"]: int(g.get("Weight", 1)) for g in groups}
        return {"stable": by_arn.get(self.ids.stable_target_group_arn, 0),
                "canary": by_arn.get(self.ids.canary_target_group_arn, 0)}
