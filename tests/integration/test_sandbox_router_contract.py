"""The contract every simulated router keeps, run in a real sandbox (moto over HTTP) for each entry
of sandbox.routers.ROUTERS: a new router is tested by being registered (and given an AwsUser here,
the plain boto3 calls its AWS users make).

- seeding creates its resources;
- weights written with boto3 are what the edge applies (share of responses by version header);
- an AWS change the watcher cannot read is reported, never served as 0 % canary.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest

from sandbox import manager
from sandbox.routers import ROUTERS
from tests.integration.helpers import (
    aws,
    fetch_many,
    routing_weights,
    set_alb_weights,
    set_route53_weights,
    wait_for,
)

REQUESTS = 600  # per share measured: 4.5 standard deviations of binomial(600, 0.3) is ±0.084


@dataclass(frozen=True)
class AwsUser:
    """What a user of the router does with boto3: look at its resources, set weights, break it."""

    seeded: Callable[[manager.Sandbox], None]  # asserts the seeded resources are there
    set_weights: Callable[[manager.Sandbox, int, int], None]
    break_routing: Callable[
        [manager.Sandbox], str
    ]  # an unreadable change; returns what the report names


def _route53_seeded(sandbox: manager.Sandbox) -> None:
    spec, zone = sandbox.spec, sandbox.state["ids"]["hosted_zone_id"]
    records = aws(sandbox, "route53").list_resource_record_sets(HostedZoneId=zone)[
        "ResourceRecordSets"
    ]
    weighted = {r["SetIdentifier"]: r["Weight"] for r in records if r["Name"] == spec.record_name}
    assert weighted == {spec.stable_set_identifier: 100, spec.canary_set_identifier: 0}


def _route53_delete_canary(sandbox: manager.Sandbox) -> str:
    route53, zone = aws(sandbox, "route53"), sandbox.state["ids"]["hosted_zone_id"]
    record = next(
        r
        for r in route53.list_resource_record_sets(HostedZoneId=zone)["ResourceRecordSets"]
        if r.get("SetIdentifier") == sandbox.spec.canary_set_identifier
    )
    route53.change_resource_record_sets(
        HostedZoneId=zone,
        ChangeBatch={"Changes": [{"Action": "DELETE", "ResourceRecordSet": record}]},
    )
    return "no weighted record for set 'canary'"


def _alb_seeded(sandbox: manager.Sandbox) -> None:
    spec, ids, elbv2 = sandbox.spec, sandbox.state["ids"], aws(sandbox, "elbv2")
    lb = elbv2.describe_load_balancers(Names=[spec.load_balancer_name])["LoadBalancers"][0]
    assert lb["LoadBalancerArn"] == ids["load_balancer_arn"]
    groups = elbv2.describe_target_groups(
        Names=[spec.stable_target_group, spec.canary_target_group]
    )
    assert {g["TargetGroupArn"] for g in groups["TargetGroups"]} == {
        ids["stable_target_group_arn"],
        ids["canary_target_group_arn"],
    }
    listener = elbv2.describe_listeners(ListenerArns=[ids["listener_arn"]])["Listeners"][0]
    assert listener["Port"] == spec.listener_port
    forwarded = listener["DefaultActions"][0]["ForwardConfig"]["TargetGroups"]
    assert {g["TargetGroupArn"]: g["Weight"] for g in forwarded} == {
        ids["stable_target_group_arn"]: 100,
        ids["canary_target_group_arn"]: 0,
    }


def _alb_fixed_response(sandbox: manager.Sandbox) -> str:
    aws(sandbox, "elbv2").modify_listener(
        ListenerArn=sandbox.state["ids"]["listener_arn"],
        DefaultActions=[
            {
                "Type": "fixed-response",
                "FixedResponseConfig": {"StatusCode": "503", "ContentType": "text/plain"},
            }
        ],
    )
    return "fixed-response"


AWS_USERS: dict[str, AwsUser] = {
    "route53": AwsUser(_route53_seeded, set_route53_weights, _route53_delete_canary),
    "alb": AwsUser(_alb_seeded, set_alb_weights, _alb_fixed_response),
}


@pytest.fixture(params=list(ROUTERS))
def kind(request: pytest.FixtureRequest, sandbox: manager.Sandbox) -> Iterator[str]:
    """The edge follows this router for the test (every router is seeded, whichever it follows)."""
    assert request.param in AWS_USERS, (
        f"simulated router {request.param!r} has no AwsUser in {__name__}"
    )
    sandbox.use_router(request.param)
    try:
        yield request.param
    finally:
        sandbox.use_router(sandbox.spec.router)


def _versions(sandbox: manager.Sandbox, count: int) -> list[str]:
    responses = asyncio.run(
        fetch_many(sandbox.urls["production_edge"] + "/health", count, concurrency=50)
    )
    assert all(r.status_code == 200 for r in responses)
    return [r.headers[sandbox.spec.version_header] for r in responses]


def test_seeding_creates_its_resources(sandbox: manager.Sandbox, kind: str) -> None:
    AWS_USERS[kind].seeded(sandbox)
    routing = sandbox.routing()
    assert routing["router"] == kind and routing["problem"] is None
    assert routing["weights"] == {"stable": 100, "canary": 0}
    assert set(_versions(sandbox, 20)) == {"stable"}


def test_boto3_weights_are_what_the_edge_applies(sandbox: manager.Sandbox, kind: str) -> None:
    AWS_USERS[kind].set_weights(sandbox, 70, 30)
    wait_for(lambda: routing_weights(sandbox) == {"stable": 70, "canary": 30}, timeout=3)
    share = _versions(sandbox, REQUESTS).count("canary") / REQUESTS
    tolerance = 4.5 * math.sqrt(0.3 * 0.7 / REQUESTS)  # a false failure about once in 150,000 runs
    assert abs(share - 0.3) < tolerance, (
        f"{kind}: canary share {share:.3f}, expected 0.30 ± {tolerance:.3f}"
    )

    AWS_USERS[kind].set_weights(sandbox, 0, 100)
    wait_for(lambda: routing_weights(sandbox) == {"stable": 0, "canary": 100}, timeout=3)
    for other in AWS_USERS.keys() - {kind}:  # only the router the edge follows moves it
        AWS_USERS[other].set_weights(sandbox, 100, 0)
    sandbox.use_router(kind)  # the watcher re-reads now, not at its next poll
    assert set(_versions(sandbox, 20)) == {"canary"}


def test_an_unreadable_change_is_reported_not_served_as_0_percent(
    sandbox: manager.Sandbox, kind: str
) -> None:
    AWS_USERS[kind].set_weights(sandbox, 70, 30)
    wait_for(lambda: routing_weights(sandbox) == {"stable": 70, "canary": 30}, timeout=3)
    named = AWS_USERS[kind].break_routing(sandbox)
    wait_for(lambda: sandbox.routing()["problem"] is not None, timeout=3)
    routing = sandbox.routing()
    assert named in routing["problem"] and ROUTERS[kind].title in routing["problem"]
    assert routing["weights"] == {"stable": 70, "canary": 30}  # the last weights it could read
    assert "canary" in _versions(sandbox, 100)
    AWS_USERS[kind].set_weights(sandbox, 100, 0)  # a readable change clears the report
    wait_for(lambda: sandbox.routing()["problem"] is None, timeout=3)
    assert routing_weights(sandbox) == {"stable": 100, "canary": 0}


def test_route53_all_weights_zero_are_equal_shares(sandbox: manager.Sandbox) -> None:
    # AWS: "If you set Weight to 0 for all the records in the group, traffic is routed to all
    # resources with equal probability."
    set_route53_weights(sandbox, 0, 0)
    wait_for(lambda: routing_weights(sandbox) == {"stable": 0, "canary": 0}, timeout=3)
    share = _versions(sandbox, REQUESTS).count("canary") / REQUESTS
    assert abs(share - 0.5) < 4.5 * math.sqrt(0.25 / REQUESTS), (
        f"canary share {share:.3f}, expected 0.50"
    )
    assert sandbox.routing()["problem"] is None
