"""An Application Load Balancer listener as a traffic router.

The listener's default action forwards to two target groups with weights (a weighted
forward action); the canary's share is canary / (stable + canary). Only that forward
action's target-group weights are rewritten: ModifyListener leaves every parameter it
is not given (protocol, certificates, SSL policy) alone, and the other default actions
and the forward action's other settings (stickiness, order) are sent back as read.
Listener *rules* are not touched: the canary split applies to the default action.
"""

from __future__ import annotations

import copy
from typing import Any, Self

from pydantic import Field, model_validator

from blocks.plan import AwsShortName, FieldChecks, PlanModel
from tasks.traffic import (
    TrafficError,
    WeightChange,
    aws_action,
    canary_percent,
    check_percent,
    target_weights,
)
from tasks.traffic.plugin import RouterPlugin

__all__ = ["ROUTER", "AlbRouter", "AlbSettings"]


class AlbSettings(PlanModel):
    """The plan's `router.alb`: a listener whose forward action weighs a stable and a canary target group."""

    load_balancer_name: AwsShortName
    listener_port: int = Field(443, ge=1, le=65535)
    stable_target_group: AwsShortName
    canary_target_group: AwsShortName

    @model_validator(mode="after")
    def _distinct_groups(self) -> Self:
        checks = FieldChecks()
        if self.canary_target_group == self.stable_target_group:
            checks.fail(
                "canary_target_group",
                self.canary_target_group,
                "must differ from stable_target_group",
            )
        checks.raise_any()
        return self


class AlbRouter:
    """A TrafficRouter over a listener's weighted forward action (effective at once, no sync to wait for)."""

    def __init__(self, config: AlbSettings, elbv2: Any) -> None:
        self.config = config
        self.elbv2 = elbv2
        self.resource = (
            f"listener :{config.listener_port} of load balancer {config.load_balancer_name}"
        )
        self._listener_arn: str | None = None
        self._group_arns: dict[str, str] | None = None

    # ------------------------------------------------------------------ TrafficRouter

    def weights(self) -> dict[str, int]:
        return self._weights(self._default_actions())

    def current_weight(self) -> int:
        return canary_percent(self.weights())

    def set_canary_weight(self, percent: int) -> WeightChange:
        target = target_weights(check_percent(percent))
        actions = self._default_actions()
        before = self._weights(actions)
        if before == target:
            return WeightChange(canary_percent(before), percent, False, self.listener_arn(), before)
        arns = self.group_arns()
        new_actions = copy.deepcopy(actions)
        forward = self._forward_action(new_actions)
        # TargetGroupArn and ForwardConfig together must name the same single group: keep only the config.
        forward.pop("TargetGroupArn", None)
        config = forward.setdefault("ForwardConfig", {})
        config["TargetGroups"] = [
            {"TargetGroupArn": arns[v], "Weight": target[v]} for v in ("stable", "canary")
        ]
        with aws_action("elbv2:ModifyListener", self.resource):
            self.elbv2.modify_listener(ListenerArn=self.listener_arn(), DefaultActions=new_actions)
        return WeightChange(canary_percent(before), percent, True, self.listener_arn(), target)

    # ------------------------------------------------------------------ lookups

    def listener_arn(self) -> str:
        if self._listener_arn is None:
            lb_resource = f"load balancer {self.config.load_balancer_name}"
            with aws_action("elbv2:DescribeLoadBalancers", lb_resource):
                lbs = self.elbv2.describe_load_balancers(Names=[self.config.load_balancer_name])[
                    "LoadBalancers"
                ]
            with aws_action("elbv2:DescribeListeners", self.resource):
                listeners = self.elbv2.describe_listeners(
                    LoadBalancerArn=lbs[0]["LoadBalancerArn"]
                )["Listeners"]
            match = next(
                (item for item in listeners if item["Port"] == self.config.listener_port), None
            )
            if match is None:
                ports = ", ".join(str(item["Port"]) for item in listeners) or "none"
                raise TrafficError(
                    "elbv2:DescribeListeners",
                    self.resource,
                    f"no listener on that port (ports: {ports})",
                )
            self._listener_arn = match["ListenerArn"]
        return self._listener_arn

    def group_arns(self) -> dict[str, str]:
        """{"stable": arn, "canary": arn}, looked up one name at a time so an error names the missing one."""
        if self._group_arns is None:
            arns = {}
            for version, name in (
                ("stable", self.config.stable_target_group),
                ("canary", self.config.canary_target_group),
            ):
                with aws_action("elbv2:DescribeTargetGroups", f"target group {name}"):
                    arns[version] = self.elbv2.describe_target_groups(Names=[name])["TargetGroups"][
                        0
                    ]["TargetGroupArn"]
            self._group_arns = arns
        return self._group_arns

    def _default_actions(self) -> list[dict[str, Any]]:
        with aws_action("elbv2:DescribeListeners", self.resource):
            listener = self.elbv2.describe_listeners(ListenerArns=[self.listener_arn()])[
                "Listeners"
            ][0]
        return list(listener.get("DefaultActions", []))

    def _forward_action(self, actions: list[dict[str, Any]]) -> dict[str, Any]:
        forwards = [a for a in actions if a.get("Type") == "forward"]
        if len(forwards) != 1:
            raise TrafficError(
                "elbv2:DescribeListeners",
                self.resource,
                f"expected one forward default action, found {len(forwards)}",
            )
        return forwards[0]

    def _weights(self, actions: list[dict[str, Any]]) -> dict[str, int]:
        forward = self._forward_action(actions)
        groups = forward.get("ForwardConfig", {}).get("TargetGroups", [])
        if not groups and forward.get(
            "TargetGroupArn"
        ):  # a plain forward sends everything to one group
            groups = [{"TargetGroupArn": forward["TargetGroupArn"], "Weight": 1}]
        by_arn = {g["TargetGroupArn"]: int(g.get("Weight", 1)) for g in groups}
        arns = self.group_arns()
        others = sorted(set(by_arn) - set(arns.values()))
        if others:  # rewriting the action would silently drop a group someone else routes to
            raise TrafficError(
                "elbv2:DescribeListeners",
                self.resource,
                f"the forward action also targets {', '.join(others)}: not a stable/canary pair",
            )
        return {version: by_arn.get(arn, 0) for version, arn in arns.items()}


# ---------------------------------------------------------------------- the registry's entry


def probe_read(elbv2: Any, settings: AlbSettings) -> None:
    elbv2.describe_load_balancers(Names=[settings.load_balancer_name])


def describe(settings: AlbSettings) -> str:
    return (
        f"{settings.load_balancer_name}:{settings.listener_port} "
        f"(target groups {settings.stable_target_group} / {settings.canary_target_group})"
    )


ROUTER: RouterPlugin[AlbSettings] = RouterPlugin(
    kind="alb",
    settings=AlbSettings,
    service="elbv2",
    # every call the router makes: the load balancer and target groups by name, the listener
    actions=(
        "elasticloadbalancing:DescribeLoadBalancers",
        "elasticloadbalancing:DescribeTargetGroups",
        "elasticloadbalancing:DescribeListeners",
        "elasticloadbalancing:ModifyListener",
    ),
    probe_read=probe_read,
    describe=describe,
    build=AlbRouter,
)
