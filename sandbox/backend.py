"""The StatusBoardV2 API simulator: one backend per app version (staging, stable, canary).

Latency is drawn per request from a log-normal distribution per endpoint (heavy right
tail, the board heavier than the drawer), then faults add to it. The draw is a deadline
counted from the request's arrival (at the edge, or at the backend's own port): the
simulator's own work before it — parsing, routing, the edge — happens inside the
configured time instead of adding to it, so what a client measures is the profile.

A `Backend` answers plain calls (`handle`): the edges dispatch to it in-process, and
`backend_app` serves the same backend on its own port (the tests call backends directly).
"""

from __future__ import annotations

import asyncio
import json
import math
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sandbox.appointments import STATUSES, AppointmentStore, Conflict
from sandbox.asgi import Receive, Scope, Send, arrival, read_body, send_response
from sandbox.faults import FaultBook
from sandbox.timing import Lateness


@dataclass(frozen=True)
class LatencyProfile:
    median_ms: float
    sigma: float  # log-normal shape: 0.3 is tight, 0.6 has a long tail

    def draw(self, rng: random.Random) -> float:
        return rng.lognormvariate(math.log(self.median_ms), self.sigma)

    def p95(self) -> float:
        return self.median_ms * math.exp(1.6449 * self.sigma)

    def mean(self) -> float:
        return self.median_ms * math.exp(self.sigma**2 / 2)


# Healthy p95s: board ~300 ms (SLO 800), drawer mean ~50 ms (SLO 200).
LATENCY: dict[str, LatencyProfile] = {
    "health": LatencyProfile(3, 0.3),
    "board": LatencyProfile(160, 0.38),
    "drawer": LatencyProfile(45, 0.35),
    "move": LatencyProfile(70, 0.35),
    "status": LatencyProfile(60, 0.35),
    "stats": LatencyProfile(80, 0.35),
}

JSON = b"application/json"
TEXT = b"text/plain; charset=utf-8"
_READ = frozenset({"GET", "HEAD"})
_WRITE = frozenset({"PATCH"})
_APPOINTMENTS = "/api/admin/appointments/"


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

    def headers(self, version_header: bytes, release_header: bytes) -> list[tuple[bytes, bytes]]:
        headers = [(b"content-type", self.content_type)]
        if self.version is not None:
            headers.append((version_header, self.version.encode()))
        if self.release is not None:
            headers.append((release_header, self.release.encode()))
        if self.allow is not None:
            headers.append((b"allow", self.allow.encode()))
        return headers


@dataclass(frozen=True)
class _Route:
    endpoint: str
    methods: frozenset[str]
    appointment_id: int | None = None


def match(path: str) -> _Route | None:
    """The endpoint a path names (the app's routes; an id is ASCII digits, as Starlette's `int`)."""
    if path == "/health":
        return _Route("health", _READ)
    if path == "/api/admin/dashboard/stats":
        return _Route("stats", _READ)
    if not path.startswith(_APPOINTMENTS):
        return None
    rest = path[len(_APPOINTMENTS) :]
    if rest == "board":
        return _Route("board", _READ)
    number, _, action = rest.partition("/")
    if not (number.isascii() and number.isdigit()):
        return None
    if action == "" and "/" not in rest:
        return _Route("drawer", _READ, int(number))
    if action in ("move", "status"):
        return _Route(action, _WRITE, int(number))
    return None


async def sleep_until(deadline: float) -> None:
    """Sleep until time.monotonic() reaches `deadline` (a timer may fire a little early: sleep again)."""
    while (remaining := deadline - time.monotonic()) > 0:
        await asyncio.sleep(remaining)


class Backend:
    """One app version's API: routes, simulated latency and faults, the appointment store."""

    def __init__(
        self,
        name: str,
        store: AppointmentStore,
        faults: FaultBook,
        version_header: str,
        release_header: str = "X-Golive-Release",
        release: Callable[[], str] = lambda: "unknown",
        latency_scale: float = 1.0,
        rng: random.Random | None = None,
        lateness: Lateness | None = None,
    ) -> None:
        self.name = name
        self.lateness = lateness or Lateness()
        self.version_header = version_header.lower().encode()
        self.release_header = release_header.lower().encode()
        # the release of the code this slot runs, as its deployment says (sandbox/slots.py)
        self.release = release
        self._store = store
        self._faults = faults
        self._latency_scale = latency_scale
        self._rng = rng or random.Random()

    async def handle(self, method: str, path: str, body: bytes, arrived: float) -> ApiResponse:
        """Answer one request that arrived at `arrived` (time.monotonic()), as late as the profile says."""
        route = match(path)
        if route is None:
            return ApiResponse(404, b"Not Found", TEXT)
        if method not in route.methods:
            return ApiResponse(
                405, b"Method Not Allowed", TEXT, allow=", ".join(sorted(route.methods))
            )
        effect = self._faults.effect(self.name, route.endpoint)
        if effect.down:
            return self._json(503, {"error": "service unavailable", "backend": self.name})
        delay_ms = LATENCY[route.endpoint].draw(self._rng) * self._latency_scale + effect.latency_ms
        due = arrived + delay_ms / 1000
        await sleep_until(due)
        if effect.error_rate and self._rng.random() < effect.error_rate:
            status, content = 500, {"error": "internal server error", "backend": self.name}
        else:
            status, content = self._answer(route, body)
        return ApiResponse(
            status,
            _dumps(content),
            JSON,
            self.name,
            self.release(),
            endpoint=route.endpoint,
            due=due,
        )

    def _answer(self, route: _Route, body: bytes) -> tuple[int, Any]:
        store, appointment_id = self._store, route.appointment_id
        if route.endpoint == "health":
            return 200, {"status": "ok", "backend": self.name}
        if route.endpoint == "board":
            return 200, store.board()
        if route.endpoint == "stats":
            return 200, store.stats()
        assert appointment_id is not None
        if route.endpoint == "drawer":
            appointment = store.get(appointment_id)
            return (200, appointment) if appointment is not None else _not_found(appointment_id)
        if route.endpoint == "move":
            fields, problem = _json_body(body, {"status": str, "position": int, "version": int})
            return problem or _mutation(
                appointment_id,
                lambda: store.move(
                    appointment_id, fields["status"], fields["position"], fields["version"]
                ),
                fields["status"],
            )
        fields, problem = _json_body(body, {"status": str, "version": int})
        return problem or _mutation(
            appointment_id,
            lambda: store.set_status(appointment_id, fields["status"], fields["version"]),
            fields["status"],
        )

    def record_lateness(self, answer: ApiResponse) -> None:
        """Call once the answer is on its way: how long after its deadline that was."""
        if answer.due is not None and answer.endpoint is not None:
            self.lateness.record(
                f"{self.name}/{answer.endpoint}", (time.monotonic() - answer.due) * 1000
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
        answer = await backend.handle(scope["method"], scope["path"], body, arrived)
        await send_response(
            send,
            answer.status,
            answer.headers(backend.version_header, backend.release_header),
            answer.body,
        )
        backend.record_lateness(answer)

    return app


def _dumps(content: Any) -> bytes:
    # what Starlette's JSONResponse sends
    return json.dumps(content, ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode()


def _not_found(appointment_id: int) -> tuple[int, Any]:
    return 404, {"error": "not found", "id": appointment_id}


def _mutation(
    appointment_id: int, apply: Callable[[], dict[str, Any] | None], status: str
) -> tuple[int, Any]:
    if status not in STATUSES:
        return 422, {
            "error": "validation",
            "field": "status",
            "message": f"expected one of {', '.join(STATUSES)}",
        }
    try:
        updated = apply()
    except Conflict as conflict:
        # The body the board UI relies on to show "someone else moved this card".
        return 409, {
            "error": "conflict",
            "message": "This appointment was changed by someone else. Refresh to see the latest.",
            "current_version": conflict.current["version"],
            "current": conflict.current,
        }
    if updated is None:
        return _not_found(appointment_id)
    return 200, updated


def _json_body(
    body: bytes, fields: dict[str, type]
) -> tuple[dict[str, Any], tuple[int, Any] | None]:
    try:
        parsed = json.loads(body)
    except ValueError:
        return {}, (422, {"error": "validation", "message": "body must be JSON"})
    for field, kind in fields.items():
        value = parsed.get(field) if isinstance(parsed, dict) else None
        if not isinstance(value, kind) or isinstance(value, bool):
            return {}, (
                422,
                {"error": "validation", "field": field, "message": f"expected {kind.__name__}"},
            )
    return parsed, None
