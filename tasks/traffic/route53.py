"""Route 53 weighted records as a traffic router.

The plan names a hosted zone and a record; the record exists twice, once per
SetIdentifier (stable, canary), each with a Weight. Resolvers hand out each record in
proportion to its weight, so the canary's share is canary / (stable + canary).

Both records are rewritten in ONE change batch: Route 53 applies a batch atomically,
so there is never a moment where both weights are 0 (equal split) or both are high.
Everything else about each record (type, TTL, values or alias target, health check)
is copied from what is there: golive moves weights, it does not redefine the records.
"""

from __future__ import annotations

import time
from typing import Any, Self

from pydantic import model_validator

from blocks.plan import DnsName, FieldChecks, NonEmpty, PlanModel
from tasks.traffic import (
    TrafficError,
    WeightChange,
    aws_action,
    canary_percent,
    check_percent,
    target_weights,
)
from tasks.traffic.plugin import RouterPlugin

__all__ = ["ROUTER", "Route53Router", "Route53Settings"]


class Route53Settings(PlanModel):
    """The plan's `router.route53`: weighted records, the canary weight is the canary record's share of the pair."""

    hosted_zone: DnsName
    record_name: DnsName
    stable_set_identifier: NonEmpty = "stable"
    canary_set_identifier: NonEmpty = "canary"

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        checks = FieldChecks()
        if self.record_name != self.hosted_zone and not self.record_name.endswith(
            "." + self.hosted_zone
        ):
            checks.fail(
                "record_name",
                self.record_name,
                f"a name inside the hosted zone {self.hosted_zone!r}",
            )
        if self.canary_set_identifier == self.stable_set_identifier:
            checks.fail(
                "canary_set_identifier",
                self.canary_set_identifier,
                "must differ from stable_set_identifier",
            )
        checks.raise_any()
        return self


class Route53Router:
    """A TrafficRouter over two weighted records; waits until a change is INSYNC."""

    def __init__(
        self,
        config: Route53Settings,
        route53: Any,
        *,
        sync_timeout: float = 180.0,
        poll_interval: float = 2.0,
    ) -> None:
        self.config = config
        self.route53 = route53
        # Real Route 53 reports INSYNC after ~30-60 s; moto at once.
        self.sync_timeout = sync_timeout
        self.poll_interval = poll_interval
        self._zone_id: str | None = None
        self.resource = f"{config.record_name} in zone {config.hosted_zone}"

    # ------------------------------------------------------------------ TrafficRouter

    def weights(self) -> dict[str, int]:
        records = self._records()
        return {version: int(record.get("Weight", 0)) for version, record in records.items()}

    def current_weight(self) -> int:
        return canary_percent(self.weights())

    def set_canary_weight(self, percent: int) -> WeightChange:
        target = target_weights(check_percent(percent))
        records = self._records()
        before = {version: int(record.get("Weight", 0)) for version, record in records.items()}
        if before == target:
            return WeightChange(
                canary_percent(before), percent, False, self.config.record_name, before
            )
        changes = [
            {
                "Action": "UPSERT",
                "ResourceRecordSet": {**records[version], "Weight": target[version]},
            }
            for version in ("stable", "canary")
        ]
        batch = {"Comment": f"golive: canary weight {percent}%", "Changes": changes}
        with aws_action("route53:ChangeResourceRecordSets", self.resource):
            change = self.route53.change_resource_record_sets(
                HostedZoneId=self.zone_id(), ChangeBatch=batch
            )
        self._wait_in_sync(change["ChangeInfo"])
        return WeightChange(canary_percent(before), percent, True, self.config.record_name, target)

    # ------------------------------------------------------------------ lookups

    def zone_id(self) -> str:
        """The hosted zone's id, found by name once per router."""
        if self._zone_id is None:
            self._zone_id = self._find_zone()
        return self._zone_id

    def _find_zone(self) -> str:
        name = self.config.hosted_zone
        resource = f"zone {name}"
        with aws_action("route53:ListHostedZonesByName", resource):
            zones = self.route53.list_hosted_zones_by_name(DNSName=name, MaxItems="10").get(
                "HostedZones", []
            )
        matching = [z for z in zones if z["Name"].lower() == name.lower()]
        if not matching:
            raise TrafficError(
                "route53:ListHostedZonesByName", resource, "no hosted zone with that name"
            )
        if len(matching) > 1:  # e.g. a public and a private zone of the same name: refuse to guess
            ids = ", ".join(z["Id"].split("/")[-1] for z in matching)
            raise TrafficError(
                "route53:ListHostedZonesByName",
                resource,
                f"{len(matching)} hosted zones have that name ({ids}); golive cannot tell which",
            )
        return matching[0]["Id"].split("/")[-1]

    def _records(self) -> dict[str, dict[str, Any]]:
        """{"stable": record, "canary": record} as Route 53 returns them; TrafficError if one is missing."""
        name = self.config.record_name.lower()
        found: list[dict[str, Any]] = []
        kwargs: dict[str, Any] = {
            "HostedZoneId": self.zone_id(),
            "StartRecordName": name,
            "MaxItems": "100",
        }
        with aws_action("route53:ListResourceRecordSets", self.resource):
            while True:  # records come sorted by name, so ours are at the start of the listing
                page = self.route53.list_resource_record_sets(**kwargs)
                found += [r for r in page["ResourceRecordSets"] if r["Name"].lower() == name]
                if not page.get("IsTruncated") or page.get("NextRecordName", "").lower() != name:
                    break
                kwargs.update(
                    StartRecordName=page["NextRecordName"], StartRecordType=page["NextRecordType"]
                )
                if "NextRecordIdentifier" in page:
                    kwargs["StartRecordIdentifier"] = page["NextRecordIdentifier"]
        by_set = {r["SetIdentifier"]: r for r in found if "SetIdentifier" in r}
        wanted = {
            "stable": self.config.stable_set_identifier,
            "canary": self.config.canary_set_identifier,
        }
        missing = [identifier for identifier in wanted.values() if identifier not in by_set]
        if missing:
            present = ", ".join(sorted(by_set)) or "none"
            raise TrafficError(
                "route53:ListResourceRecordSets",
                self.resource,
                f"no weighted record with SetIdentifier {', '.join(map(repr, missing))} "
                f"(SetIdentifiers present: {present})",
            )
        records = {version: by_set[identifier] for version, identifier in wanted.items()}
        for record in records.values():
            if "Weight" not in record:  # e.g. a latency or failover record with the same identifier
                raise TrafficError(
                    "route53:ListResourceRecordSets",
                    self.resource,
                    f"the {record['SetIdentifier']!r} record has no Weight: not a weighted record",
                )
        return records

    def _wait_in_sync(self, change: dict[str, Any]) -> None:
        """Poll GetChange until the change has reached every Route 53 name server."""
        change_id = change["Id"].split("/")[-1]
        status = change.get("Status", "PENDING")
        deadline = time.monotonic() + self.sync_timeout
        while status != "INSYNC":
            if time.monotonic() > deadline:
                raise TrafficError(
                    "route53:GetChange",
                    f"change {change_id} ({self.resource})",
                    f"still {status} after {self.sync_timeout:g}s",
                )
            time.sleep(self.poll_interval)
            with aws_action("route53:GetChange", f"change {change_id} ({self.resource})"):
                status = self.route53.get_change(Id=change_id)["ChangeInfo"]["Status"]


# ---------------------------------------------------------------------- the registry's entry


def probe_read(route53: Any, settings: Route53Settings) -> None:
    """The zone by name, then the start of its record listing at the plan's record."""
    zones = route53.list_hosted_zones_by_name(DNSName=settings.hosted_zone, MaxItems="1")[
        "HostedZones"
    ]
    if not zones or zones[0]["Name"] != settings.hosted_zone:
        raise LookupError(f"route53:ListHostedZonesByName: no hosted zone {settings.hosted_zone}")
    route53.list_resource_record_sets(
        HostedZoneId=zones[0]["Id"], StartRecordName=settings.record_name, MaxItems="2"
    )


def describe(settings: Route53Settings) -> str:
    return (
        f"{settings.record_name} in {settings.hosted_zone} "
        f"(set identifiers {settings.stable_set_identifier} / {settings.canary_set_identifier})"
    )


ROUTER: RouterPlugin[Route53Settings] = RouterPlugin(
    kind="route53",
    settings=Route53Settings,
    service="route53",
    actions=(  # every call the router makes: the zone by its name, its records, the change
        "route53:ListHostedZonesByName",
        "route53:ListResourceRecordSets",
        "route53:ChangeResourceRecordSets",
        "route53:GetChange",
    ),
    probe_read=probe_read,
    describe=describe,
    build=Route53Router,
)
