"""The sandbox's API simulator: one backend per app version (staging, stable, canary).

What the API is — its routes, latency profiles, answers and store — comes from the simulated
app the world names (`WorldSpec.api`, sandbox/apps/); the rest is the same for every app.
Latency is drawn per request from the app's log-normal profile for the endpoint (a heavy right
tail), then faults add to it. The draw is a deadline counted from the request's arrival (at the
edge, or at the backend's own port): the simulator's own work before it — parsing, routing,
the edge — happens inside the configured time instead of adding to it, so what a client
measures is the profile.

A `Backend` answers plain calls (`handle`): the edges dispatch to it in-process, and
`backend_app` serves the same backend on its own port (the tests call backends directly).
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sandbox.app_metrics import CONTENT_TYPE_LATEST, AppMetrics
from sandbox.apps import Request, SimulatedApp, simulated_app
from sandbox.asgi import Receive, Scope, Send, arrival, read_body, send_response
from sandbox.faults import FaultBook
from sandbox.timing import Lateness

JSON = b"application/json"
METRICS_PATH = "/metrics"
TEXT = b"text/plain; charset=utf-8"


@dataclass(frozen=True)
class ApiResponse:
    status: int
    body: bytes
    content_type: bytes = JSON
    version: str | None = None  # the backend that answered; None for the router's own 404/405
    release: str | None = None  # the release the answering backend runs (its build header)
    allow: str | None = None  # on a 405
    endpoint: str | None = (
        None  # the simulated endpoint, and when its answer was due (time.monotonic())
    )
    due: float | None = None

    def headers(
        self, version_header: bytes | None, release_header: bytes
    ) -> list[tuple[bytes, bytes]]:
        """`version_header` None: the app names no slot (only its release)."""
        headers = [(b"content-type", self.content_type)]
        if self.version is not None and version_header is not None:
            headers.append((version_header, self.version.encode()))
        if self.release is not None:
            headers.append((release_header, self.release.encode()))
        if self.allow is not None:
            headers.append((b"allow", self.allow.encode()))
        return headers


async def sleep_until(deadline: float) -> None:
    """Sleep until time.monotonic() reaches `deadline` (a timer may fire a little early: sleep again)."""
    while (remaining := deadline - time.monotonic()) > 0:
        await asyncio.sleep(remaining)


class Backend:
    """One app version's API: the app's routes and store, simulated latency and faults."""

    def __init__(
        self,
        name: str,
        store: Any,
        faults: FaultBook,
        version_header: str | None,
        release_header: str = "X-Golive-Release",
        release: Callable[[], str] = lambda: "unknown",
        latency_scale: float = 1.0,
        rng: random.Random | None = None,
        lateness: Lateness | None = None,
        app: SimulatedApp | str = "statusboard",
        slot_label: str | None = None,
    ) -> None:
        self.name = name
        # the `version` label of its metrics: the app's own name for the slot (PartsDesk: blue, green)
        self.slot_label = slot_label or name
        self.metrics = AppMetrics()
        self.app = simulated_app(app) if isinstance(app, str) else app
        self.lateness = lateness or Lateness()
        self.version_header = version_header.lower().encode() if version_header else None
        self.release_header = release_header.lower().encode()
        # the release of the code this slot runs, as its deployment says (sandbox/slots.py)
        self.release = release
        self._store = store
        self._faults = faults
        self._latency_scale = latency_scale
        self._rng = rng or random.Random()

    async def handle(
        self, method: str, path: str, body: bytes, arrived: float, query: str = ""
    ) -> ApiResponse:
        """Answer one request that arrived at `arrived` (time.monotonic()), as late as the profile
        says; `query` is the raw query string."""
        route = self.app.match(path)
        if route is None:
            return ApiResponse(404, b"Not Found", TEXT)
        if method not in route.methods:
            return ApiResponse(
                405, b"Method Not Allowed", TEXT, allow=", ".join(sorted(route.methods))
            )
        effect = self._faults.effect(self.name, route.endpoint)
        if effect.down:
            down = self._json(503, {"error": "service unavailable", "backend": self.name})
            return dataclasses.replace(down, endpoint=route.endpoint)
        profile = self.app.latency[route.endpoint]
        delay_ms = profile.draw(self._rng) * self._latency_scale + effect.latency_ms
        due = arrived + delay_ms / 1000
        await sleep_until(due)
        if effect.error_rate and self._rng.random() < effect.error_rate:
            status, content = 500, {"error": "internal server error", "backend": self.name}
        else:
            status, content = self.app.answer(self._store, Request(route, body, query, self.name))
        return ApiResponse(
            status,
            _dumps(content),
            JSON,
            self.name,
            self.release(),
            endpoint=route.endpoint,
            due=due,
        )

    def record_lateness(self, answer: ApiResponse) -> None:
        """Call once the answer is on its way: how long after its deadline that was."""
        if answer.due is not None and answer.endpoint is not None:
            self.lateness.record(
                f"{self.name}/{answer.endpoint}", (time.monotonic() - answer.due) * 1000
            )

    def answered(self, method: str, answer: ApiResponse, arrived: float) -> None:
        """Call once the answer is on its way: its lateness, and the request in the app's metrics."""
        self.record_lateness(answer)
        self.metrics.observe(
            self.app.handler(answer.endpoint),
            method,
            answer.status,
            self.slot_label,
            answer.release or self.release(),
            time.monotonic() - arrived,
        )

    def _json(self, status: int, content: Any) -> ApiResponse:
        return ApiResponse(status, _dumps(content), JSON, self.name, self.release())


def backend_app(backend: Backend) -> Callable[[Scope, Receive, Send], Any]:
    """The backend on its own port, as an ASGI app."""

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":  # lifespan is off; nothing else is served
            return
        arrived = arrival(scope)
        body = await read_body(receive)
        if scope["path"] == METRICS_PATH and scope["method"] == "GET":
            # the scrape target: what the app's instrumentation exports, not an API answer
            content = backend.metrics.exposition()
            await send_response(
                send, 200, [(b"content-type", CONTENT_TYPE_LATEST.encode())], content
            )
            return
        answer = await backend.handle(
            scope["method"], scope["path"], body, arrived, query_string(scope)
        )
        await send_response(
            send,
            answer.status,
            answer.headers(backend.version_header, backend.release_header),
            answer.body,
        )
        backend.answered(scope["method"], answer, arrived)

    return app


def query_string(scope: Scope) -> str:
    return scope.get("query_string", b"").decode("latin-1")


def _dumps(content: Any) -> bytes:
    # what Starlette's JSONResponse sends
    return json.dumps(content, ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode()
