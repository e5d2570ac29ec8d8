"""Small helpers about what an origin path says."""

from __future__ import annotations


def release_of(origin_path: str) -> str:
    """The release a prefix holds: its last path segment (/releases/v1.2.0 -> v1.2.0)."""
    return origin_path.rstrip("/").rsplit("/", 1)[-1] or "unknown"
