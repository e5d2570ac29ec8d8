"""Promote the exact bytes Gate A validated: copy a release from the staging prefix to production."""

from __future__ import annotations

from typing import Any

from tasks.aws_errors import aws_action
from tasks.backup import LiveObject, list_objects


def copy_release(
    s3: Any, source_bucket: str, source_prefix: str, target_bucket: str, target_prefix: str
) -> list[LiveObject]:
    """Copy every object (metadata, content type and cache headers kept), index.html last.

    Idempotent: copying again writes the same bytes to the same keys. A failed copy raises
    AwsActionError naming the key; since index.html goes last, a half-copied release has no
    page that could be served.
    """
    objects = list_objects(s3, source_bucket, source_prefix)
    if not any(o.key.endswith("/index.html") for o in objects):
        raise FileNotFoundError(
            f"s3://{source_bucket}/{source_prefix}/ holds no index.html: was the release validated on staging?"
        )
    ordered = sorted(objects, key=lambda o: (o.key.endswith("/index.html"), o.key))
    copied = []
    for obj in ordered:
        relative = obj.key[len(source_prefix.strip("/")) + 1 :]
        key = f"{target_prefix.strip('/')}/{relative}"
        with aws_action(
            "s3:CopyObject", f"s3://{target_bucket}/{key} (from s3://{source_bucket}/{obj.key})"
        ):
            result = s3.copy_object(
                Bucket=target_bucket,
                Key=key,
                CopySource={"Bucket": source_bucket, "Key": obj.key},
                MetadataDirective="COPY",
            )
        copied.append(LiveObject(key=key, etag=result["CopyObjectResult"]["ETag"].strip('"')))
    return copied
