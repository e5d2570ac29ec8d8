"""The sandbox's registry of simulated routers, and each router's seed/read round trip in moto
(in-process here; tests/integration/test_sandbox_router_contract.py runs them in a real sandbox)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from pydantic import ValidationError

from sandbox.routers import ROUTERS, SimulatedRouter, UnreadableRouting, _registry, router
from sandbox.spec import WorldSpec


def test_an_unknown_kind_names_the_known_ones() -> None:
    with pytest.raises(
        ValueError, match=r"router: unknown kind 'nlb' \(expected one of route53, alb\)"
    ):
        router("nlb")
    with pytest.raises(ValidationError, match=r"unknown kind 'nlb'"):
        WorldSpec(router="nlb")


def test_a_kind_registered_twice_is_refused() -> None:
    with pytest.raises(ValueError, match="'route53' registered twice"):
        _registry(ROUTERS["route53"], ROUTERS["alb"], ROUTERS["route53"])


@pytest.fixture
def aws(in_process_aws: None) -> Iterator[dict[str, Any]]:
    yield {
        name: boto3.client(name, region_name="us-east-1")
        for name in {s for entry in ROUTERS.values() for s in entry.services}
    }


@pytest.mark.parametrize("entry", ROUTERS.values(), ids=list(ROUTERS))
def test_seeding_reads_back_100_0_and_twice_is_once(
    entry: SimulatedRouter, aws: dict[str, Any]
) -> None:
    spec = WorldSpec(router=entry.kind)
    ids = entry.seed(aws, spec)
    assert entry.seed(aws, spec) == ids  # seeding doubles as reset: the same resources
    assert entry.read_weights(aws, spec, ids) == {"stable": 100, "canary": 0}
    assert entry.describe(spec, ids)


def test_route53_a_missing_record_is_reported_not_read_as_0(aws: dict[str, Any]) -> None:
    spec, entry = WorldSpec(), ROUTERS["route53"]
    ids = entry.seed(aws, spec)
    record = next(
        r
        for r in aws["route53"].list_resource_record_sets(HostedZoneId=ids["hosted_zone_id"])[
            "ResourceRecordSets"
        ]
        if r.get("SetIdentifier") == "canary"
    )
    aws["route53"].change_resource_record_sets(
        HostedZoneId=ids["hosted_zone_id"],
        ChangeBatch={"Changes": [{"Action": "DELETE", "ResourceRecordSet": record}]},
    )
    with pytest.raises(UnreadableRouting, match="no weighted record for set 'canary'"):
        entry.read_weights(aws, spec, ids)


def test_alb_a_fixed_response_is_reported(aws: dict[str, Any]) -> None:
    spec, entry = WorldSpec(router="alb"), ROUTERS["alb"]
    ids = entry.seed(aws, spec)
    aws["elbv2"].modify_listener(
        ListenerArn=ids["listener_arn"],
        DefaultActions=[{"Type": "fixed-response", "FixedResponseConfig": {"StatusCode": "503"}}],
    )
    with pytest.raises(UnreadableRouting, match=r"default action \['fixed-response'\]"):
        entry.read_weights(aws, spec, ids)
