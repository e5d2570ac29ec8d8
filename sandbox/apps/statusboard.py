"""StatusBoardV2, an auto shop's appointment board: the board, an appointment's drawer, drag and
drop (move) and status changes with optimistic concurrency, the dashboard's stats, /health.

Latency: the board heavier than the drawer (healthy p95s: board ~300 ms against an 800 ms SLO,
drawer mean ~50 ms against 200 ms). The store is sandbox/appointments.py.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from typing import Any

from sandbox.appointments import STATUSES, AppointmentStore, Conflict
from sandbox.apps.base import (
    READ,
    Answer,
    LatencyProfile,
    Request,
    Route,
    SimulatedApp,
    UserMix,
    UserRequest,
)

LATENCY: dict[str, LatencyProfile] = {
    "health": LatencyProfile(3, 0.3),
    "board": LatencyProfile(160, 0.38),
    "drawer": LatencyProfile(45, 0.35),
    "move": LatencyProfile(70, 0.35),
    "status": LatencyProfile(60, 0.35),
    "stats": LatencyProfile(80, 0.35),
}

_WRITE = frozenset({"PATCH"})
_APPOINTMENTS = "/api/admin/appointments/"


def is_api(path: str) -> bool:
    return path == "/health" or path.startswith("/api/")


def match(path: str) -> Route | None:
    """The endpoint a path names (the app's routes; an id is ASCII digits, as Starlette's `int`)."""
    if path == "/health":
        return Route("health", READ)
    if path == "/api/admin/dashboard/stats":
        return Route("stats", READ)
    if not path.startswith(_APPOINTMENTS):
        return None
    rest = path[len(_APPOINTMENTS) :]
    if rest == "board":
        return Route("board", READ)
    number, _, action = rest.partition("/")
    if not (number.isascii() and number.isdigit()):
        return None
    if action == "" and "/" not in rest:
        return Route("drawer", READ, int(number))
    if action in ("move", "status"):
        return Route(action, _WRITE, int(number))
    return None


def answer(store: AppointmentStore, request: Request) -> Answer:
    route, body = request.route, request.body
    appointment_id = route.key
    if route.endpoint == "health":
        return 200, {"status": "ok", "backend": request.backend}
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


def _not_found(appointment_id: int) -> Answer:
    return 404, {"error": "not found", "id": appointment_id}


def _mutation(
    appointment_id: int, apply: Callable[[], dict[str, Any] | None], status: str
) -> Answer:
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


def _json_body(body: bytes, fields: dict[str, type]) -> tuple[dict[str, Any], Answer | None]:
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


HANDLERS: dict[str, str] = {
    "health": "/health",
    "stats": "/api/admin/dashboard/stats",
    "board": "/api/admin/appointments/board",
    "drawer": "/api/admin/appointments/{id}",
    "move": "/api/admin/appointments/{id}/move",
    "status": "/api/admin/appointments/{id}/status",
}


def next_user_request(memory: dict[str, Any], rng: random.Random) -> UserRequest:
    """A service writer's day: mostly the board and drawers, the dashboard now and then, a few
    drag-and-drop moves (with the version the drawer showed, so most are accepted)."""
    ids: list[int] = memory.get("ids", [])
    roll = rng.random()
    if not ids or roll < 0.40:
        return UserRequest("GET", HANDLERS["board"])
    appointment = rng.choice(ids)
    if roll < 0.80:
        return UserRequest("GET", f"{_APPOINTMENTS}{appointment}")
    if roll < 0.95:
        return UserRequest("GET", HANDLERS["stats"])
    version = memory.get("versions", {}).get(appointment, 1)
    body = {"status": rng.choice(STATUSES), "position": 0, "version": version}
    return UserRequest("PATCH", f"{_APPOINTMENTS}{appointment}/move", json.dumps(body).encode())


def learn_from_answer(
    memory: dict[str, Any], request: UserRequest, status: int, content: Any
) -> None:
    """Remember the board's ids and each appointment's latest version (a 409 says the current one)."""
    if not isinstance(content, dict):
        return
    if "columns" in content:
        memory["ids"] = [
            card["id"]
            for column in content.get("columns", [])
            for card in column.get("appointments", [])
        ]
    versions: dict[int, int] = memory.setdefault("versions", {})
    current = content.get("current") if status == 409 else content
    if isinstance(current, dict) and "id" in current and "version" in current:
        versions[current["id"]] = current["version"]


APP = SimulatedApp(
    name="statusboard",
    title="StatusBoardV2, an auto shop's appointment board",
    latency=LATENCY,
    is_api=is_api,
    match=match,
    answer=answer,
    new_store=AppointmentStore,
    handlers=HANDLERS,
    users=UserMix(next_user_request, learn_from_answer),
    world={},  # WorldSpec's defaults are StatusBoardV2's world
)
