"""The backup manifest: everything a rollback needs, written before production changes.

Stored in the production bucket under golive/backups/ (one per launch, plus a
`latest.json` pointer) so that a rollback started with no launch running, or after the
launch's process died, can still find what to restore.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel

from tasks.aws_errors import aws_action

BACKUP_PREFIX = "golive/backups"


class LiveObject(BaseModel):
    key: str
    etag: str


class BackupManifest(BaseModel):
    launch: str  # the launch's flow run id (or a label)
    release: str  # the release being launched
    live_release: str  # what users were served before
    bucket: str
    distribution_id: str
    origin_paths: dict[str, str]  # origin id -> path, before the deploy
    router: str
    weights: dict[str, int]  # before the deploy
    live_prefix: str
    live_objects: list[LiveObject]
    created_at: str
    # the API: which release the front door served, and each slot's ECS task definition before
    # the launch (a full rollback points the services back at them); empty for older manifests
    live_api_release: str | None = None
    api_slots: dict[str, str] = {}
    # the router's name of the slot that served every user (slot_swap alternates it; a rollback
    # sends traffic back there); "stable" for older manifests and the other kinds
    live_slot: str = "stable"
    # the plan the launch ran (its copy on the Prefect server, golive-plan/launch-<id>): a
    # rollback named no launch judges production by it; None for older manifests
    plan_copy: str | None = None

    @property
    def key(self) -> str:
        return f"{BACKUP_PREFIX}/{self.release}/manifest.json"


def now() -> str:
    return datetime.now(UTC).isoformat()


def list_objects(s3: Any, bucket: str, prefix: str) -> list[LiveObject]:
    found: list[LiveObject] = []
    with aws_action("s3:ListObjectsV2", f"s3://{bucket}/{prefix.strip('/')}/"):
        for page in s3.get_paginator("list_objects_v2").paginate(
            Bucket=bucket, Prefix=prefix.strip("/") + "/"
        ):
            found += [
                LiveObject(key=o["Key"], etag=o["ETag"].strip('"'))
                for o in page.get("Contents", [])
            ]
    return found


def write_manifest(s3: Any, manifest: BackupManifest) -> BackupManifest:
    """Record the manifest (once per release) and point latest.json at it.

    Idempotent and safe to re-run: if this release already has a manifest, that one is
    kept — it captured production before this launch touched it, whereas a re-run would
    capture a state that may already include this release.
    """
    recorded = read_manifest(s3, manifest.bucket, manifest.key)
    if recorded is None:
        with aws_action("s3:PutObject", f"s3://{manifest.bucket}/{manifest.key}"):
            s3.put_object(
                Bucket=manifest.bucket,
                Key=manifest.key,
                Body=manifest.model_dump_json(indent=2).encode(),
                ContentType="application/json",
            )
        recorded = manifest
    latest = f"{BACKUP_PREFIX}/latest.json"
    with aws_action("s3:PutObject", f"s3://{manifest.bucket}/{latest}"):
        s3.put_object(
            Bucket=manifest.bucket,
            Key=latest,
            Body=json.dumps({"key": recorded.key, "release": recorded.release}).encode(),
            ContentType="application/json",
        )
    return recorded


def read_manifest(s3: Any, bucket: str, key: str) -> BackupManifest | None:
    with aws_action("s3:GetObject", f"s3://{bucket}/{key}"):
        try:
            body = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
        except s3.exceptions.NoSuchKey:
            return None
    return BackupManifest.model_validate_json(body)


def latest_manifest(s3: Any, bucket: str) -> BackupManifest | None:
    with aws_action("s3:GetObject", f"s3://{bucket}/{BACKUP_PREFIX}/latest.json"):
        try:
            pointer = json.loads(
                s3.get_object(Bucket=bucket, Key=f"{BACKUP_PREFIX}/latest.json")["Body"].read()
            )
        except s3.exceptions.NoSuchKey:
            return None
    return read_manifest(s3, bucket, pointer["key"])
