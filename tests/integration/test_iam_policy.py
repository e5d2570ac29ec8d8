"""The policy `golive iam-policy` prints is one IAM accepts: created in the sandbox's AWS (moto over
HTTP validates a policy document's grammar as IAM does) for every shipped plan."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from blocks.plan import load_plan
from sandbox import manager
from tasks.iam_policy import policy_for
from tests.integration.helpers import aws

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("name", ["statusboard-v2.yaml", "partsdesk.yaml"])
def test_iam_accepts_the_policy(sandbox: manager.Sandbox, name: str) -> None:
    plan = load_plan(REPO / "plans" / name, env={})
    document = json.dumps(policy_for(plan, region="us-east-1", account="123456789012"))
    iam = aws(sandbox, "iam")
    created = iam.create_policy(
        PolicyName=f"golive-launch-{name.split('.')[0]}", PolicyDocument=document
    )
    stored = iam.get_policy_version(
        PolicyArn=created["Policy"]["Arn"], VersionId=created["Policy"]["DefaultVersionId"]
    )
    assert stored["PolicyVersion"]["Document"]["Statement"]
