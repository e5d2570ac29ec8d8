"""PartsDesk, the sandbox's second simulated app, without a server: its /v2/ routes, a search
answered with a top-level array, 404s and 409s as JSON, and headers naming the slot's build only."""

from __future__ import annotations

import asyncio
import json
import random
import time

import pytest

from sandbox.apps import APPS, all_endpoints, simulated_app
from sandbox.apps.partsdesk import LATENCY, PartsStore, match
from sandbox.backend import ApiResponse, Backend
from sandbox.faults import Fault, FaultBook
from sandbox.spec import WorldSpec

SPEC = WorldSpec.for_app("partsdesk")


def backend(faults: FaultBook | None = None, store: PartsStore | None = None) -> Backend:
    # latency_scale 0: answers at once
    return Backend(
        "canary",
        store or PartsStore(),
        faults or FaultBook(),
        SPEC.version_header,
        SPEC.release_header,
        release=lambda: "2026.11.1",
        latency_scale=0,
        rng=random.Random(3),
        app="partsdesk",
    )


def call(api: Backend, method: str, path: str, body: object = None, query: str = "") -> ApiResponse:
    raw = b"" if body is None else json.dumps(body).encode()
    return asyncio.run(api.handle(method, path, raw, time.monotonic(), query))


def content(answer: ApiResponse) -> object:
    return json.loads(answer.body)


@pytest.mark.parametrize(
    ("path", "endpoint", "key"),
    [
        ("/v2/ping", "ping", None),
        ("/v2/search", "search", None),
        ("/v2/parts/BRK-1042", "part", "BRK-1042"),
        ("/v2/reservations", "reserve", None),
        ("/v2/reservations/RSV-00001", "reservation", "RSV-00001"),
    ],
)
def test_each_route_names_its_endpoint(path: str, endpoint: str, key: str | None) -> None:
    route = match(path)
    assert route is not None and (route.endpoint, route.key) == (endpoint, key)


@pytest.mark.parametrize(
    "path",
    ["/", "/health", "/v2/", "/v2/parts/", "/v2/parts/BRK-1042/x", "/api/admin/appointments/board"],
)
def test_other_paths_are_not_found(path: str) -> None:
    answer = call(backend(), "GET", path)
    assert (answer.status, answer.version) == (404, None)


def test_ping_and_the_headers_name_the_build_and_no_slot() -> None:
    answer = call(backend(), "GET", "/v2/ping")
    assert (answer.status, content(answer)) == (200, {"ok": True})
    headers = dict(answer.headers(None, b"x-parts-build"))
    assert headers[b"x-parts-build"] == b"2026.11.1"
    assert headers[b"content-type"] == b"application/json"
    assert not any(b"version" in name for name in headers)  # no stable/canary header at all
    assert backend().version_header is None


def test_search_is_a_top_level_array_of_parts() -> None:
    found = content(call(backend(), "GET", "/v2/search", query="q=brake"))
    assert isinstance(found, list) and len(found) >= 6
    assert all("brake" in part["name"].lower() for part in found)
    first = found[0]
    assert set(first) == {"sku", "name", "stock", "bin"} and set(first["bin"]) == {"aisle", "shelf"}
    assert [part["sku"] for part in found] == sorted(part["sku"] for part in found)
    assert content(call(backend(), "GET", "/v2/search", query="q=BRK-1042"))[0]["sku"] == "BRK-1042"
    assert (
        content(call(backend(), "GET", "/v2/search", query="q=brake+pad+rear"))[0]["sku"]
        == "BRK-1043"
    )
    assert content(call(backend(), "GET", "/v2/search", query="q=flux%20capacitor")) == []
    missing = call(backend(), "GET", "/v2/search")
    assert missing.status == 400 and content(missing)["error"] == "bad request"


def test_a_part_by_sku_and_an_unknown_sku_is_a_json_404() -> None:
    part = call(backend(), "GET", "/v2/parts/BRK-1042")
    assert part.status == 200 and content(part)["sku"] == "BRK-1042"
    missing = call(backend(), "GET", "/v2/parts/XXX-0000")
    assert (missing.status, content(missing)) == (404, {"error": "unknown part", "sku": "XXX-0000"})
    assert missing.content_type == b"application/json"


def test_a_reservation_takes_stock_and_reads_back() -> None:
    api = backend()
    stock = content(call(api, "GET", "/v2/parts/FLT-2001"))["stock"]
    made = call(api, "POST", "/v2/reservations", {"sku": "FLT-2001", "qty": 2})
    reservation = content(made)
    assert made.status == 201
    assert reservation == {
        "id": reservation["id"],
        "sku": "FLT-2001",
        "qty": 2,
        "stock_after": stock - 2,
    }
    assert content(call(api, "GET", "/v2/parts/FLT-2001"))["stock"] == stock - 2
    read = call(api, "GET", f"/v2/reservations/{reservation['id']}")
    assert read.status == 200 and content(read)["sku"] == "FLT-2001" and content(read)["qty"] == 2
    unknown = call(api, "GET", "/v2/reservations/RSV-99999")
    assert unknown.status == 404 and content(unknown)["error"] == "unknown reservation"
    assert call(api, "GET", "/v2/reservations").allow == "POST"


def test_more_than_the_stock_is_a_409_and_takes_nothing() -> None:
    api = backend()
    stock = content(call(api, "GET", "/v2/parts/BRK-1042"))["stock"]
    refused = call(api, "POST", "/v2/reservations", {"sku": "BRK-1042", "qty": stock + 1})
    assert refused.status == 409
    assert content(refused) == {
        "error": "insufficient stock",
        "sku": "BRK-1042",
        "requested": stock + 1,
        "stock": stock,
    }
    assert content(call(api, "GET", "/v2/parts/BRK-1042"))["stock"] == stock
    backordered = call(api, "POST", "/v2/reservations", {"sku": "BLT-4520", "qty": 1})
    assert backordered.status == 409 and content(backordered)["stock"] == 0


@pytest.mark.parametrize(
    "body",
    [
        {"sku": "BRK-1042"},
        {"sku": "BRK-1042", "qty": 0},
        {"sku": "BRK-1042", "qty": True},
        {"qty": 1},
        [1],
    ],
)
def test_a_bad_reservation_is_a_400(body: object) -> None:
    assert call(backend(), "POST", "/v2/reservations", body).status == 400
    assert call(backend(), "POST", "/v2/reservations").status == 400  # no JSON at all
    unknown = call(backend(), "POST", "/v2/reservations", {"sku": "NOPE-1", "qty": 1})
    assert unknown.status == 404


def test_stable_and_canary_share_one_store_and_reset_restores_it() -> None:
    store = PartsStore()
    stable, canary = backend(store=store), backend(store=store)
    made = content(call(stable, "POST", "/v2/reservations", {"sku": "SPK-3100", "qty": 1}))
    assert call(canary, "GET", f"/v2/reservations/{made['id']}").status == 200
    store.reset()
    assert call(canary, "GET", f"/v2/reservations/{made['id']}").status == 404
    assert PartsStore().search("spark") == store.search("spark")  # seeded: the same every time


def test_faults_name_partsdesk_endpoints() -> None:
    faults = FaultBook()
    faults.set(Fault(target="canary", endpoint="search", down=True))
    api = backend(faults)
    assert call(api, "GET", "/v2/search", query="q=brake").status == 503
    assert call(api, "GET", "/v2/parts/BRK-1042").status == 200
    assert {"search", "part", "reserve", "board", "drawer"} <= set(all_endpoints())


def test_latency_profiles_search_heavier_than_a_part() -> None:
    assert 350 < LATENCY["search"].p95() < 450
    assert 100 < LATENCY["part"].p95() < 140


def test_the_registry_and_the_world() -> None:
    assert set(APPS) == {"statusboard", "partsdesk"}
    with pytest.raises(ValueError, match="unknown app 'nope'"):
        simulated_app("nope")
    with pytest.raises(ValueError, match="unknown app"):
        WorldSpec(api="nope")
    assert WorldSpec().api == "statusboard" and WorldSpec().version_header == "X-Golive-Version"
    assert (SPEC.app, SPEC.bucket, SPEC.version_header, SPEC.release_header) == (
        "PartsDesk",
        "partsdesk-sandbox",
        None,
        "X-Parts-Build",
    )
    assert SPEC.production_origins == ["site"] and SPEC.router == "alb"
    assert (SPEC.stable_set_identifier, SPEC.canary_set_identifier) == ("blue", "green")
    assert WorldSpec.for_app("partsdesk", router="route53").router == "route53"
    with pytest.raises(ValueError, match="each origin id once"):
        WorldSpec(production_origins=["site", "site"])
