"""The sandbox edge: CloudFront + the API front door for one environment.

Static files come from the S3 prefix of the origin that the request path's cache behaviour
targets (the default behaviour's, unless a path pattern matches): one origin per behaviour, as
CloudFront serves, whatever the API router's weights. API calls go to a backend: in production
the slot (stable or canary) is drawn per request from the router's current weights, and the
backend's answer names its slot and the release it runs (sandbox/slots.py). The edge stamps
no release: a site tells its release only as the objects themselves do (a `<meta>` tag, a JSON
file, S3 metadata passed through as `x-amz-meta-*`).

API calls are dispatched to the backend in-process (no loopback HTTP hop), with the time
the request reached the edge, so the backend's simulated latency counts from there.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from sandbox.apps import simulated_app
from sandbox.asgi import Receive, Scope, Send, arrival, read_body, send_response
from sandbox.backend import Backend, query_string
from sandbox.faults import FaultBook
from sandbox.watcher import RoutingWatcher

Environment = Literal["staging", "production"]

# What a CloudFront response-headers policy would add; the security smoke suite checks them.
SECURITY_HEADERS = {
    "Strict-Transport-Security": "max-age=63072000; includeSubDomains; preload",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "Content-Security-Policy": "default-src 'self'; frame-ancestors 'none'",
}
_SECURITY_RAW = [
    (name.lower().encode(), value.encode()) for name, value in SECURITY_HEADERS.items()
]
_STATIC_TTL_S = 1.0
_NOT_FOUND = (404, [(b"content-type", b"text/plain; charset=utf-8")], b"404 Not Found")


def pick_version(weights: dict[str, int], rng: random.Random) -> str:
    stable, canary = max(weights.get("stable", 0), 0), max(weights.get("canary", 0), 0)
    if stable + canary == 0:  # Route 53: all weights zero means equal shares
        stable = canary = 1
    return "canary" if rng.random() * (stable + canary) < canary else "stable"


@dataclass(frozen=True)
class StaticObject:
    body: bytes
    headers: list[tuple[bytes, bytes]]


class StaticCache:
    """A short-lived object cache so a burst of page loads is not a burst of S3 reads."""

    def __init__(self, s3: Any, bucket: str) -> None:
        self._s3 = s3
        self._bucket = bucket
        self._items: dict[str, tuple[float, StaticObject | None]] = {}

    async def get(self, key: str) -> StaticObject | None:
        hit = self._items.get(key)
        if hit and time.monotonic() - hit[0] < _STATIC_TTL_S:
            return hit[1]
        found = await asyncio.to_thread(self._fetch, key)
        self._items[key] = (time.monotonic(), found)
        return found

    def _fetch(self, key: str) -> StaticObject | None:
        try:
            obj = self._s3.get_object(Bucket=self._bucket, Key=key)
        except self._s3.exceptions.NoSuchKey:
            return None
        content_type = obj.get("ContentType") or "application/octet-stream"
        if content_type.startswith("text/") and "charset=" not in content_type.lower():
            content_type += "; charset=utf-8"  # as Starlette's Response said it
        headers = [
            (b"content-type", content_type.encode()),
            (b"cache-control", obj.get("CacheControl", "").encode()),
            (b"etag", obj.get("ETag", "").encode()),
        ]
        return StaticObject(obj["Body"].read(), headers)


def create_edge(
    environment: Environment,
    watcher: RoutingWatcher,
    backends: Mapping[str, Backend],
    faults: FaultBook,
    static: StaticCache,
    rng: random.Random | None = None,
) -> Callable[[Scope, Receive, Send], Any]:
    """An ASGI app; `backends` maps version -> Backend: {"staging": ...} or {"stable": ..., "canary": ...}."""
    rng = rng or random.Random()
    spec = watcher.spec
    is_api = simulated_app(spec.api).is_api
    version_header = spec.version_header.lower().encode() if spec.version_header else None
    release_header = spec.release_header.lower().encode()
    via = f"1.1 golive-sandbox-edge ({environment})".encode()

    def pick_backend(weights: dict[str, int]) -> str:
        return "staging" if environment == "staging" else pick_version(weights, rng)

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":  # lifespan is off; nothing else is served
            return
        arrived = arrival(scope)
        snapshot = watcher.snapshot
        path = scope["path"]
        answer = None
        if is_api(path):
            # the API behind the router: the backend answers with its own version and release
            version = pick_backend(snapshot.weights)
            backend = backends[version]
            body = await read_body(receive)
            answer = await backend.handle(scope["method"], path, body, arrived, query_string(scope))
            status, headers, body = (
                answer.status,
                answer.headers(version_header, release_header),
                answer.body,
            )
        else:
            # the site: one origin per cache behaviour, whatever the API router's weights
            version = environment if environment == "staging" else "site"
            distribution = snapshot.staging if environment == "staging" else snapshot.production
            status, headers, body = await _static(distribution.origin_path_for(path), path)
        headers.append((b"via", via))
        dropped = faults.effect(version, None).drop_headers
        headers += [(name, value) for name, value in _SECURITY_RAW if name.decode() not in dropped]
        await send_response(send, status, headers, body)
        if answer is not None:
            backend.record_lateness(answer)

    async def _static(origin_path: str, path: str) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
        relative = path.lstrip("/") or "index.html"
        key = f"{origin_path.strip('/')}/{relative}".lstrip("/")
        found = await static.get(key)
        if found is None and "." not in relative.rsplit("/", 1)[-1]:  # SPA route -> index.html
            found = await static.get(f"{origin_path.strip('/')}/index.html".lstrip("/"))
        if found is None:
            return _NOT_FOUND[0], list(_NOT_FOUND[1]), _NOT_FOUND[2]
        return 200, list(found.headers), found.body

    return app
