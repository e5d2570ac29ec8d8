"""The sandbox edge: CloudFront + the API front door for one environment.

Static files come from the S3 prefix that the environment's distribution origin points
at; API calls go to a backend. In production the version (stable or canary) is drawn
per request from the router's current weights, and the same version's origin serves
the static files, so a canary user sees the new frontend and the new API together.
Every response names the version and release that served it.
"""

from __future__ import annotations

import asyncio
import random
import time
from typing import Any, Literal

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from sandbox.faults import FaultBook
from sandbox.watcher import RoutingWatcher, release_of

Environment = Literal["staging", "production"]

# What a CloudFront response-headers policy would add; the security smoke suite checks them.
SECURITY_HEADERS = {
    "Strict-Transport-Security": "max-age=63072000; includeSubDomains; preload",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "Content-Security-Policy": "default-src 'self'; frame-ancestors 'none'",
}
_PASS_HEADERS = ("content-type", "authorization", "x-amz-date", "x-amz-security-token", "x-amz-content-sha256",
                 "if-match", "accept")
_STATIC_TTL_S = 1.0


def pick_version(weights: dict[str, int], rng: random.Random) -> str:
    stable, canary = max(weights.get("stable", 0), 0), max(weights.get("canary", 0), 0)
    if stable + canary == 0:  # Route 53: all weights zero means equal shares
        stable = canary = 1
    return "canary" if rng.random() * (stable + canary) < canary else "stable"


class StaticCache:
    """A short-lived object cache so a burst of page loads is not a burst of S3 reads."""

    def __init__(self, s3: Any, bucket: str) -> None:
        self._s3 = s3
        self._bucket = bucket
        self._items: dict[str, tuple[float, Response | None]] = {}

    async def get(self, key: str) -> Response | None:
        hit = self._items.get(key)
        if hit and time.monotonic() - hit[0] < _STATIC_TTL_S:
            return hit[1]
        response = await asyncio.to_thread(self._fetch, key)
        self._items[key] = (time.monotonic(), response)
        return response

    def _fetch(self, key: str) -> Response | None:
        try:
            obj = self._s3.get_object(Bucket=self._bucket, Key=key)
        except self._s3.exceptions.NoSuchKey:
            return None
        headers = {"Cache-Control": obj.get("CacheControl", ""), "ETag": obj.get("ETag", "")}
        return Response(obj["Body"].read(), media_type=obj.get("ContentType"), headers=headers)


def create_edge(environment: Environment, watcher: RoutingWatcher, backends: dict[str, str],
                faults: FaultBook, static: StaticCache, rng: random.Random | None = None) -> Starlette:
    """`backends` maps version -> base URL: {"staging": url} or {"stable": url, "canary": url}."""
    rng = rng or random.Random()
    spec = watcher.spec
    http = httpx.AsyncClient(timeout=httpx.Timeout(30.0),
                             limits=httpx.Limits(max_connections=1000, max_keepalive_connections=200))

    def route(snapshot_origins: dict[str, str], weights: dict[str, int]) -> tuple[str, str]:
        if environment == "staging":
            return "staging", next(iter(snapshot_origins.values()), "")
        version = pick_version(weights, rng)
        return version, snapshot_origins.get(version) or snapshot_origins.get("stable", "")

    async def handle(request: Request) -> Response:
        snapshot = watcher.snapshot
        origins = snapshot.staging_origins if environment == "staging" else snapshot.production_origins
        version, origin_path = route(origins, snapshot.weights)
        path = request.url.path
        if path == "/health" or path.startswith("/api/"):
            response = await _proxy(request, backends[version])
        else:
            response = await _static(origin_path, path)
        response.headers[spec.version_header] = version
        response.headers[spec.release_header] = release_of(origin_path)
        response.headers["Via"] = f"1.1 golive-sandbox-edge ({environment})"
        dropped = faults.effect(version, None).drop_headers
        for name, value in SECURITY_HEADERS.items():
            if name.lower() not in dropped:
                response.headers[name] = value
        return response

    async def _proxy(request: Request, base_url: str) -> Response:
        headers = {k: v for k, v in request.headers.items() if k.lower() in _PASS_HEADERS}
        try:
            upstream = await http.request(request.method, base_url + request.url.path,
                                          params=request.query_params, headers=headers,
                                          content=await request.body())
        except httpx.HTTPError as error:
            return Response(f"502 Bad Gateway: {type(error).__name__}", status_code=502, media_type="text/plain")
        keep = {k: v for k, v in upstream.headers.items()
                if k.lower() in ("content-type", spec.version_header.lower())}
        return Response(upstream.content, status_code=upstream.status_code, headers=keep)

    async def _static(origin_path: str, path: str) -> Response:
        relative = path.lstrip("/") or "index.html"
        key = f"{origin_path.strip('/')}/{relative}".lstrip("/")
        found = await static.get(key)
        if found is None and "." not in relative.rsplit("/", 1)[-1]:  # SPA route -> index.html
            found = await static.get(f"{origin_path.strip('/')}/index.html".lstrip("/"))
        if found is None:
            return Response("404 Not Found", status_code=404, media_type="text/plain")
        return Response(found.body, status_code=200, headers=dict(found.headers))

    methods = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
    app = Starlette(routes=[Route("/{path:path}", handle, methods=methods)])
    app.state.http = http
    return app
