"""AWS faults through the sandbox's AWS proxy: golive's clients retry what is transient, fail
closed with a named action and resource on what is not, and a deploy broken half-way never
leaves users on a mix of releases.

botocore's backoff is set to zero here (`no_backoff`): the retries are real calls through
the proxy, only the jittered sleeps between them are skipped, so each test takes seconds.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError
from typer.testing import CliRunner

from blocks.plan import Environment, LaunchPlan
from golive.cli import app
from sandbox import manager
from sandbox.aws import DUMMY_KEY_ID, DUMMY_SECRET
from tasks.aws import aws_client
from tasks.aws_errors import AwsActionError
from tasks.backup import list_objects
from tasks.cloudfront import invalidate, origin_paths, point_origin
from tasks.s3_copy import copy_release
from tasks.served import api_releases, site_releases
from tasks.traffic import router_for
from tests.integration.helpers import users_see

LIVE = "v1.0.0"
NEW = "v1.1.0"


@pytest.fixture(autouse=True)
def no_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        "botocore.retries.standard.ExponentialBackoff.delay_amount", lambda self, context: 0
    )


def copy_new_release(plan: LaunchPlan) -> list[Any]:
    """The deploy's upload beside the live one (flows/canary.py upload_beside), as a plain call."""
    staging, production = plan.environments.staging, plan.environments.production
    return copy_release(
        aws_client("s3", production),
        staging.bucket,
        staging.release_prefix(LIVE),
        production.bucket,
        production.release_prefix(NEW),
    )


def point_canary(production: Environment, release: str = NEW) -> Any:
    return point_origin(
        aws_client("cloudfront", production),
        production.cloudfront_distribution_id,
        production.canary_origin_id,
        production.release_prefix(release),
    )


def assert_users_see_only_the_live_release(
    sandbox: manager.Sandbox, production: Environment, plan: LaunchPlan
) -> None:
    time.sleep(0.6)  # past the routing watcher's poll, had anything changed
    assert set(sandbox.routing()["releases"].values()) == {LIVE}
    assert set(sandbox.routing()["site_releases"].values()) == {LIVE}
    assert site_releases(plan, production, requests=40) == {LIVE: 40}
    assert api_releases(plan, production.api_base_url, production.health_path, requests=40) == {
        LIVE: 40
    }


@pytest.mark.parametrize("service", ["s3", "cloudfront", "route53", "elbv2", "cloudwatch", "sts"])
def test_each_service_answers_the_injected_errors_as_aws_would(
    sandbox: manager.Sandbox, production: Environment, service: str
) -> None:
    calls: dict[str, Callable[[Any], Any]] = {
        "s3": lambda c: c.list_objects_v2(Bucket=production.bucket, Prefix="releases/"),
        "cloudfront": lambda c: c.get_distribution_config(Id=production.cloudfront_distribution_id),
        "route53": lambda c: c.list_hosted_zones(),
        "elbv2": lambda c: c.describe_load_balancers(),
        "cloudwatch": lambda c: c.describe_alarms(),
        "sts": lambda c: c.get_caller_identity(),
    }
    client = aws_client(f"{service}-no-retry", production)
    expected = {
        "throttle": (503, "SlowDown") if service == "s3" else (400, "Throttling"),
        "access_denied": (403, "AccessDenied"),
        "server_error": (500, "InternalError") if service == "s3" else (503, "ServiceUnavailable"),
    }
    for kind, (status, code) in expected.items():
        sandbox.set_aws_fault(service, kind)
        with pytest.raises(ClientError) as raised:
            calls[service](client)
        assert (
            raised.value.response["ResponseMetadata"]["HTTPStatusCode"],
            raised.value.response["Error"]["Code"],
        ) == (status, code), kind
    calls[service](client)  # each rule faulted one call; moto answers again
    assert [c["kind"] for c in sandbox.aws_faulted_calls(service)] == list(expected)


@pytest.mark.parametrize(
    ("service", "kind", "action"),
    [
        ("s3", "throttle", "CopyObject"),
        ("s3", "server_error", "CopyObject"),
        ("cloudfront", "throttle", "UpdateDistribution"),
        ("cloudfront", "server_error", "CreateInvalidation"),
        ("route53", "throttle", "ChangeResourceRecordSets"),
        ("route53", "server_error", "ListResourceRecordSets"),
    ],
)
def test_throttling_and_5xx_are_retried_until_the_call_succeeds(
    sandbox: manager.Sandbox,
    plan: LaunchPlan,
    production: Environment,
    service: str,
    kind: str,
    action: str,
) -> None:
    sandbox.set_aws_fault(service, kind, action=action, count=2)
    if service == "s3":
        assert any(o.key.endswith("/index.html") for o in copy_new_release(plan))
    elif action == "UpdateDistribution":
        assert point_canary(production).changed
    elif action == "CreateInvalidation":
        assert (
            invalidate(
                aws_client("cloudfront", production),
                production.cloudfront_distribution_id,
                poll=0.1,
            )["status"].lower()
            == "completed"
        )
    elif action == "ChangeResourceRecordSets":
        assert router_for(production).set_canary_weight(10).after == 10
    else:
        assert router_for(production).weights() == {"stable": 100, "canary": 0}
    faulted = sandbox.aws_faulted_calls(service)
    assert [(c["action"], c["kind"]) for c in faulted] == [(action, kind)] * 2
    assert sandbox.aws_fault_rules() == []  # used up


@pytest.mark.parametrize(("kind", "attempts"), [("access_denied", 1), ("server_error", 5)])
def test_a_copy_broken_half_way_fails_and_users_stay_on_the_live_release(
    sandbox: manager.Sandbox, plan: LaunchPlan, production: Environment, kind: str, attempts: int
) -> None:
    sandbox.set_aws_fault(
        "s3", kind, action="CopyObject", after=2, count=-1
    )  # persistent from the 3rd copy
    with pytest.raises(AwsActionError) as raised:
        copy_new_release(plan)
    message = str(raised.value)
    assert message.startswith(
        f"s3:CopyObject on s3://{production.bucket}/{production.release_prefix(NEW)}/"
    )
    assert (
        "AccessDenied: User: " in message and "not authorized to perform: s3:CopyObject" in message
        if kind == "access_denied"
        else "InternalError" in message
    )
    assert DUMMY_KEY_ID not in message and DUMMY_SECRET not in message
    assert (
        len(sandbox.aws_faulted_calls("s3")) == attempts
    )  # AccessDenied is not retried; a 500 is, 5 in all
    sandbox.clear_aws_faults()
    copied = list_objects(
        aws_client("s3", production), production.bucket, production.release_prefix(NEW)
    )
    assert len(copied) == 2 and not any(
        o.key.endswith("index.html") for o in copied
    )  # index.html goes last
    assert_users_see_only_the_live_release(sandbox, production, plan)


def test_access_denied_on_pointing_the_canary_origin_fails_closed(
    sandbox: manager.Sandbox, plan: LaunchPlan, production: Environment
) -> None:
    copy_new_release(plan)
    before = origin_paths(
        aws_client("cloudfront", production), production.cloudfront_distribution_id
    )
    sandbox.set_aws_fault("cloudfront", "access_denied", action="UpdateDistribution", count=-1)
    with pytest.raises(AwsActionError) as raised:
        point_canary(production)
    message = str(raised.value)
    assert message.startswith(
        f"cloudfront:UpdateDistribution on distribution {production.cloudfront_distribution_id} (origin canary: "
    )
    assert "not authorized to perform: cloudfront:UpdateDistribution" in message
    assert DUMMY_KEY_ID not in message and DUMMY_SECRET not in message
    assert len(sandbox.aws_faulted_calls("cloudfront")) == 1  # not retried
    assert (
        origin_paths(aws_client("cloudfront", production), production.cloudfront_distribution_id)
        == before
    )
    assert_users_see_only_the_live_release(sandbox, production, plan)


def test_slow_calls_are_answered_late(sandbox: manager.Sandbox, production: Environment) -> None:
    sandbox.set_aws_fault("sts", "slow", delay_s=0.5)
    started = time.monotonic()
    assert aws_client("sts", production).get_caller_identity()["Account"]
    assert time.monotonic() - started >= 0.5
    assert [c["kind"] for c in sandbox.aws_faulted_calls("sts")] == ["slow"]


def test_the_cli_sets_aws_faults_and_reset_clears_them(sandbox: manager.Sandbox) -> None:
    runner = CliRunner()
    state_dir = str(sandbox.state_dir)
    result = runner.invoke(
        app, ["sandbox", "aws-fault", "s3", "throttle", "--count", "3", "--state-dir", state_dir]
    )
    assert result.exit_code == 0, result.output
    assert "throttle on the next 3 call(s) to s3" in result.output
    assert (
        runner.invoke(
            app, ["sandbox", "aws-fault", "cloudwatch", "slow", "--state-dir", state_dir]
        ).exit_code
        == 2
    )
    assert [(r["service"], r["kind"], r["count"]) for r in sandbox.aws_fault_rules()] == [
        ("s3", "throttle", 3)
    ]
    sandbox.reset()
    assert sandbox.aws_fault_rules() == []


def test_a_launch_whose_deploy_is_denied_stops_with_users_on_the_live_release(
    sandbox: manager.Sandbox, prefect_api
) -> None:  # noqa: ANN001
    """The whole launch, with S3 refusing the production copy: it fails closed at once, names the
    action and the resource, and production is exactly as it was."""
    from golive.local.sandbox_blocks import ensure_sandbox_blocks
    from tests.integration.launch_helpers import run_launch

    ensure_sandbox_blocks(sandbox.environment())
    before = sandbox.routing()
    sandbox.set_aws_fault(
        "s3", "access_denied", action="CopyObject", count=-1
    )  # only the production deploy copies
    result = run_launch("v3.9.0", timeout=180)
    assert result.state.is_failed()
    assert (
        "s3:CopyObject on s3://statusboard-sandbox/" in result.message
        and "AccessDenied" in result.message
    )
    denied = [c for c in sandbox.aws_faulted_calls() if c["action"] == "CopyObject"]
    assert len(denied) == 1  # not retried: permissions do not come back by asking again
    after = sandbox.routing()
    assert (after["weights"], after["production_origins"]) == (
        before["weights"],
        before["production_origins"],
    )
    assert users_see(sandbox) == {"v1.0.0"}
