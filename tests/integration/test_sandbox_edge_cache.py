"""The sandbox's edges cache as CloudFront does: an origin repointed without an invalidation keeps
serving what was cached from the old one until it expires; a CreateInvalidation through the
sandbox's AWS endpoint (a faulted one aside) clears it; S3 user metadata reaches the viewer."""

from __future__ import annotations

import uuid

import httpx
import pytest
from botocore.exceptions import ClientError

from sandbox import manager
from sandbox.aws import client

OBJECT = "edge-probe.json"


def put(s3: object, bucket: str, prefix: str, release: str) -> None:
    s3.put_object(  # type: ignore[attr-defined]
        Bucket=bucket,
        Key=f"{prefix}/{OBJECT}",
        Body=f'{{"release": "{release}"}}'.encode(),
        ContentType="application/json",
        CacheControl="public, max-age=300",
        Metadata={"release": release},
    )


def test_a_repoint_without_an_invalidation_serves_the_cached_object_of_the_old_origin(
    sandbox: manager.Sandbox,
) -> None:
    spec, endpoint = sandbox.spec, sandbox.urls["aws"]  # through the AWS proxy, as golive calls
    s3, cloudfront = (
        client("s3", endpoint, spec.region),
        client("cloudfront", endpoint, spec.region),
    )
    old, new = spec.release_prefix("staging", "v1.0.0"), spec.release_prefix("staging", "v2.0.0")
    put(s3, spec.bucket, old, "v1.0.0")
    put(s3, spec.bucket, new, "v2.0.0")
    s3.put_object(
        Bucket=spec.bucket, Key=f"{new}/fresh.json", Body=b"{}", CacheControl="max-age=300"
    )
    site, dist_id = sandbox.urls["staging_edge"], sandbox.state["ids"]["staging_distribution_id"]

    first = httpx.get(f"{site}/{OBJECT}")
    assert (first.json(), first.headers["x-cache"]) == (
        {"release": "v1.0.0"},
        "Miss from cloudfront",
    )
    assert first.headers["x-amz-meta-release"] == "v1.0.0"
    assert httpx.get(f"{site}/{OBJECT}?v=2").headers["x-cache"] == "Hit from cloudfront"

    current = cloudfront.get_distribution_config(Id=dist_id)
    config = current["DistributionConfig"]
    config["Origins"]["Items"][0]["OriginPath"] = "/" + new
    cloudfront.update_distribution(Id=dist_id, IfMatch=current["ETag"], DistributionConfig=config)

    assert httpx.get(f"{site}/fresh.json").status_code == 200  # the edge follows the new origin
    stale = httpx.get(f"{site}/{OBJECT}")
    assert stale.json() == {"release": "v1.0.0"}  # max-age=300: still the old origin's
    assert stale.headers["x-cache"] == "Hit from cloudfront" and "age" in stale.headers
    assert stale.headers["x-amz-meta-release"] == "v1.0.0"
    assert "x-golive-release" not in stale.headers  # the edge stamps nothing: the object tells
    assert httpx.get(sandbox.urls["production_edge"] + f"/{OBJECT}").status_code == 404  # apart

    sandbox.set_aws_fault("cloudfront", "access_denied", action="CreateInvalidation")
    with pytest.raises(ClientError):
        invalidate(cloudfront, dist_id, ["/*"])
    assert httpx.get(f"{site}/{OBJECT}").json() == {"release": "v1.0.0"}  # never reached moto

    invalidate(cloudfront, dist_id, [f"/{OBJECT.upper()}", "/assets/*"])  # covers nothing cached
    assert httpx.get(f"{site}/{OBJECT}").json() == {"release": "v1.0.0"}

    accepted = invalidate(cloudfront, dist_id, ["/*"])
    served = httpx.get(f"{site}/{OBJECT}")
    assert served.json() == {"release": "v2.0.0"}
    assert served.headers["x-cache"] == "Miss from cloudfront"
    assert served.headers["x-amz-meta-release"] == "v2.0.0"
    assert served.headers["cache-control"] == "public, max-age=300"
    listed = cloudfront.list_invalidations(DistributionId=dist_id)["InvalidationList"]["Items"]
    assert accepted in {i["Id"] for i in listed}  # moto keeps what it accepted


def test_the_world_reset_empties_the_edge_caches(sandbox: manager.Sandbox) -> None:
    spec = sandbox.spec
    put(
        client("s3", sandbox.urls["aws"], spec.region),
        spec.bucket,
        spec.release_prefix("staging", "v1.0.0"),
        "v1.0.0",
    )
    site = sandbox.urls["staging_edge"]
    httpx.get(f"{site}/{OBJECT}")
    assert httpx.get(f"{site}/{OBJECT}").headers["x-cache"] == "Hit from cloudfront"
    sandbox.reset()  # the seed removes the object; a cache left over would still serve it
    assert httpx.get(f"{site}/{OBJECT}").status_code == 404


def invalidate(cloudfront: object, dist_id: str, paths: list[str]) -> str:
    return cloudfront.create_invalidation(  # type: ignore[attr-defined]
        DistributionId=dist_id,
        InvalidationBatch={
            "Paths": {"Quantity": len(paths), "Items": paths},
            "CallerReference": uuid.uuid4().hex,
        },
    )["Invalidation"]["Id"]
