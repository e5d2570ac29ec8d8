"""CloudFront: point a distribution's origin at a release prefix, invalidate, wait."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from typing import Any

from tasks.aws_errors import aws_action


@dataclass(frozen=True)
class OriginChange:
    distribution_id: str
    origin_id: str
    previous_path: str
    new_path: str

    @property
    def changed(self) -> bool:
        return self.previous_path != self.new_path


def _config(cloudfront: Any, distribution_id: str) -> dict[str, Any]:
    with aws_action("cloudfront:GetDistributionConfig", f"distribution {distribution_id}"):
        return cloudfront.get_distribution_config(Id=distribution_id)


def origin_paths(cloudfront: Any, distribution_id: str) -> dict[str, str]:
    config = _config(cloudfront, distribution_id)["DistributionConfig"]
    return {o["Id"]: o.get("OriginPath", "") for o in config["Origins"].get("Items", [])}


def default_origin_id(cloudfront: Any, distribution_id: str) -> str:
    config = _config(cloudfront, distribution_id)["DistributionConfig"]
    return config["DefaultCacheBehavior"]["TargetOriginId"]


def point_origin(
    cloudfront: Any, distribution_id: str, origin_id: str | None, prefix: str
) -> OriginChange:
    """Set the origin's path to /prefix. Idempotent: an origin already there is left alone.

    The update carries the ETag it read (IfMatch), so a concurrent change to the
    distribution makes this fail instead of silently overwriting it.
    """
    current = _config(cloudfront, distribution_id)
    config = current["DistributionConfig"]
    origin_id = origin_id or config["DefaultCacheBehavior"]["TargetOriginId"]
    origins = config["Origins"].get("Items", [])
    origin = next((o for o in origins if o["Id"] == origin_id), None)
    if origin is None:
        known = ", ".join(o["Id"] for o in origins)
        raise LookupError(
            f"distribution {distribution_id} has no origin {origin_id!r} (origins: {known})"
        )
    new_path = "/" + prefix.strip("/")
    change = OriginChange(distribution_id, origin_id, origin.get("OriginPath", ""), new_path)
    if change.changed:
        origin["OriginPath"] = new_path
        with aws_action(
            "cloudfront:UpdateDistribution",
            f"distribution {distribution_id} (origin {origin_id}: {change.previous_path} -> {new_path})",
        ):
            cloudfront.update_distribution(
                Id=distribution_id, IfMatch=current["ETag"], DistributionConfig=config
            )
    return change


def invalidate(
    cloudfront: Any,
    distribution_id: str,
    paths: list[str] | None = None,
    timeout: float = 900,
    poll: float = 1.0,
) -> dict[str, Any]:
    """Create an invalidation and wait until CloudFront reports it Completed (or fail)."""
    with aws_action("cloudfront:CreateInvalidation", f"distribution {distribution_id}"):
        created = cloudfront.create_invalidation(
            DistributionId=distribution_id,
            InvalidationBatch={
                "Paths": {"Quantity": len(paths or ["/*"]), "Items": paths or ["/*"]},
                "CallerReference": f"golive-{uuid.uuid4()}",
            },
        )["Invalidation"]
    started = time.monotonic()
    status = created["Status"]
    while status.lower() != "completed":
        if time.monotonic() - started > timeout:
            raise TimeoutError(
                f"invalidation {created['Id']} on {distribution_id} not completed after {timeout:.0f}s"
            )
        time.sleep(poll)
        with aws_action(
            "cloudfront:GetInvalidation",
            f"invalidation {created['Id']} of distribution {distribution_id}",
        ):
            status = cloudfront.get_invalidation(DistributionId=distribution_id, Id=created["Id"])[
                "Invalidation"
            ]["Status"]
    return {"id": created["Id"], "status": status, "seconds": round(time.monotonic() - started, 2)}


def release_of(origin_path: str) -> str:
    """The release an origin path holds: its last segment (/releases/v1.2.0 -> v1.2.0)."""
    return origin_path.rstrip("/").rsplit("/", 1)[-1] or "unknown"


def repoint_origin(
    cloudfront: Any, distribution_id: str, origin_id: str | None, prefix: str
) -> OriginChange:
    """`point_origin`, then an invalidation only if the path changed: what users are served
    moves at once, and a re-run that changed nothing invalidates nothing."""
    change = point_origin(cloudfront, distribution_id, origin_id, prefix)
    if change.changed:
        invalidate(cloudfront, distribution_id)
    return change
