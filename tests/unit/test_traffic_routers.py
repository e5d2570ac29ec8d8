"""Router paths moto cannot show: a Route 53 change that is PENDING for a while, ambiguous zones,
ALB listeners that are not a plain stable/canary pair. Fake clients, no network."""

from __future__ import annotations

from typing import Any

import pytest

from tasks.traffic import TrafficError
from tasks.traffic.alb import AlbRouter, AlbSettings
from tasks.traffic.route53 import Route53Router, Route53Settings

ZONE = Route53Settings(hosted_zone="example.com.", record_name="api.example.com.")


def record(identifier: str, weight: int) -> dict[str, Any]:
    return {
        "Name": "api.example.com.",
        "Type": "A",
        "SetIdentifier": identifier,
        "Weight": weight,
        "AliasTarget": {
            "HostedZoneId": "Z2",
            "DNSName": f"{identifier}.elb.amazonaws.com.",
            "EvaluateTargetHealth": True,
        },
    }


class FakeRoute53:
    def __init__(self, statuses: list[str], zones: int = 1) -> None:
        self.statuses = statuses  # what CreateChange, then each GetChange, reports
        self.zones = zones
        self.batches: list[dict[str, Any]] = []
        self.records = [record("stable", 100), record("canary", 0)]

    def list_hosted_zones_by_name(self, **_: Any) -> dict[str, Any]:
        return {
            "HostedZones": [
                {"Id": f"/hostedzone/Z{i}", "Name": "example.com."} for i in range(self.zones)
            ]
        }

    def list_resource_record_sets(self, **_: Any) -> dict[str, Any]:
        return {"ResourceRecordSets": self.records, "IsTruncated": False}

    def change_resource_record_sets(
        self, HostedZoneId: str, ChangeBatch: dict[str, Any]
    ) -> dict[str, Any]:
        self.batches.append(ChangeBatch)
        return {"ChangeInfo": {"Id": "/change/C1", "Status": self.statuses.pop(0)}}

    def get_change(self, Id: str) -> dict[str, Any]:
        return {
            "ChangeInfo": {"Id": Id, "Status": self.statuses.pop(0) if self.statuses else "PENDING"}
        }


def test_route53_waits_until_insync_and_keeps_alias_records() -> None:
    fake = FakeRoute53(["PENDING", "PENDING", "INSYNC"])
    change = Route53Router(ZONE, fake, poll_interval=0).set_canary_weight(10)
    assert change.changed and fake.statuses == []  # polled until INSYNC
    (batch,) = fake.batches
    assert [c["Action"] for c in batch["Changes"]] == ["UPSERT", "UPSERT"]
    sent = [c["ResourceRecordSet"] for c in batch["Changes"]]
    assert sent == [{**record("stable", 0), "Weight": 90}, {**record("canary", 0), "Weight": 10}]


def test_route53_change_not_in_sync_in_time_is_an_error() -> None:
    router = Route53Router(ZONE, FakeRoute53(["PENDING"]), sync_timeout=0.05, poll_interval=0.01)
    with pytest.raises(
        TrafficError,
        match=r"^route53:GetChange on change C1 \(api\.example\.com\. in zone "
        r"example\.com\.\): still PENDING after 0.05s",
    ):
        router.set_canary_weight(10)


def test_route53_refuses_to_guess_between_zones_of_one_name() -> None:
    with pytest.raises(TrafficError, match=r"2 hosted zones have that name \(Z0, Z1\)"):
        Route53Router(ZONE, FakeRoute53([], zones=2)).current_weight()


def test_route53_record_without_weight_is_refused() -> None:
    fake = FakeRoute53([])
    fake.records = [
        record("stable", 100),
        {k: v for k, v in record("canary", 0).items() if k != "Weight"},
    ]
    with pytest.raises(TrafficError, match="'canary' record has no Weight"):
        Route53Router(ZONE, fake).current_weight()


ALB = AlbSettings(
    load_balancer_name="web",
    listener_port=443,
    stable_target_group="blue",
    canary_target_group="green",
)
ARNS = {"blue": "arn:tg/blue", "green": "arn:tg/green", "other": "arn:tg/other"}


class FakeElbv2:
    def __init__(self, actions: list[dict[str, Any]]) -> None:
        self.actions = actions
        self.modified: list[list[dict[str, Any]]] = []

    def describe_load_balancers(self, Names: list[str]) -> dict[str, Any]:
        return {"LoadBalancers": [{"LoadBalancerArn": "arn:lb/web"}]}

    def describe_listeners(self, **kwargs: Any) -> dict[str, Any]:
        return {
            "Listeners": [
                {"ListenerArn": "arn:listener/443", "Port": 443, "DefaultActions": self.actions}
            ]
        }

    def describe_target_groups(self, Names: list[str]) -> dict[str, Any]:
        return {"TargetGroups": [{"TargetGroupArn": ARNS[Names[0]]}]}

    def modify_listener(self, ListenerArn: str, DefaultActions: list[dict[str, Any]]) -> None:
        self.modified.append(DefaultActions)
        self.actions = DefaultActions


def test_alb_plain_forward_becomes_weighted_keeping_other_actions_and_settings() -> None:
    auth = {
        "Type": "authenticate-oidc",
        "Order": 1,
        "AuthenticateOidcConfig": {"Issuer": "https://idp"},
    }
    forward = {"Type": "forward", "Order": 2, "TargetGroupArn": ARNS["blue"]}
    fake = FakeElbv2([auth, forward])
    router = AlbRouter(ALB, fake)
    assert router.weights() == {"stable": 1, "canary": 0} and router.current_weight() == 0
    change = router.set_canary_weight(25)
    assert (change.before, change.after, change.changed) == (0, 25, True)
    assert fake.modified == [
        [
            auth,
            {
                "Type": "forward",
                "Order": 2,
                "ForwardConfig": {
                    "TargetGroups": [
                        {"TargetGroupArn": ARNS["blue"], "Weight": 75},
                        {"TargetGroupArn": ARNS["green"], "Weight": 25},
                    ]
                },
            },
        ]
    ]
    assert forward == {
        "Type": "forward",
        "Order": 2,
        "TargetGroupArn": ARNS["blue"],
    }  # what was read is untouched


def test_alb_keeps_stickiness_and_refuses_a_third_group() -> None:
    sticky = {"Enabled": True, "DurationSeconds": 60}
    fake = FakeElbv2(
        [
            {
                "Type": "forward",
                "ForwardConfig": {
                    "TargetGroupStickinessConfig": sticky,
                    "TargetGroups": [
                        {"TargetGroupArn": ARNS["blue"], "Weight": 100},
                        {"TargetGroupArn": ARNS["green"], "Weight": 0},
                    ],
                },
            }
        ]
    )
    AlbRouter(ALB, fake).set_canary_weight(50)
    assert fake.actions[0]["ForwardConfig"]["TargetGroupStickinessConfig"] == sticky
    fake.actions[0]["ForwardConfig"]["TargetGroups"].append(
        {"TargetGroupArn": ARNS["other"], "Weight": 1}
    )
    with pytest.raises(TrafficError, match=r"also targets arn:tg/other: not a stable/canary pair"):
        AlbRouter(ALB, fake).set_canary_weight(10)


def test_alb_without_a_forward_action_is_refused() -> None:
    fake = FakeElbv2([{"Type": "fixed-response", "FixedResponseConfig": {"StatusCode": "503"}}])
    with pytest.raises(TrafficError, match="expected one forward default action, found 0"):
        AlbRouter(ALB, fake).current_weight()


def test_errors_survive_pickling() -> None:
    import pickle

    from tasks.metrics.cloudwatch import MetricsError

    for error in (
        TrafficError("route53:GetChange", "change C1", "still PENDING"),
        MetricsError("cloudwatch:DescribeAlarms", "alarms a", "AccessDenied"),
    ):
        copy = pickle.loads(pickle.dumps(error))
        assert (
            type(copy) is type(error)
            and str(copy) == str(error)
            and copy.resource == error.resource
        )
