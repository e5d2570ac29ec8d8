"""The permission probe: simulation when allowed, read-only calls otherwise, and fail closed."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from blocks.plan import load_plan
from tasks.permissions import probe_permissions

PLAN = load_plan("plans/sandbox.yaml", env={})
PRODUCTION = PLAN.environments.production


def denied(operation: str) -> ClientError:
    return ClientError({"Error": {"Code": "AccessDenied", "Message": "not authorized"}}, operation)


class Fake:
    def __init__(self, fail: set[str] = frozenset(), simulate: Any = None) -> None:
        self.fail, self.simulate = fail, simulate

    def __getattr__(self, name: str) -> Any:
        def call(**kwargs: Any) -> Any:
            if name in self.fail:
                raise denied(name)
            if name == "simulate_principal_policy":
                if self.simulate is None:
                    raise denied(name)
                return {
                    "EvaluationResults": [
                        {"EvalActionName": a, "EvalDecision": self.simulate(a)}
                        for a in kwargs["ActionNames"]
                    ]
                }
            if name == "get_caller_identity":
                return {"Arn": "arn:aws:iam::1:user/golive"}
            if name == "list_hosted_zones_by_name":
                return {"HostedZones": [{"Name": kwargs["DNSName"], "Id": "/hostedzone/Z1"}]}
            return {}

        return call


def test_simulation_reports_denied_actions() -> None:
    fake = Fake(
        simulate=lambda action: (
            "explicitDeny" if action == "cloudfront:UpdateDistribution" else "allowed"
        )
    )
    results, method = probe_permissions(lambda service: fake, PRODUCTION)
    assert method == "iam:SimulatePrincipalPolicy"
    switch = next(r for r in results if r.capability == "switch origin")
    assert not switch.allowed and switch.detail == "denied: cloudfront:UpdateDistribution"
    assert all(r.allowed for r in results if r.capability != "switch origin")


def test_without_simulation_each_capability_gets_a_read_and_access_denied_fails() -> None:
    fake = Fake(fail={"get_distribution_config"})
    results, method = probe_permissions(lambda service: fake, PRODUCTION)
    assert method.startswith(
        "read-only calls (IAM simulation unavailable: simulate_principal_policy: AccessDenied"
    )
    by_name = {r.capability: r for r in results}
    assert set(by_name) == {
        "upload release",
        "switch origin",
        "invalidate",
        "shift traffic (route53)",
        "read alarms",
    }
    assert not by_name["switch origin"].allowed
    assert "get_distribution_config: AccessDenied" in by_name["switch origin"].detail
    assert by_name["upload release"].allowed


def test_the_traffic_capability_comes_from_the_routers_entry() -> None:
    from tasks.traffic.alb import ROUTER as ALB

    assert PRODUCTION.router is not None
    alb = PRODUCTION.model_copy(
        update={"router": PRODUCTION.router.model_copy(update={"kind": "alb"})}
    )
    asked: list[list[str]] = []

    class Iam(Fake):
        def simulate_principal_policy(
            self, PolicySourceArn: str, ActionNames: list[str]
        ) -> dict[str, Any]:
            asked.append(ActionNames)
            return {
                "EvaluationResults": [
                    {"EvalActionName": a, "EvalDecision": "allowed"} for a in ActionNames
                ]
            }

    results, _ = probe_permissions(lambda service: Iam(), alb)
    assert [r.capability for r in results] == [
        "upload release",
        "switch origin",
        "invalidate",
        "shift traffic (alb)",
        "read alarms",
    ]
    assert list(ALB.actions) in asked

    reads: list[tuple[str, dict[str, Any]]] = []

    class Recording(Fake):
        def __init__(self, service: str) -> None:
            super().__init__()
            self.service = service

        def describe_load_balancers(self, **kwargs: Any) -> dict[str, Any]:
            reads.append((self.service, kwargs))
            return {}

    results, method = probe_permissions(Recording, alb)
    assert method.startswith("read-only calls")
    assert all(r.allowed for r in results)
    assert reads == [("elbv2", {"Names": ["statusboard-prod"]})]


def test_an_environment_without_a_router_needs_no_traffic_capability() -> None:
    results, _ = probe_permissions(lambda service: Fake(), PLAN.environments.staging)
    assert not any(r.capability.startswith("shift traffic") for r in results)
