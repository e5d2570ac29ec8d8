"""Traffic routers, the share check and the CloudWatch reader against the running sandbox."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from blocks.plan import Environment, LaunchPlan
from sandbox import manager
from tasks.aws import aws_client
from tasks.metrics import MetricsSource
from tasks.metrics.cloudwatch import MISSING, SUMMARY_COLUMNS, CloudWatchSummary, alarm_states
from tasks.traffic import TrafficError, router_for
from tasks.traffic.alb import AlbRouter
from tasks.traffic.route53 import Route53Router
from tasks.traffic.verify import header_classifier, wait_for_share
from tests.integration.router_helpers import Spy, health_url, with_router

EXACT_REQUESTS = 60  # at 0 % / 100 % one stray response fails, so fewer suffice


# ---------------------------------------------------------------- Route 53
# What every router does (weights, no-ops, the split users see, missing resources) is the contract
# suite's (test_router_contract.py); here, what is particular to each router.


def test_route53_change_is_one_batch_keeping_the_records(
    sandbox: manager.Sandbox, production: Environment
) -> None:
    route53 = Spy(aws_client("route53", production))
    router = router_for(production, client=route53)
    assert isinstance(router, Route53Router)
    assert router.set_canary_weight(30).changed
    assert route53.writes() == ["change_resource_record_sets"]
    records = route53.client.list_resource_record_sets(
        HostedZoneId=sandbox.state["ids"]["hosted_zone_id"]
    )["ResourceRecordSets"]
    weighted = {r["SetIdentifier"]: r for r in records if "SetIdentifier" in r}
    assert {
        k: (r["Type"], r["TTL"], r["Weight"], r["ResourceRecords"]) for k, r in weighted.items()
    } == {
        "stable": ("CNAME", 60, 70, [{"Value": "stable.statusboard.sandbox."}]),
        "canary": ("CNAME", 60, 30, [{"Value": "canary.statusboard.sandbox."}]),
    }


def test_share_check_catches_weights_the_edge_does_not_serve(
    sandbox: manager.Sandbox, plan: LaunchPlan
) -> None:
    # the ALB says 100 % canary, but the edge follows Route 53 (still 0 %): the check must fail
    production = plan.environments.production
    router_for(with_router(production, kind="alb")).set_canary_weight(100)
    observations = wait_for_share(
        health_url(production),
        header_classifier(plan.version_header),
        100,
        0.05,
        requests=EXACT_REQUESTS,
        concurrency=8,
        timeout=0.0,
        interval=0.3,
    )
    assert (
        len(observations) == 2
    )  # a miss is looked at again before it counts, even with no time left
    assert not observations[-1].ok
    assert "every response from canary" in observations[-1].detail
    assert observations[-1].counts == {"stable": EXACT_REQUESTS}


# ---------------------------------------------------------------- ALB


def test_alb_change_keeps_the_listener_and_writes_once_per_change(
    sandbox: manager.Sandbox, production: Environment
) -> None:
    environment = with_router(production, kind="alb")
    elbv2 = Spy(aws_client("elbv2", environment))
    router = router_for(environment, client=elbv2)
    assert isinstance(router, AlbRouter)
    listener_arn = sandbox.state["ids"]["listener_arn"]
    (before,) = elbv2.client.describe_listeners(ListenerArns=[listener_arn])["Listeners"]
    for percent in (10, 100, 0):
        assert router.set_canary_weight(percent).changed
    assert elbv2.writes() == ["modify_listener"] * 3
    (after,) = elbv2.client.describe_listeners(ListenerArns=[listener_arn])["Listeners"]
    assert {k: v for k, v in before.items() if k != "DefaultActions"} == {
        k: v for k, v in after.items() if k != "DefaultActions"
    }  # port, protocol, ... kept


# ---------------------------------------------------------------- errors


def test_missing_hosted_zone_names_zone_and_action(production: Environment) -> None:
    environment = with_router(
        production, hosted_zone="missing.sandbox.", record_name="api.missing.sandbox."
    )
    with pytest.raises(TrafficError) as caught:
        router_for(environment).current_weight()
    assert str(caught.value) == (
        "route53:ListHostedZonesByName on zone missing.sandbox.: no hosted zone with that name"
    )


def test_a_missing_set_identifier_names_the_ones_present(production: Environment) -> None:
    environment = with_router(production, canary_set_identifier="green")
    with pytest.raises(
        TrafficError, match=r"SetIdentifier 'green' \(SetIdentifiers present: canary, stable\)"
    ):
        router_for(environment).current_weight()


def test_denied_change_names_the_action_and_record(production: Environment) -> None:
    route53 = Spy(
        aws_client("route53", production), fail={"change_resource_record_sets": "AccessDenied"}
    )
    with pytest.raises(TrafficError) as caught:
        router_for(production, client=route53).set_canary_weight(10)
    assert str(caught.value) == (
        "route53:ChangeResourceRecordSets on api.statusboard.sandbox. in zone statusboard.sandbox.: AccessDenied"
    )


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {"load_balancer_name": "nope"},
            r"^elbv2:DescribeLoadBalancers on load balancer nope: LoadBalancerNotFound",
        ),
        (
            {"canary_target_group": "nope"},
            r"^elbv2:DescribeTargetGroups on target group nope: TargetGroupNotFound",
        ),
    ],
)
def test_alb_errors_name_the_missing_resource(
    production: Environment, changes: dict[str, Any], message: str
) -> None:
    with pytest.raises(TrafficError, match=message):
        router_for(with_router(production, kind="alb", **changes)).set_canary_weight(10)


# ---------------------------------------------------------------- CloudWatch


def _requests_through_the_alb(sandbox: manager.Sandbox, count: int) -> list[int]:
    """`count` API requests through the production edge (the load balancer); their statuses."""
    with httpx.Client(base_url=sandbox.urls["production_edge"], timeout=10) as http:
        return [http.get("/api/admin/appointments/board").status_code for _ in range(count)]


def test_cloudwatch_reads_what_the_load_balancer_counted(
    sandbox: manager.Sandbox, production: Environment
) -> None:
    """The summary reader on the sandbox's ALB metrics (sandbox/alb_metrics.py): what the edge
    forwarded to each target group, as CloudWatch reports it. moto publishes no ALB metrics, and a
    metric put into the AWS/ namespace by hand is not what an ALB publishes."""
    source = CloudWatchSummary.for_environment(production, window=120)
    assert not isinstance(
        source, MetricsSource
    )  # aggregates, not per-request samples: a summary reader
    assert source.load_balancer.startswith("app/statusboard-prod/")
    assert source.target_groups["canary"].startswith("targetgroup/statusboard-canary/")
    sandbox.use_router("alb")
    router = router_for(
        with_router(production, kind="alb")
    )  # through the AWS proxy: the edge follows at once
    try:
        router.set_canary_weight(0)
        stable = _requests_through_the_alb(sandbox, 30)
        router.set_canary_weight(100)
        sandbox.set_fault("canary", error_rate=1.0)
        canary = _requests_through_the_alb(sandbox, 10)
    finally:
        sandbox.use_router("route53")
    assert set(stable) == {200} and set(canary) == {500}

    frame = source.read()  # the last two minutes, the current one included
    assert list(frame.columns) == list(SUMMARY_COLUMNS)
    assert frame["period"].nunique() == 1  # the whole window is one period
    values = {(row.version, row.metric): row.value for row in frame.itertuples()}
    assert values[("stable", "requests")] == 30 and values[("stable", "errors_5xx")] == 0
    assert values[("canary", "requests")] == 10 and values[("canary", "error_rate")] == 1.0
    for version in ("stable", "canary"):
        assert 0 < values[(version, "latency_mean_ms")] <= values[(version, "latency_max_ms")]

    source.period = 60  # per minute, for trends: the requests' minutes, at most two of them
    per_minute = source.read()
    stable_requests = per_minute[
        (per_minute.version == "stable") & (per_minute.metric == "requests")
    ]
    assert stable_requests["value"].sum() == 30 and len(stable_requests) <= 2

    source.end = datetime.now(UTC) - timedelta(hours=1)  # nothing there: no rows, never a pass
    assert source.read().empty


def test_alarm_states_report_alarm_and_missing(production: Environment) -> None:
    assert alarm_states(production) == {"statusboard-5xx": "OK", "statusboard-latency": "OK"}
    aws_client("cloudwatch", production).set_alarm_state(
        AlarmName="statusboard-latency", StateValue="ALARM", StateReason="golive test"
    )
    environment = production.model_copy(
        update={"alarms": [*production.alarms, "statusboard-deleted"]}
    )
    assert alarm_states(environment) == {
        "statusboard-5xx": "OK",
        "statusboard-latency": "ALARM",
        "statusboard-deleted": MISSING,
    }
    assert alarm_states(production.model_copy(update={"alarms": []})) == {}
