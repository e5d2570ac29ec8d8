"""Seed (and restore) the sandbox's AWS world in moto for a WorldSpec.

Idempotent: resources are found by name/comment before anything is created, so
`seed` doubles as `reset` and distribution/zone ids stay stable across resets
(an env file the user sourced keeps working).
"""

from __future__ import annotations

import base64
import secrets
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sandbox.aws import client
from sandbox.releases import put_release
from sandbox.routers import ROUTERS
from sandbox.slots import seed_slots
from sandbox.spec import WorldSpec

REPO_ROOT = Path(__file__).resolve().parent.parent
STAGING_COMMENT = "golive-sandbox staging"
PRODUCTION_COMMENT = "golive-sandbox production"


@dataclass
class SeededIds:
    staging_distribution_id: str
    production_distribution_id: str
    routers: dict[str, dict[str, str]] = field(
        default_factory=dict
    )  # router kind -> what it seeded

    def as_dict(self) -> dict[str, str]:
        """One flat mapping (state.json's "ids", the tests' and users' names for what was seeded)."""
        flat = {
            "staging_distribution_id": self.staging_distribution_id,
            "production_distribution_id": self.production_distribution_id,
        }
        for kind, seeded in self.routers.items():
            clash = flat.keys() & seeded.keys()
            if clash:  # a new router reusing a name would hide another's resource
                raise ValueError(
                    f"router {kind!r}: seeded ids {sorted(clash)} are already named by another"
                )
            flat.update(seeded)
        return flat


def seed_world(spec: WorldSpec, endpoint_url: str) -> SeededIds:
    s3 = client("s3", endpoint_url, spec.region)
    _seed_bucket(s3, spec)
    cloudfront = client("cloudfront", endpoint_url, spec.region)
    staging_path = "/" + spec.release_prefix("staging", spec.initial_release)
    staging_id = _ensure_distribution(
        cloudfront, spec, STAGING_COMMENT, dict.fromkeys(spec.staging_origins, staging_path)
    )
    production_path = "/" + spec.release_prefix("production", spec.initial_release)
    production_id = _ensure_distribution(
        cloudfront,
        spec,
        PRODUCTION_COMMENT,
        dict.fromkeys(spec.production_origins, production_path),
    )
    # Every simulated router is seeded, whichever the edge follows: `POST /router` switches at run time.
    routers = {
        kind: entry.seed(
            {name: client(name, endpoint_url, spec.region) for name in entry.services}, spec
        )
        for kind, entry in ROUTERS.items()
    }
    _seed_alarms(client("cloudwatch", endpoint_url, spec.region), spec)
    seed_slots(client("ecs", endpoint_url, spec.region), spec)
    seed_approver_secrets(client("secretsmanager", endpoint_url, spec.region), spec)
    return SeededIds(staging_id, production_id, routers)


def frontend_build(spec: WorldSpec | None = None) -> Path:
    """The build script of the world's example site (`WorldSpec.frontend`)."""
    return REPO_ROOT / (spec or WorldSpec()).frontend / "build.py"


def build_frontend(release: str, out: Path, spec: WorldSpec | None = None) -> Path:
    """Build the world's example site (StatusBoardV2's without a spec) for `release` into `out`."""
    subprocess.run(
        [sys.executable, str(frontend_build(spec)), "--release", release, "--out", str(out)],
        check=True,
        capture_output=True,
        text=True,
    )
    return out


def _seed_bucket(s3: Any, spec: WorldSpec) -> None:
    existing = {b["Name"] for b in s3.list_buckets().get("Buckets", [])}
    if spec.bucket not in existing:
        s3.create_bucket(Bucket=spec.bucket)
    else:  # restore: only the initial release remains
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=spec.bucket):
            keys = [{"Key": o["Key"]} for o in page.get("Contents", [])]
            if keys:
                s3.delete_objects(Bucket=spec.bucket, Delete={"Objects": keys, "Quiet": True})
    with tempfile.TemporaryDirectory() as tmp:
        build = build_frontend(spec.initial_release, Path(tmp) / "dist", spec)
        for environment in ("staging", "production"):
            put_release(
                s3, spec.bucket, spec.release_prefix(environment, spec.initial_release), build
            )


def _origin(spec: WorldSpec, origin_id: str, path: str) -> dict[str, Any]:
    return {
        "Id": origin_id,
        "DomainName": f"{spec.bucket}.s3.{spec.region}.amazonaws.com",
        "OriginPath": path,
        "S3OriginConfig": {"OriginAccessIdentity": ""},
    }


def _distribution_config(
    spec: WorldSpec, comment: str, origins: dict[str, str], reference: str
) -> dict[str, Any]:
    first = next(iter(origins))
    return {
        "CallerReference": reference,
        "Comment": comment,
        "Enabled": True,
        "DefaultRootObject": "index.html",
        "Origins": {
            "Quantity": len(origins),
            "Items": [_origin(spec, i, p) for i, p in origins.items()],
        },
        "DefaultCacheBehavior": {
            "TargetOriginId": first,
            "ViewerProtocolPolicy": "redirect-to-https",
            "TrustedSigners": {"Enabled": False, "Quantity": 0},
            "ForwardedValues": {"QueryString": False, "Cookies": {"Forward": "none"}},
            "MinTTL": 0,
        },
    }


def _ensure_distribution(
    cloudfront: Any, spec: WorldSpec, comment: str, origins: dict[str, str]
) -> str:
    items = cloudfront.list_distributions().get("DistributionList", {}).get("Items", []) or []
    for item in items:
        if item.get("Comment") == comment:
            current = cloudfront.get_distribution_config(Id=item["Id"])
            config = current["DistributionConfig"]
            config["Origins"] = {
                "Quantity": len(origins),
                "Items": [_origin(spec, i, p) for i, p in origins.items()],
            }
            config["DefaultCacheBehavior"]["TargetOriginId"] = next(iter(origins))
            config["Enabled"] = True
            cloudfront.update_distribution(
                Id=item["Id"], IfMatch=current["ETag"], DistributionConfig=config
            )
            return item["Id"]
    created = cloudfront.create_distribution(
        DistributionConfig=_distribution_config(
            spec, comment, origins, reference=comment.replace(" ", "-")
        )
    )
    return created["Distribution"]["Id"]


def seed_approver_secrets(secretsmanager: Any, spec: WorldSpec) -> None:
    """A TOTP secret (RFC 6238, base32) per approver of the world, made once: a reset keeps it, so
    an authenticator (or the sandbox approver) that read it keeps producing good codes."""
    for name in spec.approvers:
        secret_id = f"{spec.approver_secret_prefix}{name}"
        try:
            secretsmanager.describe_secret(SecretId=secret_id)
        except secretsmanager.exceptions.ResourceNotFoundException:
            secret = base64.b32encode(secrets.token_bytes(20)).decode()
            secretsmanager.create_secret(
                Name=secret_id,
                SecretString=secret,
                Description=f"golive sandbox: {name}'s one-time-code secret",
            )


def _seed_alarms(cloudwatch: Any, spec: WorldSpec) -> None:
    for name in spec.alarms:
        cloudwatch.put_metric_alarm(
            AlarmName=name,
            Namespace="AWS/ApplicationELB",
            MetricName="HTTPCode_Target_5XX_Count",
            Statistic="Sum",
            Period=60,
            EvaluationPeriods=1,
            Threshold=1.0,
            ComparisonOperator="GreaterThanOrEqualToThreshold",
            TreatMissingData="notBreaching",
        )
        cloudwatch.set_alarm_state(
            AlarmName=name, StateValue="OK", StateReason="golive sandbox seed"
        )
