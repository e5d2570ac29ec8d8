"""The sandbox's CloudFront continuous deployment emulation without a sandbox: boto3's own
cloudfront client talks to it (its requests serialized, its answers parsed by botocore) through a
before-send hook, over an in-process moto; and the pure parts: validation and `serves_staging`."""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import replace
from types import SimpleNamespace
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import boto3
import pytest
from botocore.awsrequest import AWSResponse
from botocore.exceptions import ClientError
from moto.core.botocore_stubber import MockRawResponse
from moto.core.models import botocore_stubber

from sandbox.cloudfront_cd import (
    STICKY_COOKIE,
    CloudFrontError,
    ContinuousDeployment,
    Split,
    cookies_of,
    serves_staging,
    validate_policy_config,
)

ORIGIN = {
    "Id": "stable",
    "DomainName": "bucket.s3.us-east-1.amazonaws.com",
    "OriginPath": "/releases/v1",
    "S3OriginConfig": {"OriginAccessIdentity": ""},
}
CONFIG = {
    "CallerReference": "primary",
    "Comment": "primary",
    "Enabled": True,
    "Origins": {"Quantity": 1, "Items": [ORIGIN]},
    "DefaultCacheBehavior": {
        "TargetOriginId": "stable",
        "ViewerProtocolPolicy": "redirect-to-https",
        "TrustedSigners": {"Enabled": False, "Quantity": 0},
        "ForwardedValues": {"QueryString": False, "Cookies": {"Forward": "none"}},
        "MinTTL": 0,
    },
}


def _through(cd: ContinuousDeployment) -> Any:
    def send(request: Any, event_name: str, **kwargs: Any) -> AWSResponse | None:
        url = urlsplit(request.url)
        query = dict(parse_qsl(url.query, keep_blank_values=True))
        headers = {k: v.decode() if isinstance(v, bytes) else v for k, v in request.headers.items()}
        action = cd.action_of(request.method, url.path, query, headers)
        if action is None:
            return None  # moto's own stubber answers
        body = request.body or b""
        body = body.encode() if isinstance(body, str) else body
        answer = cd.call(action, url.path, query, headers, body)
        if answer is None:
            response = botocore_stubber(event_name, request)
            if response is not None and response.status_code < 400:
                cd.forwarded(action, url.path, headers, body)
            return response
        return AWSResponse(request.url, answer.status, answer.headers, MockRawResponse(answer.body))

    return send


@pytest.fixture
def world(in_process_aws: None) -> Iterator[SimpleNamespace]:
    cd = ContinuousDeployment(boto3.client("cloudfront", region_name="us-east-1"))
    viewer = boto3.client("cloudfront", region_name="us-east-1")
    viewer.meta.events.register_first("before-send", _through(cd))
    primary = viewer.create_distribution(DistributionConfig=CONFIG)["Distribution"]["Id"]
    yield SimpleNamespace(cf=viewer, cd=cd, primary=primary)


def _policy(domain: str, weight: float = 0.1, **extra: Any) -> dict[str, Any]:
    return {
        "StagingDistributionDnsNames": {"Quantity": 1, "Items": [domain]},
        "Enabled": True,
        "TrafficConfig": {
            "Type": "SingleWeight",
            "SingleWeightConfig": {"Weight": weight, **extra},
        },
    }


def _copy(world: SimpleNamespace) -> dict[str, Any]:
    etag = world.cf.get_distribution(Id=world.primary)["ETag"]
    return world.cf.copy_distribution(
        PrimaryDistributionId=world.primary, Staging=True, IfMatch=etag, CallerReference="stage"
    )


def _code(error: pytest.ExceptionInfo[ClientError]) -> tuple[int, str]:
    response = error.value.response
    return response["ResponseMetadata"]["HTTPStatusCode"], response["Error"]["Code"]


def test_copy_makes_a_staging_distribution_in_moto(world: SimpleNamespace) -> None:
    copied = _copy(world)
    staging = copied["Distribution"]
    assert copied["ResponseMetadata"]["HTTPStatusCode"] == 201 and copied["ETag"]
    assert staging["DistributionConfig"]["Staging"] is True
    assert staging["DistributionConfig"]["Origins"]["Items"][0]["OriginPath"] == "/releases/v1"
    listed = {d["Id"] for d in world.cf.list_distributions()["DistributionList"]["Items"]}
    assert listed == {world.primary, staging["Id"]}
    with pytest.raises(ClientError) as stale:
        world.cf.copy_distribution(
            PrimaryDistributionId=world.primary,
            Staging=True,
            IfMatch="E0STALE",
            CallerReference="x",
        )
    assert _code(stale) == (412, "PreconditionFailed")


def test_policy_lifecycle_with_etags_attach_and_split(world: SimpleNamespace) -> None:
    staging = _copy(world)["Distribution"]
    created = world.cf.create_continuous_deployment_policy(
        ContinuousDeploymentPolicyConfig=_policy(staging["DomainName"])
    )
    policy = created["ContinuousDeploymentPolicy"]
    assert created["ResponseMetadata"]["HTTPStatusCode"] == 201
    assert policy["ContinuousDeploymentPolicyConfig"]["TrafficConfig"]["SingleWeightConfig"] == {
        "Weight": 0.1
    }
    assert world.cd.split_for(world.primary) is None  # not attached yet

    current = world.cf.get_distribution_config(Id=world.primary)
    config = current["DistributionConfig"] | {"ContinuousDeploymentPolicyId": policy["Id"]}
    world.cf.update_distribution(
        Id=world.primary, IfMatch=current["ETag"], DistributionConfig=config
    )
    read = world.cf.get_distribution_config(Id=world.primary)["DistributionConfig"]
    assert read["ContinuousDeploymentPolicyId"] == policy["Id"]  # kept by moto
    split = world.cd.split_for(world.primary)
    assert split is not None and split.enabled and split.weight == 0.1
    assert split.staging_distribution_id == staging["Id"]

    got = world.cf.get_continuous_deployment_policy_config(Id=policy["Id"])
    assert got["ETag"] == created["ETag"]
    updated = world.cf.update_continuous_deployment_policy(
        Id=policy["Id"],
        IfMatch=got["ETag"],
        ContinuousDeploymentPolicyConfig=_policy(staging["DomainName"], 0.15),
    )
    assert updated["ETag"] != got["ETag"]
    assert world.cd.split_for(world.primary).weight == 0.15  # type: ignore[union-attr]
    with pytest.raises(ClientError) as stale:
        world.cf.update_continuous_deployment_policy(
            Id=policy["Id"],
            IfMatch=got["ETag"],
            ContinuousDeploymentPolicyConfig=_policy(staging["DomainName"], 0.05),
        )
    assert _code(stale) == (412, "PreconditionFailed")
    with pytest.raises(ClientError) as in_use:
        world.cf.delete_continuous_deployment_policy(Id=policy["Id"], IfMatch=updated["ETag"])
    assert _code(in_use) == (409, "ContinuousDeploymentPolicyInUse")
    listing = world.cf.list_continuous_deployment_policies()["ContinuousDeploymentPolicyList"]
    assert listing["Quantity"] == 1
    assert listing["Items"][0]["ContinuousDeploymentPolicy"]["Id"] == policy["Id"]

    config["ContinuousDeploymentPolicyId"] = ""
    world.cf.update_distribution(
        Id=world.primary, IfMatch=current["ETag"], DistributionConfig=config
    )
    assert world.cd.split_for(world.primary) is None
    world.cf.delete_continuous_deployment_policy(Id=policy["Id"], IfMatch=updated["ETag"])
    with pytest.raises(ClientError) as gone:
        world.cf.get_continuous_deployment_policy(Id=policy["Id"])
    assert _code(gone) == (404, "NoSuchContinuousDeploymentPolicy")


def test_refusals_as_cloudfront_words_them(world: SimpleNamespace) -> None:
    staging = _copy(world)["Distribution"]
    for bad in (
        _policy(staging["DomainName"], 0.2),
        _policy(
            staging["DomainName"], 0.1, SessionStickinessConfig={"IdleTTL": 60, "MaximumTTL": 600}
        ),
        _policy("d0000000000000.cloudfront.net"),
        {
            **_policy(staging["DomainName"]),
            "TrafficConfig": {
                "Type": "SingleHeader",
                "SingleHeaderConfig": {"Header": "x-canary", "Value": "1"},
            },
        },
    ):
        with pytest.raises(ClientError) as refused:
            world.cf.create_continuous_deployment_policy(ContinuousDeploymentPolicyConfig=bad)
        assert _code(refused) == (400, "InvalidArgument")
    world.cf.create_continuous_deployment_policy(
        ContinuousDeploymentPolicyConfig=_policy(staging["DomainName"])
    )
    with pytest.raises(ClientError) as twice:
        world.cf.create_continuous_deployment_policy(
            ContinuousDeploymentPolicyConfig=_policy(staging["DomainName"])
        )
    assert _code(twice) == (409, "StagingDistributionInUse")
    current = world.cf.get_distribution_config(Id=world.primary)
    with pytest.raises(ClientError) as unknown:
        world.cf.update_distribution(
            Id=world.primary,
            IfMatch=current["ETag"],
            DistributionConfig=current["DistributionConfig"]
            | {"ContinuousDeploymentPolicyId": "E0NOSUCHPOLICY"},
        )
    assert _code(unknown) == (404, "NoSuchContinuousDeploymentPolicy")


def test_promotion_copies_the_staging_config_and_disables_the_policy(
    world: SimpleNamespace,
) -> None:
    staging = _copy(world)["Distribution"]
    staging_config = world.cf.get_distribution_config(Id=staging["Id"])
    staging_config["DistributionConfig"]["Origins"]["Items"][0]["OriginPath"] = "/releases/v2"
    world.cf.update_distribution(
        Id=staging["Id"],
        IfMatch=staging_config["ETag"],
        DistributionConfig=staging_config["DistributionConfig"],
    )
    policy = world.cf.create_continuous_deployment_policy(
        ContinuousDeploymentPolicyConfig=_policy(staging["DomainName"])
    )["ContinuousDeploymentPolicy"]
    current = world.cf.get_distribution_config(Id=world.primary)
    world.cf.update_distribution(
        Id=world.primary,
        IfMatch=current["ETag"],
        DistributionConfig=current["DistributionConfig"]
        | {"ContinuousDeploymentPolicyId": policy["Id"]},
    )
    with pytest.raises(ClientError) as stale:
        world.cf.update_distribution_with_staging_config(
            Id=world.primary, StagingDistributionId=staging["Id"], IfMatch=f"{current['ETag']}, E0"
        )
    assert _code(stale) == (412, "PreconditionFailed")
    promoted = world.cf.update_distribution_with_staging_config(
        Id=world.primary,
        StagingDistributionId=staging["Id"],
        IfMatch=f"{current['ETag']}, {staging_config['ETag']}",
    )
    config = promoted["Distribution"]["DistributionConfig"]
    assert config["Origins"]["Items"][0]["OriginPath"] == "/releases/v2"
    assert config["ContinuousDeploymentPolicyId"] == policy["Id"]  # kept
    assert config["CallerReference"] == "primary" and not config.get("Staging")
    got = world.cf.get_continuous_deployment_policy(Id=policy["Id"])
    assert got["ContinuousDeploymentPolicy"]["ContinuousDeploymentPolicyConfig"]["Enabled"] is False
    assert world.cd.split_for(world.primary).enabled is False  # type: ignore[union-attr]


def test_reset_forgets_policies_and_deletes_staging_distributions(world: SimpleNamespace) -> None:
    staging = _copy(world)["Distribution"]
    world.cf.create_continuous_deployment_policy(
        ContinuousDeploymentPolicyConfig=_policy(staging["DomainName"])
    )
    world.cd.reset()
    listed = {d["Id"] for d in world.cf.list_distributions()["DistributionList"]["Items"]}
    assert listed == {world.primary}
    assert (
        world.cf.list_continuous_deployment_policies()["ContinuousDeploymentPolicyList"]["Quantity"]
        == 0
    )


@pytest.mark.parametrize(
    "header",
    [{"Header": "aws-cf-cd-canary", "Value": "1"}, {"Header": "AWS-CF-CD-Canary", "Value": "yes"}],
)
def test_header_names_with_the_prefix_are_accepted(header: dict[str, str]) -> None:
    config = {
        "StagingDistributionDnsNames": {"Quantity": 1, "Items": ["d1.cloudfront.net"]},
        "Enabled": True,
        "TrafficConfig": {"Type": "SingleHeader", "SingleHeaderConfig": header},
    }
    validate_policy_config(config, {"d1.cloudfront.net"})
    with pytest.raises(CloudFrontError, match="InconsistentQuantities"):
        validate_policy_config(
            {
                **config,
                "StagingDistributionDnsNames": {"Quantity": 2, "Items": ["d1.cloudfront.net"]},
            },
            {"d1.cloudfront.net"},
        )


WEIGHTED = Split("E1", "E2", enabled=True, weight=0.1, session_epoch="P0")
STICKY = replace(WEIGHTED, idle_ttl=300, maximum_ttl=600)
HEADER = Split("E1", "E2", enabled=True, header="aws-cf-cd-canary", value="1", session_epoch="P0")


def test_header_config_routes_exactly_the_requests_carrying_it() -> None:
    rng = random.Random(1)
    assert serves_staging(HEADER, {"AWS-CF-CD-CANARY": "1"}, {}, rng) == (True, None)
    assert serves_staging(HEADER, {"aws-cf-cd-canary": "2"}, {}, rng) == (False, None)
    assert serves_staging(HEADER, {}, {}, rng) == (False, None)
    assert serves_staging(replace(HEADER, enabled=False), {"aws-cf-cd-canary": "1"}, {}, rng) == (
        False,
        None,
    )
    assert serves_staging(None, {}, {}, rng) == (False, None)


def test_weight_config_draws_by_weight() -> None:
    rng = random.Random(7)
    served = [serves_staging(WEIGHTED, {}, {}, rng)[0] for _ in range(20_000)]
    assert 0.09 < sum(served) / len(served) < 0.11
    assert serves_staging(replace(WEIGHTED, weight=0.0), {}, {}, rng) == (False, None)


def _cookie(set_cookie: str | None) -> dict[str, str]:
    assert set_cookie is not None and set_cookie.startswith(STICKY_COOKIE + "=")
    return cookies_of(set_cookie.split(";", 1)[0])


def test_sticky_sessions_keep_a_viewer_on_one_side_until_idle_or_maximum() -> None:
    rng = random.Random(3)
    staging, set_cookie = serves_staging(STICKY, {}, {}, rng, now=1000.0)
    jar = _cookie(set_cookie)
    for step in range(1, 4):  # within the idle TTL each time, and the maximum: the same side
        again, set_cookie = serves_staging(
            STICKY, {}, jar, random.Random(step), now=1000.0 + 100 * step
        )
        assert again == staging
        jar = _cookie(set_cookie)
    # 600 s after it began the session is over: a fresh draw (a weight of 1 forces staging)
    always, _ = serves_staging(replace(STICKY, weight=1.0), {}, jar, rng, now=1601.0)
    assert always is True
    # idle past 300 s: over too
    first, set_cookie = serves_staging(replace(STICKY, weight=0.0), {}, {}, rng, now=2000.0)
    assert first is False
    late, _ = serves_staging(replace(STICKY, weight=1.0), {}, _cookie(set_cookie), rng, now=2301.0)
    assert late is True
    # turning the policy (or stickiness) off and on resets every session: a new epoch
    fresh, _ = serves_staging(
        replace(STICKY, weight=1.0, session_epoch="P1"), {}, _cookie(set_cookie), rng, now=2001.0
    )
    assert fresh is True
    assert cookies_of(None) == {}
    assert cookies_of(f"a=1; {STICKY_COOKIE}=P0.s.1.2") == {"a": "1", STICKY_COOKIE: "P0.s.1.2"}
