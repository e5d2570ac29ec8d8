"""Upload a built frontend release to S3 under its own prefix.

Plain functions over a boto3 S3 client; the Prefect task wrappers live with the gate
that uses them. Hashed assets are immutable (cache forever); anything else, above all
index.html, must be revalidated so that switching the origin path switches the site.
"""

from __future__ import annotations

import mimetypes
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tasks.aws_errors import aws_action

IMMUTABLE = "public, max-age=31536000, immutable"
NO_CACHE = "no-cache, max-age=0, must-revalidate"
# name.<12+ hex chars>.ext, as the example build (and most bundlers) write them
_HASHED = re.compile(r"\.[0-9a-f]{8,}\.[A-Za-z0-9]+$")
_EXTRA_TYPES = {
    ".js": "text/javascript",
    ".mjs": "text/javascript",
    ".map": "application/json",
    ".webmanifest": "application/manifest+json",
    ".woff2": "font/woff2",
}


@dataclass(frozen=True)
class UploadedObject:
    key: str
    etag: str
    content_type: str
    cache_control: str
    size: int


def object_headers(relative_path: str) -> tuple[str, str]:
    """(Content-Type, Cache-Control) for a file of a built release."""
    suffix = Path(relative_path).suffix.lower()
    content_type = (
        _EXTRA_TYPES.get(suffix)
        or mimetypes.guess_type(relative_path)[0]
        or "application/octet-stream"
    )
    if content_type.startswith("text/") or content_type in (
        "application/json",
        "application/javascript",
    ):
        content_type += "; charset=utf-8"
    cache_control = IMMUTABLE if _HASHED.search(relative_path) else NO_CACHE
    return content_type, cache_control


def release_files(build_dir: Path) -> list[tuple[str, Path]]:
    """(relative key, file) for every file of a build, index.html last.

    index.html goes last so that a reader of the prefix never sees a page that
    references assets not yet uploaded.
    """
    files = sorted(p for p in build_dir.rglob("*") if p.is_file())
    pairs = [(p.relative_to(build_dir).as_posix(), p) for p in files]
    return sorted(pairs, key=lambda pair: (pair[0] == "index.html", pair[0]))


RELEASE_METADATA_KEY = (
    "golive-release"  # S3 serves it as x-amz-meta-golive-release; CloudFront passes it on
)


def upload_release(
    s3: Any, bucket: str, prefix: str, build_dir: Path, release: str | None = None
) -> list[UploadedObject]:
    """Every file of the build under `prefix`; with `release`, each object carries it as S3
    metadata (the `s3_metadata` site-release reader reads it back through CloudFront)."""
    metadata = {RELEASE_METADATA_KEY: release} if release else {}
    if not build_dir.is_dir():
        raise FileNotFoundError(f"build output {build_dir} does not exist: did the build step run?")
    uploaded: list[UploadedObject] = []
    for relative, path in release_files(build_dir):
        content_type, cache_control = object_headers(relative)
        key = f"{prefix.strip('/')}/{relative}"
        body = path.read_bytes()
        with aws_action("s3:PutObject", f"s3://{bucket}/{key}"):
            response = s3.put_object(
                Bucket=bucket,
                Key=key,
                Body=body,
                ContentType=content_type,
                CacheControl=cache_control,
                Metadata=metadata,
            )
        uploaded.append(
            UploadedObject(key, response["ETag"].strip('"'), content_type, cache_control, len(body))
        )
    return uploaded
