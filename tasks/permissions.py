"""Can golive do every AWS action a launch needs? IAM policy simulation where the account
allows it; otherwise one read-only call per capability. The result says which was used."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from blocks.plan import Environment
from golive.core.formatting import shorten
from tasks.frontend.registry import FRONTEND_ROUTERS
from tasks.traffic.plugin import RouterPlugin
from tasks.traffic.registry import entry_for, settings_for

# capability -> IAM actions the launch performs for it; shifting traffic is added per environment,
# from its router's registry entry (`traffic_capability`), before "read alarms".
CAPABILITIES: dict[str, list[str]] = {
    "upload release": ["s3:PutObject", "s3:GetObject", "s3:ListBucket"],
    "switch origin": ["cloudfront:GetDistributionConfig", "cloudfront:UpdateDistribution"],
    "invalidate": ["cloudfront:CreateInvalidation", "cloudfront:GetInvalidation"],
    "read alarms": ["cloudwatch:DescribeAlarms", "cloudwatch:GetMetricData"],
}


@dataclass(frozen=True)
class CapabilityResult:
    capability: str
    allowed: bool
    method: str  # "iam simulation" | "read-only call"
    detail: str


def traffic_capability(environment: Environment) -> tuple[str, RouterPlugin[Any]] | None:
    """('shift traffic (<kind>)', the router's registry entry), or None for an environment without a router."""
    if environment.router is None:
        return None
    entry = entry_for(environment.router)
    return f"shift traffic ({entry.kind})", entry


def _frontend_capability(environment: Environment) -> str:
    return (
        f"split the site ({environment.frontend_router.kind})"
        if environment.frontend_router
        else ""
    )


def needed_capabilities(environment: Environment) -> dict[str, list[str]]:
    """capability -> IAM actions, in the order they are reported (traffic before alarms, as a launch goes)."""
    needed = {name: actions for name, actions in CAPABILITIES.items() if name != "read alarms"}
    if traffic := traffic_capability(environment):
        name, entry = traffic
        needed[name] = list(entry.actions)
    if environment.frontend_router is not None:
        needed[_frontend_capability(environment)] = list(
            FRONTEND_ROUTERS.get(environment.frontend_router.kind).actions
        )
    return {**needed, "read alarms": CAPABILITIES["read alarms"]}


def simulate(iam: Any, principal_arn: str, environment: Environment) -> list[CapabilityResult]:
    """iam:SimulatePrincipalPolicy for every action; raises if simulation is unavailable."""
    results = []
    for capability, actions in needed_capabilities(environment).items():
        response = iam.simulate_principal_policy(PolicySourceArn=principal_arn, ActionNames=actions)
        denied = [
            r["EvalActionName"]
            for r in response["EvaluationResults"]
            if r["EvalDecision"] != "allowed"
        ]
        results.append(
            CapabilityResult(
                capability,
                not denied,
                "iam simulation",
                f"denied: {', '.join(denied)}" if denied else "all actions allowed",
            )
        )
    return results


def read_only_probe(
    clients: Callable[[str], Any], environment: Environment
) -> list[CapabilityResult]:
    """One harmless read per capability, on the plan's own resources: proves golive can reach
    and read what it will change (not that it may write it — only simulation can say that)."""
    calls: dict[str, Callable[[], Any]] = {
        "upload release": lambda: clients("s3").list_objects_v2(
            Bucket=environment.bucket, Prefix=environment.prefix, MaxKeys=1
        ),
        "switch origin": lambda: clients("cloudfront").get_distribution_config(
            Id=environment.cloudfront_distribution_id
        ),
        "invalidate": lambda: clients("cloudfront").list_invalidations(
            DistributionId=environment.cloudfront_distribution_id, MaxItems="1"
        ),
        "read alarms": lambda: clients("cloudwatch").describe_alarms(
            AlarmNames=environment.alarms[:100]
        ),
    }
    if (traffic := traffic_capability(environment)) and environment.router is not None:
        name, entry = traffic
        settings = settings_for(environment.router)
        calls[name] = lambda: entry.probe_read(clients(entry.service), settings)
    if environment.frontend_router is not None:
        # a harmless read of the service the router drives (in the sandbox its proxy answers it)
        calls[_frontend_capability(environment)] = lambda: clients(
            "cloudfront"
        ).list_continuous_deployment_policies(MaxItems="1")
    results = []
    for capability in needed_capabilities(environment):
        try:
            calls[capability]()
            results.append(CapabilityResult(capability, True, "read-only call", "read succeeded"))
        except (ClientError, BotoCoreError, LookupError) as error:
            results.append(CapabilityResult(capability, False, "read-only call", _reason(error)))
    return results


def _reason(error: Exception) -> str:
    if isinstance(error, LookupError):  # our own message already names the action
        return str(error)
    if isinstance(error, ClientError):
        info = error.response.get("Error", {})
        operation = getattr(error, "operation_name", "?")
        return shorten(f"{operation}: {info.get('Code', '?')} - {info.get('Message', '')}", 300)
    first_line = str(error).splitlines()[0] if str(error) else ""
    return shorten(f"{type(error).__name__}: {first_line}", 160)


def probe_permissions(
    clients: Callable[[str], Any], environment: Environment
) -> tuple[list[CapabilityResult], str]:
    """(results, note on the method). Simulation first; any failure to simulate falls back."""
    try:
        arn = clients("sts").get_caller_identity()["Arn"]
        return simulate(clients("iam-no-retry"), arn, environment), "iam:SimulatePrincipalPolicy"
    except (
        Exception
    ) as error:  # AccessDenied, not implemented, an unparsable 500: all mean "cannot simulate"
        note = f"read-only calls (IAM simulation unavailable: {_reason(error)})"
        return read_only_probe(clients, environment), note
