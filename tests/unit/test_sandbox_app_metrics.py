"""What the sandbox's backends export for Prometheus, and how its users behave (no server here: the
real Prometheus and the users' process are in tests/integration/test_prometheus_canary.py)."""

from __future__ import annotations

import asyncio
import json
import random
import time

import pytest
from prometheus_client.parser import text_string_to_metric_families

from sandbox.appointments import AppointmentStore
from sandbox.apps import simulated_app
from sandbox.apps.base import UserRequest
from sandbox.backend import Backend
from sandbox.faults import Fault, FaultBook
from sandbox.users import MAX_RATE, UserLoad


def _samples(backend: Backend) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    text = backend.metrics.exposition().decode()
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def _serve(backend: Backend, method: str, path: str) -> None:
    arrived = time.monotonic()
    answer = asyncio.run(backend.handle(method, path, b"", arrived))
    backend.answered(method, answer, arrived)


def test_each_answer_is_counted_by_route_template_status_slot_and_release() -> None:
    faults = FaultBook()
    api = Backend(
        "canary",
        AppointmentStore(),
        faults,
        "X-Golive-Version",
        release=lambda: "v2.0.0",
        latency_scale=0,
        slot_label="green",
    )
    _serve(api, "GET", "/api/admin/appointments/board")
    _serve(api, "GET", "/api/admin/appointments/1")
    _serve(api, "GET", "/api/admin/appointments/2")
    faults.set(Fault(target="canary", down=True))
    _serve(api, "GET", "/api/admin/appointments/board")
    _serve(api, "GET", "/nowhere")
    samples = _samples(api)

    def count(handler: str, status: str) -> float:
        labels = {"handler": handler, "method": "GET", "status": status, "version": "green"}
        return samples[
            ("http_requests_total", tuple(sorted({**labels, "release": "v2.0.0"}.items())))
        ]

    assert count("/api/admin/appointments/board", "200") == 1
    assert count("/api/admin/appointments/{id}", "200") == 2
    assert count("/api/admin/appointments/board", "503") == 1
    assert count("none", "404") == 1  # no route matched: the router's own 404, labelled "none"
    drawer = tuple(
        sorted(
            {
                "handler": "/api/admin/appointments/{id}",
                "method": "GET",
                "version": "green",
                "release": "v2.0.0",
                "le": "0.8",
            }.items()
        )
    )
    assert samples[("http_request_duration_seconds_bucket", drawer)] == 2  # latency_scale 0: fast


def test_every_threshold_in_the_shipped_plans_is_a_bucket() -> None:
    from pathlib import Path

    import yaml

    from sandbox.app_metrics import DEFAULT_BUCKETS_S

    for plan in Path(__file__).resolve().parents[2].glob("plans/*.yaml"):
        for slo in yaml.safe_load(plan.read_text())["slos"]["latency"]:
            seconds = float(str(slo["threshold"]).removesuffix("ms")) / 1000
            assert seconds in DEFAULT_BUCKETS_S, (plan.name, slo)


@pytest.mark.parametrize("api", ["statusboard", "partsdesk"])
def test_users_learn_ids_from_answers_and_send_the_apps_mix(api: str) -> None:
    app = simulated_app(api)
    assert app.users is not None
    store, rng, memory = app.new_store(), random.Random(7), {}
    sent: list[str] = []
    for _ in range(400):
        request = app.users.next(memory, rng)
        route = app.match(request.path.split("?")[0])
        assert route is not None and request.method in route.methods, request
        sent.append(route.endpoint)
        from sandbox.apps import Request

        query = request.path.partition("?")[2]
        status, content = app.answer(store, Request(route, request.body or b"", query, "stable"))
        app.users.learn(memory, request, status, json.loads(json.dumps(content)))
    endpoints = set(sent)
    expected = (
        {"board", "drawer", "stats", "move"}
        if api == "statusboard"
        else {"search", "part", "reserve"}
    )
    assert expected <= endpoints, endpoints


def test_a_move_uses_the_version_the_user_last_saw() -> None:
    users = simulated_app("statusboard").users
    assert users is not None
    memory = {"ids": [5], "versions": {5: 3}}
    users.learn(memory, UserRequest("PATCH", "/x"), 409, {"current": {"id": 5, "version": 4}})
    assert memory["versions"][5] == 4


@pytest.mark.parametrize(
    ("load", "message"),
    [
        ({"rate": 0}, "rate: requests per second"),
        ({"rate": MAX_RATE + 1}, "at most 200"),
        ({"rate": 10, "duration_s": 7200}, "duration_s"),
        ({"rate": 10, "concurrency": 0}, "concurrency"),
    ],
)
def test_the_users_load_is_bounded(load: dict[str, float], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        UserLoad(**load)  # type: ignore[arg-type]
