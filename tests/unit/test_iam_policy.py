"""The IAM policy a plan's launches need (tasks/iam_policy.py, `golive iam-policy`): every action from
where golive takes it, on the plan's own resources where AWS allows it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from blocks.plan import LaunchPlan, load_plan, read_plan_file, validate_plan
from golive.cli import app
from tasks.iam_policy import policy_for
from tasks.permissions import needed_capabilities

REPO = Path(__file__).resolve().parents[2]
RUNBOOK = REPO / "plans" / "statusboard-v2.yaml"


def _plan(name: str = "statusboard-v2.yaml", **changes: Any) -> LaunchPlan:
    raw = read_plan_file(REPO / "plans" / name)
    raw.update(changes)
    return validate_plan(raw, env={})


def _allowed(policy: dict[str, Any]) -> dict[str, list[str]]:
    """action -> every resource a statement allows it on."""
    allowed: dict[str, list[str]] = {}
    for statement in policy["Statement"]:
        actions = (
            statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        )
        resources = (
            statement["Resource"]
            if isinstance(statement["Resource"], list)
            else [statement["Resource"]]
        )
        for action in actions:
            allowed.setdefault(action, []).extend(resources)
    return allowed


@pytest.mark.parametrize("name", ["statusboard-v2.yaml", "sandbox.yaml", "partsdesk.yaml"])
def test_every_action_the_permission_probe_checks_is_allowed(name: str) -> None:
    plan = _plan(name)
    allowed = _allowed(policy_for(plan))
    for _, environment in plan.environments.items():
        for actions in needed_capabilities(environment).values():
            for action in actions:
                if action == "cloudwatch:DescribeAlarms" and not environment.alarms:
                    continue  # no alarms named: golive reads none
                assert action in allowed, (name, action)


def test_the_buckets_prefixes_and_distributions_are_the_plans() -> None:
    plan = _plan()
    allowed = _allowed(policy_for(plan, region="eu-west-1", account="123456789012"))
    bucket = plan.environments.production.bucket
    assert sorted(set(allowed["s3:PutObject"])) == [
        f"arn:aws:s3:::{bucket}/golive/*",  # backups, the timeline, samples, reports
        f"arn:aws:s3:::{bucket}/releases/*",
        f"arn:aws:s3:::{bucket}/staging/releases/*",
    ]
    assert set(allowed["cloudfront:UpdateDistribution"]) == {
        f"arn:aws:cloudfront::123456789012:distribution/{env.cloudfront_distribution_id}"
        for _, env in plan.environments.items()
    }
    assert allowed["cloudwatch:DescribeAlarms"] == [
        "arn:aws:cloudwatch:eu-west-1:123456789012:alarm:statusboard-5xx",
        "arn:aws:cloudwatch:eu-west-1:123456789012:alarm:statusboard-latency",
    ]
    assert "route53:ListHostedZonesByName" in allowed  # the router finds its zone by name
    assert "arn:aws:s3:::*" not in {r for rs in allowed.values() for r in rs}


def test_the_api_release_kind_brings_its_ecs_services_and_pass_role_only_to_ecs() -> None:
    policy = policy_for(_plan(), region="us-east-1", account="123456789012")
    allowed = _allowed(policy)
    assert sorted(allowed["ecs:UpdateService"]) == [
        "arn:aws:ecs:us-east-1:123456789012:service/statusboard-prod/statusboard-canary",
        "arn:aws:ecs:us-east-1:123456789012:service/statusboard-prod/statusboard-stable",
        "arn:aws:ecs:us-east-1:123456789012:service/statusboard-staging/statusboard-api",
    ]
    passing = [s for s in policy["Statement"] if s["Action"] == "iam:PassRole"]
    assert passing and passing[0]["Condition"] == {
        "StringEquals": {"iam:PassedToService": "ecs-tasks.amazonaws.com"}
    }
    site_only = _plan(api_release={"kind": "site_only"})
    assert not any(a.startswith(("ecs:", "iam:")) for a in _allowed(policy_for(site_only)))


def test_an_alb_router_is_allowed_its_own_listeners() -> None:
    plan = _plan("partsdesk.yaml")
    assert plan.environments.production.router.kind == "alb"
    allowed = _allowed(policy_for(plan, region="us-east-1", account="123456789012"))
    assert allowed["elasticloadbalancing:ModifyListener"] == [
        "arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/partsdesk-prod/*"
    ]
    assert "elasticloadbalancing:DescribeTargetGroups" in allowed


def test_the_command_prints_json_and_refuses_a_bad_account() -> None:
    runner = CliRunner()
    good = runner.invoke(app, ["iam-policy", str(RUNBOOK), "--account", "123456789012"])
    assert good.exit_code == 0, good.output
    assert json.loads(good.stdout)["Version"] == "2012-10-17"
    bad = runner.invoke(app, ["iam-policy", str(RUNBOOK), "--account", "12345"])
    assert bad.exit_code == 2 and "--account: '12345' — 12 digits" in bad.output


def test_the_sandbox_plan_loads_as_a_launch_does() -> None:
    plan = load_plan(REPO / "plans" / "sandbox.yaml", env={})
    assert policy_for(plan)["Statement"]


def test_with_totp_the_launch_reads_each_approvers_secret_and_no_other() -> None:
    assert not any(a.startswith("secretsmanager:") for a in _allowed(policy_for(_plan())))
    plan = _plan().model_copy(
        update={"approvals": _plan().approvals.model_copy(update={"proof": "totp"})}
    )
    allowed = _allowed(policy_for(plan, region="eu-west-1", account="123456789012"))
    assert sorted(allowed["secretsmanager:GetSecretValue"]) == [
        f"arn:aws:secretsmanager:eu-west-1:123456789012:secret:golive/approvers/{name}-??????"
        for name in sorted(["alice", "bob", "qa-lead", "product-owner"])
    ]
