"""CloudFront continuous deployment end to end: golive's functions (tasks/frontend/continuous_deployment.py)
over boto3, through the sandbox's AWS proxy, against its emulation (moto has none of it): copy,
attach at 10 %, 15 %, 20 % refused, a stale IfMatch refused, promote, detach; and the sandbox
edge splitting viewers as the attached policy says (weight, sticky sessions, detached)."""

from __future__ import annotations

import re
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import pytest
from botocore.exceptions import ClientError

from blocks.plan import Environment
from sandbox import manager
from sandbox.cloudfront_cd import STICKY_COOKIE
from sandbox.releases import put_release
from sandbox.seed import build_frontend
from sandbox.spec import WorldSpec
from tasks.aws import aws_client
from tasks.cloudfront import origin_paths
from tasks.frontend.continuous_deployment import (
    detach_policy,
    ensure_staging_distribution,
    policy_config,
    promote_staging,
    set_staging_weight,
    staging_state,
)

NEW = "v1.1.0"
LIVE = WorldSpec().initial_release


def _distribution_ids(cf: Any) -> set[str]:
    return {d["Id"] for d in cf.list_distributions()["DistributionList"].get("Items") or []}


def test_a_site_canary_by_continuous_deployment(
    sandbox: manager.Sandbox, production: Environment
) -> None:
    cf = aws_client("cloudfront", production)
    assert cf.meta.endpoint_url == sandbox.urls["aws"]  # the proxy, over HTTP
    primary = production.cloudfront_distribution_id
    origin = "stable"
    new_path = "/" + production.release_prefix(NEW)
    before = _distribution_ids(cf)

    staging = ensure_staging_distribution(cf, primary, origin, new_path)
    assert _distribution_ids(cf) == before | {staging}  # a real distribution in moto
    assert ensure_staging_distribution(cf, primary, origin, new_path) == staging  # no second copy
    assert origin_paths(cf, staging)[origin] == new_path
    assert origin_paths(cf, primary)[origin] != new_path  # users see nothing yet

    policy = set_staging_weight(cf, primary, staging, 0.10, sticky=True)
    state = staging_state(cf, primary)
    assert state["policy_id"] == policy and state["enabled"] and state["weight"] == 0.10
    assert state["sticky"] is True and state["staging_distribution_id"] == staging
    assert state["staging_origin_paths"][origin] == new_path
    etag = cf.get_continuous_deployment_policy(Id=policy)["ETag"]
    assert set_staging_weight(cf, primary, staging, 0.10, sticky=True) == policy
    assert cf.get_continuous_deployment_policy(Id=policy)["ETag"] == etag  # nothing to change

    assert set_staging_weight(cf, primary, staging, 0.15, sticky=False) == policy
    assert staging_state(cf, primary)["weight"] == 0.15

    with pytest.raises(ValueError, match="0..0.15"):
        set_staging_weight(cf, primary, staging, 0.20, sticky=False)
    current = cf.get_continuous_deployment_policy_config(Id=policy)
    domain = cf.get_distribution(Id=staging)["Distribution"]["DomainName"]
    too_much = policy_config(domain, 0.15, sticky=False)
    too_much["TrafficConfig"]["SingleWeightConfig"]["Weight"] = 0.20
    with pytest.raises(ClientError) as refused:  # the service refuses it too
        cf.update_continuous_deployment_policy(
            Id=policy, IfMatch=current["ETag"], ContinuousDeploymentPolicyConfig=too_much
        )
    assert refused.value.response["Error"]["Code"] == "InvalidArgument"

    cf.update_continuous_deployment_policy(
        Id=policy,
        IfMatch=current["ETag"],
        ContinuousDeploymentPolicyConfig=policy_config(domain, 0.05, sticky=False),
    )
    with pytest.raises(ClientError) as stale:
        cf.update_continuous_deployment_policy(
            Id=policy,
            IfMatch=current["ETag"],
            ContinuousDeploymentPolicyConfig=policy_config(domain, 0.15, sticky=False),
        )
    assert stale.value.response["Error"]["Code"] == "PreconditionFailed"
    assert stale.value.response["ResponseMetadata"]["HTTPStatusCode"] == 412

    assert promote_staging(cf, primary, staging) is True
    assert origin_paths(cf, primary) == origin_paths(cf, staging)
    assert origin_paths(cf, primary)[origin] == new_path
    promoted = staging_state(cf, primary)
    assert (
        promoted["policy_id"] == policy and promoted["enabled"] is False
    )  # CloudFront disables it
    assert promote_staging(cf, primary, staging) is False  # done already
    assert sandbox.routing()["production_origins"][origin] == new_path  # the watcher read it

    assert detach_policy(cf, primary) == policy
    assert staging_state(cf, primary)["policy_id"] is None
    assert detach_policy(cf, primary) is None
    # the staging distribution is found again (golive's caller reference) and reused
    assert ensure_staging_distribution(cf, primary, origin, new_path) == staging


def _page_release(response: httpx.Response) -> str:
    found = re.search(r'name="golive-release" content="([^"]+)"', response.text)
    return found.group(1) if found else "(no release)"


def _pages(edge: str, n: int) -> Counter[str]:
    # a new viewer each time: a fresh client per page keeps no session cookie
    return Counter(_page_release(httpx.get(edge + "/")) for _ in range(n))


def test_the_edge_splits_viewers_as_the_policy_says(
    sandbox: manager.Sandbox, production: Environment
) -> None:
    cf, s3 = aws_client("cloudfront", production), aws_client("s3", production)
    with tempfile.TemporaryDirectory() as tmp:
        build = build_frontend(NEW, Path(tmp) / "dist")
        put_release(s3, production.bucket, production.release_prefix(NEW), build)
    primary, edge = production.cloudfront_distribution_id, sandbox.urls["production_edge"]
    staging = ensure_staging_distribution(cf, primary, None, "/" + production.release_prefix(NEW))
    assert _pages(edge, 20) == {LIVE: 20}  # a staging distribution alone moves nobody

    set_staging_weight(cf, primary, staging, 0.15, sticky=False)
    seen = _pages(edge, 400)
    assert set(seen) == {LIVE, NEW}, seen
    assert 0.05 <= seen[NEW] / 400 <= 0.25, seen  # 15 % +- 5 standard errors

    set_staging_weight(cf, primary, staging, 0.15, sticky=True)
    # One viewer sends its session cookie back (by hand: the cookie is Secure, as CloudFront's
    # is, and the sandbox edge is plain HTTP) and stays on one side for its session.
    for _ in range(4):
        first = httpx.get(edge + "/")
        cookie = first.headers.get("set-cookie", "").split(";")[0]
        assert cookie.startswith(f"{STICKY_COOKIE}="), first.headers
        sides = set()
        for _ in range(15):
            page = httpx.get(edge + "/", headers={"Cookie": cookie})
            cookie = page.headers.get("set-cookie", cookie).split(";")[0]  # refreshed each time
            sides.add(_page_release(page))
        assert sides == {_page_release(first)}

    detach_policy(cf, primary)
    assert _pages(edge, 60) == {LIVE: 60}  # the primary serves everyone again
