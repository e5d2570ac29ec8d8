"""The sandbox's own view of releases in S3: putting a built release under a prefix, and which
release a prefix holds. The sandbox does not use golive's uploader: the world golive is judged
against must not share its code (a bug there would be hidden on both sides).

Object metadata is what S3 serves back and CloudFront passes on: Content-Type from the file
name, Cache-Control from the build's own asset manifest or the content hash in a file's name
(`app.0aa9a1197a.js`: the files it content-hashed may be cached forever; anything else,
index.html and version.json above all, must be revalidated).
"""

from __future__ import annotations

import json
import mimetypes
import re
from pathlib import Path
from typing import Any

MANIFEST = "asset-manifest.json"
CACHE_FOREVER = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache, max-age=0, must-revalidate"
_HASHED_NAME = re.compile(r"\.[0-9a-f]{8,}\.[A-Za-z0-9]+$")  # name.<content hash>.ext


def release_of(origin_path: str) -> str:
    """The release an origin path or prefix names: its last segment (/releases/v1.2.0 -> v1.2.0)."""
    return origin_path.rstrip("/").rsplit("/", 1)[-1] or "unknown"


def hashed_files(build_dir: Path) -> set[str]:
    """The build-relative paths the build's manifest says it content-hashed (none if it has no manifest)."""
    manifest = build_dir / MANIFEST
    if not manifest.is_file():
        return set()
    return set(json.loads(manifest.read_text()).get("files", {}).values())


def content_type(name: str) -> str:
    guessed = mimetypes.guess_type(name)[0] or "application/octet-stream"
    return (
        guessed + "; charset=utf-8"
        if guessed.startswith("text/") or guessed == "application/json"
        else guessed
    )


def put_release(s3: Any, bucket: str, prefix: str, build_dir: Path) -> list[str]:
    """PutObject every file of a build under `prefix`; index.html last, so that no reader of the
    prefix gets a page whose assets are not there yet. Returns the keys written."""
    if not build_dir.is_dir():
        raise FileNotFoundError(
            f"build_dir: {build_dir} is not a directory (expected a built release)"
        )
    immutable = hashed_files(build_dir)
    files = sorted(
        (p.relative_to(build_dir).as_posix() for p in build_dir.rglob("*") if p.is_file()),
        key=lambda name: (name == "index.html", name),
    )
    keys = []
    for name in files:
        key = f"{prefix.strip('/')}/{name}"
        s3.put_object(
            Bucket=bucket,
            Key=key,
            Body=(build_dir / name).read_bytes(),
            ContentType=content_type(name),
            CacheControl=CACHE_FOREVER
            if name in immutable or _HASHED_NAME.search(name)
            else REVALIDATE,
        )
        keys.append(key)
    return keys
