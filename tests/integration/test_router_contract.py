"""The contract every registered traffic router keeps, against the sandbox's moto over HTTP.

Parametrized over `ROUTERS`: a router is tested here by being registered. Per router the suite
needs its section in plans/sandbox.yaml (resources the sandbox seeds) and its line in MISSING;
where the sandbox's edge can route by the router (the sandbox's simulated routers), the split
users see is checked through the edge too.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from blocks.plan import Environment, LaunchPlan
from sandbox import manager
from tasks.aws import aws_client
from tasks.traffic import TrafficError, TrafficRouter, router_for, target_weights
from tasks.traffic.registry import ROUTERS
from tasks.traffic.verify import header_classifier, wait_for_share
from tests.integration.helpers import routing_weights, wait_for
from tests.integration.router_helpers import Spy, health_url, with_router

SHARE_REQUESTS = 250  # the sandbox plan's requests_per_evaluation
EXACT_REQUESTS = 60  # at 0 % / 100 % one stray response fails, so fewer suffice


@dataclass(frozen=True)
class Missing:
    """Section fields that point at what the sandbox does not have, and what the error must name."""

    changes: dict[str, Any]
    action: str
    resource: str
    reason: str


MISSING: dict[str, Missing] = {
    "route53": Missing(
        {"record_name": "nope.statusboard.sandbox."},
        "route53:ListResourceRecordSets",
        "nope.statusboard.sandbox. in zone statusboard.sandbox.",
        "no weighted record with SetIdentifier 'stable', 'canary' (SetIdentifiers present: none)",
    ),
    "alb": Missing(
        {"listener_port": 8443},
        "elbv2:DescribeListeners",
        "listener :8443 of load balancer statusboard-prod",
        "no listener on that port (ports: 80)",
    ),
}


@pytest.fixture(params=ROUTERS.kinds())
def kind(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def environment(production: Environment, kind: str) -> Environment:
    """Production with `kind` selected: the sandbox plan carries every router's section."""
    return with_router(production, kind=kind)


def test_weights_are_set_and_read_back_from_0_to_100(environment: Environment) -> None:
    router = router_for(environment)
    assert isinstance(router, TrafficRouter)
    assert router.weights() == target_weights(0) and router.current_weight() == 0
    previous = 0
    for percent in (10, 30, 100, 30, 0):
        change = router.set_canary_weight(percent)
        assert (change.before, change.after, change.changed) == (previous, percent, True)
        assert change.weights == target_weights(percent) and change.resource
        assert router.weights() == target_weights(percent) and router.current_weight() == percent
        assert router_for(environment).current_weight() == percent  # read from AWS, not remembered
        previous = percent


def test_setting_the_current_weight_again_is_a_noop(environment: Environment, kind: str) -> None:
    client = Spy(aws_client(ROUTERS.get(kind).service, environment))
    router = router_for(environment, client=client)
    first = router.set_canary_weight(0)
    assert (first.before, first.after, first.changed) == (0, 0, False)
    assert client.writes() == []
    assert router.set_canary_weight(30).changed
    writes = client.writes()
    again = router.set_canary_weight(30)
    assert (again.before, again.after, again.changed) == (30, 30, False)
    assert again.weights == target_weights(30)
    assert writes and client.writes() == writes  # no AWS write for a no-op


def test_users_are_split_as_the_weights_say(
    sandbox: manager.Sandbox, plan: LaunchPlan, environment: Environment, kind: str
) -> None:
    followed = sandbox.routing()["router"]
    try:
        sandbox.use_router(kind)
    except manager.SandboxError as error:
        if " 422 " not in str(error):  # anything but "unknown router" is a broken sandbox
            raise
        pytest.skip(f"the sandbox's edge cannot route by {kind!r}")
    try:
        router = router_for(environment)
        for percent in (30, 100, 0):
            router.set_canary_weight(percent)
            wait_for(
                lambda percent=percent: routing_weights(sandbox) == target_weights(percent),
                timeout=3,
            )
            requests = SHARE_REQUESTS if percent == 30 else EXACT_REQUESTS
            observations = wait_for_share(
                health_url(environment),
                header_classifier(plan.version_header),
                percent,
                float(plan.canary.share_tolerance),
                requests=requests,
                concurrency=plan.probe.concurrency,
                timeout=10,
            )
            last = observations[-1]
            assert last.ok, [o.detail for o in observations]
            assert sum(last.counts.values()) == requests and last.unattributed == 0
    finally:
        sandbox.use_router(followed)


def test_a_missing_resource_is_a_traffic_error_naming_action_and_resource(
    environment: Environment, kind: str
) -> None:
    assert kind in MISSING, f"add {kind!r} to MISSING: section fields naming what the sandbox lacks"
    missing = MISSING[kind]
    router = router_for(with_router(environment, **missing.changes))
    for attempt in (router.current_weight, lambda: router.set_canary_weight(10)):
        with pytest.raises(TrafficError) as caught:
            attempt()
        assert str(caught.value) == f"{missing.action} on {missing.resource}: {missing.reason}"
