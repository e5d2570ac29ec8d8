"""Can golive do every AWS action a launch needs? IAM policy simulation where the account
allows it; otherwise one read-only call per capability. The result says which was used."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from botocore.exceptions import BotoCoreError, ClientError

from blocks.plan import Environment

# capability -> IAM actions the launch performs for it
CAPABILITIES: dict[str, list[str]] = {
    "upload release": ["s3:PutObject", "s3:GetObject", "s3:ListBucket"],
    "switch origin": ["cloudfront:GetDistributionConfig", "cloudfront:UpdateDistribution"],
    "invalidate": ["cloudfront:CreateInvalidation", "cloudfront:GetInvalidation"],
    "shift traffic (route53)": ["route53:ListResourceRecordSets", "route53:ChangeResourceRecordSets",
                                "route53:GetChange"],
    "shift traffic (alb)": ["elasticloadbalancing:DescribeListeners", "elasticloadbalancing:ModifyListener"],
    "read alarms": ["cloudwatch:DescribeAlarms", "cloudwatch:GetMetricData"],
}


@dataclass(frozen=True)
class CapabilityResult:
    capability: str
    allowed: bool
    method: str  # "iam simulation" | "read-only call"
    detail: str


def needed_capabilities(environment: Environment) -> list[str]:
    router = environment.router.kind if environment.router else None
    return [c for c in CAPABILITIES if not c.startswith("shift traffic") or c == f"shift traffic ({router})"]


def simulate(iam: Any, principal_arn: str, environment: Environment) -> list[CapabilityResult]:
    """iam:SimulatePrincipalPolicy for every action; raises if simulation is unavailable."""
    results = []
    for capability in needed_capabilities(environment):
        response = iam.simulate_principal_policy(PolicySourceArn=principal_arn, ActionNames=CAPABILITIES[capability])
        denied = [r["EvalActionName"] for r in response["EvaluationResults"] if r["EvalDecision"] != "allowed"]
        results.append(CapabilityResult(capability, not denied, "iam simulation",
                                        f"denied: {', '.join(denied)}" if denied else "all actions allowed"))
    return results


def read_only_probe(clients: Callable[[str], Any], environment: Environment) -> list[CapabilityResult]:
    """One harmless read per capability: proves reachability and read access, not write access."""
    calls: dict[str, Callable[[], Any]] = {
        "upload release": lambda: clients("s3").list_objects_v2(Bucket=environment.bucket, MaxKeys=1),
        "switch origin": lambda: clients("cloudfront").get_distribution_config(
            Id=environment.cloudfront_distribution_id),
        "invalidate": lambda: clients("cloudfront").list_invalidations(
            DistributionId=environment.cloudfront_distribution_id, MaxItems="1"),
        "shift traffic (route53)": lambda: clients("route53").list_hosted_zones_by_name(MaxItems="1"),
        "shift traffic (alb)": lambda: clients("elbv2").describe_load_balancers(PageSize=1),
        "read alarms": lambda: clients("cloudwatch").describe_alarms(MaxRecords=1),
    }
    results = []
    for capability in needed_capabilities(environment):
        try:
            calls[capability]()
            results.append(CapabilityResult(capability, True, "read-only call", "read succeeded"))
        except (ClientError, BotoCoreError) as error:
            results.append(CapabilityResult(capability, False, "read-only call", _reason(error)))
    return results


def _reason(error: Exception) -> str:
    if isinstance(error, ClientError):
        info = error.response.get("Error", {})
        operation = getattr(error, "operation_name", "?")
        return f"{operation}: {info.get('Code', '?')} - {info.get('Message', '')}"[:300]
    return f"{type(error).__name__}: {error}"[:300]


def probe_permissions(clients: Callable[[str], Any], environment: Environment) -> tuple[list[CapabilityResult], str]:
    """(results, note on the method). Simulation first; any failure to simulate falls back."""
    try:
        arn = clients("sts").get_caller_identity()["Arn"]
        return simulate(clients("iam-no-retry"), arn, environment), "iam:SimulatePrincipalPolicy"
    except Exception as error:  # AccessDenied, not implemented, an unparsable 500: all mean "cannot simulate"
        note = f"read-only calls (IAM simulation unavailable: {_reason(error)})"
        return read_only_probe(clients, environment), note
