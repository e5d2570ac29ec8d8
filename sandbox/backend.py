"""The StatusBoardV2 API simulator: one Starlette app per backend (staging, stable, canary).

Latency is drawn per request from a log-normal distribution per endpoint (heavy right
tail, the board heavier than the drawer), then faults add to it.
"""

from __future__ import annotations

import asyncio
import math
import random
from dataclasses import dataclass
from typing import Any, Awaitable, Callable

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from sandbox.appointments import STATUSES, AppointmentStore, Conflict
from sandbox.faults import FaultBook


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

Handler = Callable[[Request], Awaitable[Response]]


def create_backend(name: str, store: AppointmentStore, faults: FaultBook, version_header: str,
                   latency_scale: float = 1.0, rng: random.Random | None = None) -> Starlette:
    rng = rng or random.Random()

    def simulated(endpoint: str, handler: Handler) -> Handler:
        async def wrapper(request: Request) -> Response:
            effect = faults.effect(name, endpoint)
            if effect.down:
                return JSONResponse({"error": "service unavailable", "backend": name}, status_code=503,
                                    headers={version_header: name})
            delay_ms = LATENCY[endpoint].draw(rng) * latency_scale + effect.latency_ms
            await asyncio.sleep(delay_ms / 1000)
            if effect.error_rate and rng.random() < effect.error_rate:
                return JSONResponse({"error": "internal server error", "backend": name}, status_code=500,
                                    headers={version_header: name})
            response = await handler(request)
            response.headers[version_header] = name
            return response
        return wrapper

    async def health(request: Request) -> Response:
        return JSONResponse({"status": "ok", "backend": name})

    async def board(request: Request) -> Response:
        return JSONResponse(store.board())

    async def drawer(request: Request) -> Response:
        appointment = store.get(_appointment_id(request))
        if appointment is None:
            return _not_found(request)
        return JSONResponse(appointment)

    async def move(request: Request) -> Response:
        body, problem = await _json_body(request, {"status": str, "position": int, "version": int})
        if problem:
            return problem
        return _mutation(request, lambda: store.move(_appointment_id(request), body["status"],
                                                     body["position"], body["version"]), body["status"])

    async def change_status(request: Request) -> Response:
        body, problem = await _json_body(request, {"status": str, "version": int})
        if problem:
            return problem
        return _mutation(request, lambda: store.set_status(_appointment_id(request), body["status"],
                                                           body["version"]), body["status"])

    async def stats(request: Request) -> Response:
        return JSONResponse(store.stats())

    return Starlette(routes=[
        Route("/health", simulated("health", health)),
        Route("/api/admin/appointments/board", simulated("board", board)),
        Route("/api/admin/appointments/{appointment_id:int}", simulated("drawer", drawer)),
        Route("/api/admin/appointments/{appointment_id:int}/move", simulated("move", move), methods=["PATCH"]),
        Route("/api/admin/appointments/{appointment_id:int}/status", simulated("status", change_status),
              methods=["PATCH"]),
        Route("/api/admin/dashboard/stats", simulated("stats", stats)),
    ])


def _appointment_id(request: Request) -> int:
    return int(request.path_params["appointment_id"])


def _not_found(request: Request) -> Response:
    return JSONResponse({"error": "not found", "id": request.path_params.get("appointment_id")}, status_code=404)


def _mutation(request: Request, apply: Callable[[], dict[str, Any] | None], status: str) -> Response:
    if status not in STATUSES:
        return JSONResponse({"error": "validation", "field": "status",
                             "message": f"expected one of {', '.join(STATUSES)}"}, status_code=422)
    try:
        updated = apply()
    except Conflict as conflict:
        # The body the board UI relies on to show "someone else moved this card".
        return JSONResponse({
            "error": "conflict",
            "message": "This appointment was changed by someone else. Refresh to see the latest.",
            "current_version": conflict.current["version"],
            "current": conflict.current,
        }, status_code=409)
    if updated is None:
        return _not_found(request)
    return JSONResponse(updated)


async def _json_body(request: Request, fields: dict[str, type]) -> tuple[dict[str, Any], Response | None]:
    try:
        body = await request.json()
    except ValueError:
        return {}, JSONResponse({"error": "validation", "message": "body must be JSON"}, status_code=422)
    for field, kind in fields.items():
        value = body.get(field) if isinstance(body, dict) else None
        if not isinstance(value, kind) or isinstance(value, bool):
            return {}, JSONResponse({"error": "validation", "field": field,
                                     "message": f"expected {kind.__name__}"}, status_code=422)
    return body, None
