"""The least-privilege IAM policy a plan's launches need, for the cloud team (`golive iam-policy PLAN`).

The actions come from where golive itself takes them: each environment's capabilities as the
permission probe checks them (`tasks/permissions.py: needed_capabilities`, the routers' and
frontend routers' registry entries), the API release kind's ECS actions, the metric source's
reads, with `approvals.proof: totp` the approvers' secrets, and the S3 writes of golive's own
records (backups, timeline, samples, reports under `golive/` in the production bucket).
Resources are the plan's own where an action supports resource-level permissions and the plan
names the resource: the buckets and prefixes, the distributions, the ECS services, the alarms,
the ALB's listeners, the approvers' secrets; `*` where AWS allows nothing
narrower (RegisterTaskDefinition, GetMetricData, the Describe calls) or the plan does not name
the resource (a Route 53 zone is named by its domain, not its id). Account and region are
wildcards unless given.

Pure: the plan in, a policy document (a dict) out.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from blocks.plan import Environment, LaunchPlan
from tasks.permissions import needed_capabilities

__all__ = ["policy_for"]

RECORDS_PREFIX = (
    "golive"  # golive's own records in the production bucket (tasks/backup.py, timeline_store.py)
)

# Actions that take no resource narrower than "*" (AWS's service authorization reference).
_UNSCOPED = {
    "cloudwatch:GetMetricData",
    "ecs:RegisterTaskDefinition",
    "ecs:DescribeTaskDefinition",
    "elasticloadbalancing:DescribeListeners",
    "elasticloadbalancing:DescribeLoadBalancers",
    "elasticloadbalancing:DescribeTargetGroups",
    "route53:ListHostedZonesByName",
    "cloudfront:ListContinuousDeploymentPolicies",
    "cloudfront:CreateContinuousDeploymentPolicy",
}
_ECS_DEPLOY = ("ecs:DescribeServices", "ecs:UpdateService")
_ECS_TASKS = ("ecs:DescribeTaskDefinition", "ecs:RegisterTaskDefinition")


def _arn(service: str, region: str, account: str, resource: str) -> str:
    return f"arn:aws:{service}:{region}:{account}:{resource}"


def _s3(environment: Environment, records: bool) -> dict[str, list[str]]:
    bucket = environment.bucket
    objects = [f"arn:aws:s3:::{bucket}/{environment.prefix.strip('/')}/*"]
    if records:
        objects.append(f"arn:aws:s3:::{bucket}/{RECORDS_PREFIX}/*")
    return {
        "s3:GetObject": objects,
        "s3:PutObject": objects,
        "s3:ListBucket": [f"arn:aws:s3:::{bucket}"],
    }


def _resources(action: str, environment: Environment, region: str, account: str) -> list[str]:
    """The narrowest resources the plan names for `action` in `environment`."""
    if action in _UNSCOPED:
        return ["*"]
    service = action.split(":", 1)[0]
    if service == "cloudfront":
        if environment.frontend_router is not None:  # staging copies get ids of their own
            return [
                f"arn:aws:cloudfront::{account}:distribution/*",
                f"arn:aws:cloudfront::{account}:continuous-deployment-policy/*",
            ]
        return [
            f"arn:aws:cloudfront::{account}:distribution/{environment.cloudfront_distribution_id}"
        ]
    if service == "cloudwatch":  # no alarms in the plan: golive reads none (no call, no permission)
        return [_arn("cloudwatch", region, account, f"alarm:{name}") for name in environment.alarms]
    if service == "route53":
        return (
            ["arn:aws:route53:::change/*"]
            if action == "route53:GetChange"
            else ["arn:aws:route53:::hostedzone/*"]
        )
    if service == "elasticloadbalancing" and environment.router is not None:
        alb = environment.router.section("alb")
        name = alb.get("load_balancer_name") if isinstance(alb, dict) else None
        if name:
            return [_arn("elasticloadbalancing", region, account, f"listener/app/{name}/*")]
    return ["*"]


def _ecs(plan: LaunchPlan, region: str, account: str) -> dict[str, list[str]]:
    """The API release kind's ECS actions: its services, and task definitions it registers."""
    api = plan.api_release
    if api is None or api.kind == "site_only":
        return {}
    services = []
    for environment in (plan.environments.staging, plan.environments.production):
        slots = [environment.api_service] if environment.api_service else []
        if environment.api_slots:
            slots += [environment.api_slots.stable, environment.api_slots.canary]
        services += [
            _arn("ecs", region, account, f"service/{slot.cluster}/{slot.service}") for slot in slots
        ]
    if not services:
        return {}
    needed = {action: services for action in _ECS_DEPLOY}
    needed |= {action: ["*"] for action in _ECS_TASKS}
    return needed


# A task definition with a task or execution role is registered only by whoever may pass it, and only to ECS.
_PASS_ROLE = {
    "Sid": "ApiReleasePassRole",
    "Effect": "Allow",
    "Action": "iam:PassRole",
    "Resource": "*",
    "Condition": {"StringEquals": {"iam:PassedToService": "ecs-tasks.amazonaws.com"}},
}


def _metrics(plan: LaunchPlan) -> dict[str, list[str]]:
    if plan.metrics.kind == "cloudwatch":
        return {
            "cloudwatch:GetMetricData": ["*"],
            "elasticloadbalancing:DescribeLoadBalancers": ["*"],
            "elasticloadbalancing:DescribeTargetGroups": ["*"],
        }
    return {}  # the probe and Prometheus read nothing from AWS


def policy_for(plan: LaunchPlan, *, region: str = "*", account: str = "*") -> dict[str, Any]:
    """The IAM policy document (version 2012-10-17), one statement per capability and environment."""
    statements: list[dict[str, Any]] = []

    def add(sid: str, needed: dict[str, list[str]]) -> None:
        by_resources: dict[tuple[str, ...], list[str]] = defaultdict(list)
        for action, resources in needed.items():
            if resources:
                by_resources[tuple(sorted(set(resources)))].append(action)
        for number, (resources, actions) in enumerate(sorted(by_resources.items()), 1):
            statements.append(
                {
                    "Sid": sid if len(by_resources) == 1 else f"{sid}{number}",
                    "Effect": "Allow",
                    "Action": sorted(actions),
                    "Resource": list(resources) if len(resources) > 1 else resources[0],
                }
            )

    for name, environment in plan.environments.items():
        is_production = name == "production"
        needed: dict[str, list[str]] = _s3(environment, records=is_production)
        for capability, actions in needed_capabilities(environment).items():
            if capability == "upload release":
                continue  # S3, scoped above
            for action in actions:
                needed.setdefault(action, _resources(action, environment, region, account))
        add(_sid(name), needed)
    if ecs := _ecs(plan, region, account):
        add("ApiRelease", ecs)
        statements.append(dict(_PASS_ROLE))
    if metrics := _metrics(plan):
        add("MetricSource", metrics)
    if plan.approvals.proof == "totp":
        add("ApproverSecrets", _approver_secrets(plan, region, account))
    return {"Version": "2012-10-17", "Statement": statements}


def _approver_secrets(plan: LaunchPlan, region: str, account: str) -> dict[str, list[str]]:
    """With `approvals.proof: totp` the launch reads each approver's secret (tasks/approver_secrets.py);
    Secrets Manager appends 6 random characters to a secret's ARN, hence the `-??????`."""
    prefix = plan.approvals.secret_prefix
    people = dict.fromkeys([*plan.roles.approvers, *plan.roles.uat_signers])
    return {
        "secretsmanager:GetSecretValue": [
            _arn("secretsmanager", region, account, f"secret:{prefix}{name}-??????")
            for name in people
        ]
    }


def _sid(environment: str) -> str:
    return "".join(part.capitalize() for part in environment.split("_")) + "Launch"
