"""An ALB listener forwarding to two target groups: a version's share is its group's weight in
the listener's forward action; a group the action does not list gets nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sandbox.routers.base import Clients, Ids, SimulatedRouter, UnreadableRouting, Weights

if TYPE_CHECKING:
    from sandbox.spec import WorldSpec


def _forward(stable_tg: str, canary_tg: str, stable: int, canary: int) -> list[dict[str, Any]]:
    return [
        {
            "Type": "forward",
            "ForwardConfig": {
                "TargetGroups": [
                    {"TargetGroupArn": stable_tg, "Weight": stable},
                    {"TargetGroupArn": canary_tg, "Weight": canary},
                ]
            },
        }
    ]


def _load_balancer(ec2: Any, elbv2: Any, spec: WorldSpec) -> dict[str, Any]:
    try:
        return elbv2.describe_load_balancers(Names=[spec.load_balancer_name])["LoadBalancers"][0]
    except elbv2.exceptions.LoadBalancerNotFoundException:
        vpc = ec2.create_vpc(CidrBlock="10.20.0.0/16")["Vpc"]["VpcId"]
        subnets = [
            ec2.create_subnet(
                VpcId=vpc, CidrBlock=f"10.20.{i}.0/24", AvailabilityZone=f"{spec.region}{zone}"
            )["Subnet"]["SubnetId"]
            for i, zone in ((1, "a"), (2, "b"))
        ]
        return elbv2.create_load_balancer(
            Name=spec.load_balancer_name,
            Subnets=subnets,
            Scheme="internet-facing",
            Type="application",
        )["LoadBalancers"][0]


def _target_group(elbv2: Any, name: str, vpc_id: str) -> str:
    try:
        return elbv2.describe_target_groups(Names=[name])["TargetGroups"][0]["TargetGroupArn"]
    except elbv2.exceptions.TargetGroupNotFoundException:
        return elbv2.create_target_group(
            Name=name, Protocol="HTTP", Port=80, VpcId=vpc_id, TargetType="ip"
        )["TargetGroups"][0]["TargetGroupArn"]


def seed(aws: Clients, spec: WorldSpec) -> dict[str, str]:
    elbv2 = aws["elbv2"]
    lb = _load_balancer(aws["ec2"], elbv2, spec)
    stable_tg = _target_group(elbv2, spec.stable_target_group, lb["VpcId"])
    canary_tg = _target_group(elbv2, spec.canary_target_group, lb["VpcId"])
    actions = _forward(stable_tg, canary_tg, 100, 0)
    listeners = elbv2.describe_listeners(LoadBalancerArn=lb["LoadBalancerArn"])["Listeners"]
    listener = next((item for item in listeners if item["Port"] == spec.listener_port), None)
    if listener is None:
        listener = elbv2.create_listener(
            LoadBalancerArn=lb["LoadBalancerArn"],
            Protocol="HTTP",
            Port=spec.listener_port,
            DefaultActions=actions,
        )["Listeners"][0]
    else:
        elbv2.modify_listener(ListenerArn=listener["ListenerArn"], DefaultActions=actions)
    return {
        "load_balancer_arn": lb["LoadBalancerArn"],
        "listener_arn": listener["ListenerArn"],
        "stable_target_group_arn": stable_tg,
        "canary_target_group_arn": canary_tg,
    }


def read_weights(aws: Clients, spec: WorldSpec, ids: Ids) -> Weights:
    listener = aws["elbv2"].describe_listeners(ListenerArns=[ids["listener_arn"]])["Listeners"][0]
    actions = listener.get("DefaultActions", [])
    forwards = [a for a in actions if a.get("Type") == "forward"]
    if not forwards:  # a fixed-response or redirect: no version serves, which the edge cannot do
        raise UnreadableRouting(
            f"ALB listener :{spec.listener_port}: default action "
            f"{[a.get('Type') for a in actions]} (expected a forward to the target groups)"
        )
    action = forwards[-1]  # what comes before a forward (authenticate-*) does not route
    groups = action.get("ForwardConfig", {}).get("TargetGroups") or (
        [{"TargetGroupArn": action["TargetGroupArn"], "Weight": 1}]
        if action.get("TargetGroupArn")
        else []
    )
    versions = {ids["stable_target_group_arn"]: "stable", ids["canary_target_group_arn"]: "canary"}
    weights: Weights = {"stable": 0, "canary": 0}
    for group in groups:
        if group["TargetGroupArn"] not in versions:
            raise UnreadableRouting(
                f"ALB listener :{spec.listener_port}: forwards to {group['TargetGroupArn']} "
                f"(expected target groups {spec.stable_target_group}, {spec.canary_target_group})"
            )
        weights[versions[group["TargetGroupArn"]]] = int(group.get("Weight", 1))
    return weights


def describe(spec: WorldSpec, ids: Ids) -> str:
    return (
        f"load balancer {spec.load_balancer_name}, listener :{spec.listener_port} forwarding to "
        f"{spec.stable_target_group}/{spec.canary_target_group}"
    )


ROUTER = SimulatedRouter(
    kind="alb",
    title="ALB listener target-group weights",
    services=("ec2", "elbv2"),
    seed=seed,
    read_weights=read_weights,
    describe=describe,
)
