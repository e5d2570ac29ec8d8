"""The sandbox's API simulator without a server: routes, faults, optimistic concurrency, and a
simulated latency counted from the request's arrival."""

from __future__ import annotations

import asyncio
import json
import random
import time

import pytest

from sandbox.appointments import AppointmentStore
from sandbox.apps.statusboard import match
from sandbox.backend import ApiResponse, Backend
from sandbox.faults import Fault, FaultBook


def backend(faults: FaultBook | None = None) -> Backend:
    # latency_scale 0: the tests that are not about latency answer at once
    return Backend(
        "stable",
        AppointmentStore(),
        faults or FaultBook(),
        "X-Golive-Version",
        latency_scale=0,
        rng=random.Random(1),
    )


def call(api: Backend, method: str, path: str, body: object = None) -> ApiResponse:
    raw = b"" if body is None else json.dumps(body).encode()
    return asyncio.run(api.handle(method, path, raw, time.monotonic()))


@pytest.mark.parametrize(
    ("path", "endpoint", "appointment_id"),
    [
        ("/health", "health", None),
        ("/api/admin/appointments/board", "board", None),
        ("/api/admin/appointments/12", "drawer", 12),
        ("/api/admin/appointments/12/move", "move", 12),
        ("/api/admin/appointments/12/status", "status", 12),
        ("/api/admin/dashboard/stats", "stats", None),
    ],
)
def test_each_route_names_its_endpoint(
    path: str, endpoint: str, appointment_id: int | None
) -> None:
    route = match(path)
    assert route is not None and (route.endpoint, route.key) == (
        endpoint,
        appointment_id,
    )


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/api/admin/appointments/",
        "/api/admin/appointments/12/",
        "/api/admin/appointments/x",
        "/api/admin/appointments/١٢",
        "/api/admin/appointments/12/move/x",
        "/api/admin/appointments/board/1",
    ],
)
def test_other_paths_are_not_found(path: str) -> None:
    answer = call(backend(), "GET", path)
    assert (answer.status, answer.body, answer.version) == (404, b"Not Found", None)


def test_a_wrong_method_is_405_with_allow() -> None:
    answer = call(backend(), "GET", "/api/admin/appointments/3/move")
    assert (answer.status, answer.allow) == (405, "PATCH")
    assert call(backend(), "PATCH", "/api/admin/appointments/board").allow == "GET, HEAD"


def test_the_drawer_and_the_board_answer_from_the_store() -> None:
    api = backend()
    drawer = call(api, "GET", "/api/admin/appointments/3")
    assert (
        drawer.status == 200 and drawer.version == "stable" and json.loads(drawer.body)["id"] == 3
    )
    board = json.loads(call(api, "GET", "/api/admin/appointments/board").body)
    assert sum(column["count"] for column in board["columns"]) == board["total"] == 24
    missing = call(api, "GET", "/api/admin/appointments/999")
    assert (missing.status, json.loads(missing.body)) == (404, {"error": "not found", "id": 999})


def test_a_stale_version_is_a_409_with_the_current_card() -> None:
    api = backend()
    version = json.loads(call(api, "GET", "/api/admin/appointments/5").body)["version"]
    moved = call(
        api,
        "PATCH",
        "/api/admin/appointments/5/move",
        {"status": "ready", "position": 0, "version": version},
    )
    assert moved.status == 200 and json.loads(moved.body)["version"] == version + 1
    stale = call(
        api,
        "PATCH",
        "/api/admin/appointments/5/status",
        {"status": "completed", "version": version},
    )
    conflict = json.loads(stale.body)
    assert stale.status == 409 and conflict["current_version"] == version + 1
    assert conflict["current"]["status"] == "ready"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"status": "ready", "position": 0}, "version"),
        ({"status": "ready", "position": True, "version": 1}, "position"),
        ({"status": "nowhere", "position": 0, "version": 1}, "status"),
    ],
)
def test_a_bad_body_is_a_422_naming_the_field(body: dict, field: str) -> None:
    answer = call(backend(), "PATCH", "/api/admin/appointments/5/move", body)
    assert answer.status == 422 and json.loads(answer.body)["field"] == field
    assert (
        call(backend(), "PATCH", "/api/admin/appointments/5/move", None).status == 422
    )  # not JSON


def test_faults_apply_per_backend_and_endpoint() -> None:
    faults = FaultBook()
    faults.set(Fault(target="stable", endpoint="board", down=True))
    api = backend(faults)
    assert call(api, "GET", "/api/admin/appointments/board").status == 503
    assert call(api, "GET", "/api/admin/appointments/3").status == 200
    faults.set(Fault(target="stable", error_rate=1))
    assert call(api, "GET", "/api/admin/appointments/3").status == 500
    faults.clear("stable")
    assert call(api, "GET", "/api/admin/appointments/board").status == 200


def test_the_simulated_latency_counts_from_arrival() -> None:
    """A request that arrived long ago is already past its deadline: the backend answers without
    sleeping again (it would sleep 5 s if the latency counted from when it got to run)."""
    faults = FaultBook()
    faults.set(Fault(target="stable", latency_ms=5000))
    api = Backend("stable", AppointmentStore(), faults, "X-Golive-Version")

    async def late() -> ApiResponse:
        return await asyncio.wait_for(
            api.handle("GET", "/health", b"", time.monotonic() - 60), timeout=2
        )

    answer = asyncio.run(late())
    assert answer.status == 200
    api.record_lateness(answer)  # it was due 55 s ago: the simulator reports itself that late
    lateness = api.lateness.summary()["stable/health"]
    assert lateness["count"] == 1 and 54_000 < lateness["mean"] < 56_000
