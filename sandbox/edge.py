"""The sandbox edge: CloudFront + the API front door for one environment.

Static files come from the S3 prefix of the origin that the request path's cache behaviour
targets (the default behaviour's, unless a path pattern matches): one origin per behaviour, as
CloudFront serves, whatever the API router's weights, through the distribution's edge cache
(sandbox/edge_cache.py: what an origin served stays until it expires or is invalidated, as on
CloudFront). API calls go to a backend: in production the slot (stable or canary) is drawn per
request from the router's current weights, and the backend's answer names its slot and the
release it runs (sandbox/slots.py). The edge stamps no release: a site tells its release only
as the objects themselves do (a `<meta>` tag, a JSON file, S3 metadata passed through as
`x-amz-meta-*`).

A distribution with a continuous deployment policy attached sends each viewer to its primary or
its staging distribution as CloudFront does (`split_of`, sandbox/cloudfront_cd.py): by weight,
sticky by cookie, or by header; the staging distribution has its own origins and its own cache.

API calls are dispatched to the backend in-process (no loopback HTTP hop), with the time
the request reached the edge, so the backend's simulated latency counts from there.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Mapping
from typing import Any, Literal

from sandbox.apps import simulated_app
from sandbox.asgi import Receive, Scope, Send, arrival, read_body, send_response
from sandbox.backend import Backend, query_string
from sandbox.cloudfront_cd import Split, cookies_of, serves_staging
from sandbox.edge_cache import EdgeCache, Served
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


def pick_version(weights: dict[str, int], rng: random.Random) -> str:
    stable, canary = max(weights.get("stable", 0), 0), max(weights.get("canary", 0), 0)
    if stable + canary == 0:  # Route 53: all weights zero means equal shares
        stable = canary = 1
    return "canary" if rng.random() * (stable + canary) < canary else "stable"


def create_edge(
    environment: Environment,
    watcher: RoutingWatcher,
    backends: Mapping[str, Backend],
    faults: FaultBook,
    static: EdgeCache,
    rng: random.Random | None = None,
    split_of: Callable[[], Split | None] | None = None,
    cache_of: Callable[[str], EdgeCache] | None = None,
    on_api_answer: Callable[[str, int, float], object] | None = None,
) -> Callable[[Scope, Receive, Send], Any]:
    """An ASGI app; `backends` maps version -> Backend: {"staging": ...} or {"stable": ..., "canary": ...}.

    `split_of` is the distribution's continuous deployment, as CloudFront would apply it
    (sandbox/cloudfront_cd.py): a viewer it sends to the staging distribution gets that
    distribution's origins, through that distribution's own cache (`cache_of(id)`).
    `on_api_answer(version, status, seconds)` is told of each API answer once it is sent (the
    ALB's CloudWatch metrics, sandbox/alb_metrics.py)."""
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
            cache, set_cookie = static, None
            split = split_of() if split_of is not None else None
            if split is not None and split.enabled and cache_of is not None:
                to_staging, set_cookie = serves_staging(
                    split, _request_headers(scope), cookies_of(_cookie(scope)), rng
                )
                staged = split.staging_distribution_id
                if to_staging and staged in snapshot.distributions:
                    distribution, cache = snapshot.distributions[staged], cache_of(staged)
            status, headers, body, _ = await _static(
                cache, version, distribution.origin_path_for(path), path
            )
            if set_cookie is not None:
                headers.append((b"set-cookie", set_cookie.encode()))
        headers.append((b"via", via))
        dropped = faults.effect(version, None).drop_headers
        headers += [(name, value) for name, value in _SECURITY_RAW if name.decode() not in dropped]
        await send_response(send, status, headers, body)
        if answer is not None:
            backend.answered(scope["method"], answer, arrived)
            if on_api_answer is not None:
                on_api_answer(version, answer.status, time.monotonic() - arrived)

    async def _static(cache: EdgeCache, version: str, origin_path: str, path: str) -> Served:
        return cache.hit((version, path)) or await cache.fill(
            (version, path), origin_path, _s3_keys(origin_path, path)
        )

    return app


def _request_headers(scope: Scope) -> dict[str, str]:
    return {name.decode("latin-1"): value.decode("latin-1") for name, value in scope["headers"]}


def _cookie(scope: Scope) -> str | None:
    return next(
        (value.decode("latin-1") for name, value in scope["headers"] if name == b"cookie"), None
    )


def _s3_keys(origin_path: str, path: str) -> tuple[str, ...]:
    """The S3 keys a viewer path may be served from: the object (the default root object for /),
    then, for an SPA route (no dot in its last segment), the origin's index.html."""
    relative = path.lstrip("/") or "index.html"
    root = origin_path.strip("/")
    key = f"{root}/{relative}".lstrip("/")
    if "." in relative.rsplit("/", 1)[-1]:
        return (key,)
    return key, f"{root}/index.html".lstrip("/")
