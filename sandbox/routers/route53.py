"""Route 53 weighted records: one CNAME per version under the record name, told apart by set
identifier; a version's share is its weight over the sum (all weights 0: equal shares, as AWS does).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sandbox.routers.base import Clients, Ids, SimulatedRouter, UnreadableRouting, Weights

if TYPE_CHECKING:
    from sandbox.spec import WorldSpec

_ROUTING_TYPES = ("A", "AAAA", "CNAME")  # a TXT record of the same name routes no traffic


def _record(spec: WorldSpec, set_identifier: str, weight: int) -> dict[str, Any]:
    return {
        "Action": "UPSERT",
        "ResourceRecordSet": {
            "Name": spec.record_name,
            "Type": "CNAME",
            "SetIdentifier": set_identifier,
            "Weight": weight,
            "TTL": 60,
            "ResourceRecords": [{"Value": f"{set_identifier}.{spec.hosted_zone}"}],
        },
    }


def seed(aws: Clients, spec: WorldSpec) -> dict[str, str]:
    route53 = aws["route53"]
    zones = route53.list_hosted_zones_by_name(DNSName=spec.hosted_zone).get("HostedZones", [])
    zone = next((z for z in zones if z["Name"] == spec.hosted_zone), None)
    if zone is None:
        zone = route53.create_hosted_zone(
            Name=spec.hosted_zone, CallerReference=f"golive-{spec.hosted_zone}"
        )["HostedZone"]
    zone_id = zone["Id"].split("/")[-1]
    route53.change_resource_record_sets(
        HostedZoneId=zone_id,
        ChangeBatch={
            "Changes": [
                _record(spec, spec.stable_set_identifier, 100),
                _record(spec, spec.canary_set_identifier, 0),
            ]
        },
    )
    return {"hosted_zone_id": zone_id}


def read_weights(aws: Clients, spec: WorldSpec, ids: Ids) -> Weights:
    response = aws["route53"].list_resource_record_sets(
        HostedZoneId=ids["hosted_zone_id"], StartRecordName=spec.record_name, MaxItems="20"
    )
    versions = {spec.stable_set_identifier: "stable", spec.canary_set_identifier: "canary"}
    weights: Weights = {}
    for record in response["ResourceRecordSets"]:
        if record["Name"] != spec.record_name or record["Type"] not in _ROUTING_TYPES:
            continue
        where = f"Route 53 {record['Type']} {spec.record_name} set {record.get('SetIdentifier')!r}"
        if (
            record.get("SetIdentifier") not in versions
        ):  # traffic would go somewhere the edge does not serve
            raise UnreadableRouting(
                f"{where}: not one the edge serves (expected set identifiers "
                f"{spec.stable_set_identifier!r}, {spec.canary_set_identifier!r})"
            )
        if "Weight" not in record:
            raise UnreadableRouting(
                f"{where}: has no Weight (routed by another policy; expected weighted)"
            )
        weights[versions[record["SetIdentifier"]]] = int(record["Weight"])
    missing = [set_id for set_id, version in versions.items() if version not in weights]
    if missing:
        raise UnreadableRouting(
            f"Route 53 {spec.record_name}: no weighted record for set "
            f"{', '.join(map(repr, missing))} (expected one per version)"
        )
    return {"stable": weights["stable"], "canary": weights["canary"]}


def describe(spec: WorldSpec, ids: Ids) -> str:
    return (
        f"{spec.record_name} (sets {spec.stable_set_identifier}/{spec.canary_set_identifier})"
        f" in hosted zone {ids.get('hosted_zone_id', '?')}"
    )


ROUTER = SimulatedRouter(
    kind="route53",
    title="Route 53 weighted records",
    services=("route53",),
    seed=seed,
    read_weights=read_weights,
    describe=describe,
)
