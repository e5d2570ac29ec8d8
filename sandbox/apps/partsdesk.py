"""PartsDesk, a parts catalog for a warehouse counter: search the catalog, look a part up by SKU,
reserve stock for a customer and read the reservation back, all under /v2/.

Unlike StatusBoardV2 its search answers with a top-level JSON array, its ids are SKUs (text),
a reservation is created with POST (201) and refused with 409 when the stock is short, a bad
request is a 400, its health is /v2/ping, it names its build in X-Parts-Build and sends no
stable/canary header. Healthy p95s: search ~400 ms (SLO 600 ms), a part ~120 ms (SLO 250 ms).
"""

from __future__ import annotations

import json
import random
import threading
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs

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
    "ping": LatencyProfile(2, 0.3),
    "search": LatencyProfile(190, 0.45),  # p95 ~400 ms
    "part": LatencyProfile(67, 0.35),  # p95 ~120 ms
    "reserve": LatencyProfile(90, 0.35),
    "reservation": LatencyProfile(40, 0.3),
}
SEARCH_LIMIT = 25

# (SKU, name): the counter's catalog; stock and bins are drawn from the store's seed
CATALOG: tuple[tuple[str, str], ...] = (
    ("BRK-1042", "Brake pad set, ceramic (front)"),
    ("BRK-1043", "Brake pad set, semi-metallic (rear)"),
    ("BRK-1107", "Brake rotor, vented 280 mm"),
    ("BRK-1215", "Brake caliper, left front"),
    ("BRK-1330", "Brake fluid DOT 4, 1 L"),
    ("BRK-1408", "Brake hose, front"),
    ("FLT-2001", "Oil filter, spin-on"),
    ("FLT-2014", "Air filter, panel"),
    ("FLT-2020", "Cabin air filter, activated carbon"),
    ("FLT-2133", "Fuel filter, inline"),
    ("SPK-3100", "Spark plug, iridium"),
    ("SPK-3102", "Spark plug, platinum"),
    ("BLT-4410", "Serpentine belt 6PK1870"),
    ("BLT-4520", "Timing belt kit with water pump"),
    ("WPR-5022", "Wiper blade 22 in"),
    ("WPR-5018", "Wiper blade 18 in"),
    ("BAT-6060", "Battery 12 V 60 Ah"),
    ("BAT-6001", "Battery terminal set"),
    ("LMP-7007", "Headlamp bulb H7"),
    ("LMP-7021", "Brake lamp bulb P21W"),
)
_BACKORDERED = {"BLT-4520"}  # out of stock as seeded: a reservation for it is a 409


class ShortStock(Exception):
    def __init__(self, stock: int) -> None:
        super().__init__("not enough stock")
        self.stock = stock


class PartsStore:
    """The catalog's stock and the reservations made against it (one store per database)."""

    def __init__(self, seed: int = 11) -> None:
        self._seed = seed
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        rng = random.Random(self._seed)
        parts = {
            sku: {
                "sku": sku,
                "name": name,
                "stock": 0 if sku in _BACKORDERED else rng.randint(12, 80),
                "bin": {
                    "aisle": f"{'ABCD'[rng.randrange(4)]}{rng.randint(1, 9)}",
                    "shelf": rng.randint(1, 5),
                },
            }
            for sku, name in CATALOG
        }
        with self._lock:
            self._parts = parts
            self._reservations: dict[str, dict[str, Any]] = {}
            self._next = 1

    def search(self, text: str) -> list[dict[str, Any]]:
        words = text.lower().split()
        with self._lock:
            found = [
                _copy(part)
                for part in self._parts.values()
                if all(word in f"{part['sku']} {part['name']}".lower() for word in words)
            ]
        return sorted(found, key=lambda part: part["sku"])[:SEARCH_LIMIT]

    def part(self, sku: str) -> dict[str, Any] | None:
        with self._lock:
            found = self._parts.get(sku)
            return _copy(found) if found else None

    def reserve(self, sku: str, qty: int) -> dict[str, Any] | None:
        """A reservation taking `qty` from the part's stock; None for an unknown SKU, ShortStock if
        the stock is short."""
        with self._lock:
            part = self._parts.get(sku)
            if part is None:
                return None
            if qty > part["stock"]:
                raise ShortStock(part["stock"])
            part["stock"] -= qty
            reservation = {
                "id": f"RSV-{self._next:05d}",
                "sku": sku,
                "qty": qty,
                "status": "held",
                "created_at": datetime.now(UTC).isoformat(),
            }
            self._next += 1
            self._reservations[reservation["id"]] = reservation
            return {**reservation, "stock_after": part["stock"]}

    def reservation(self, reservation_id: str) -> dict[str, Any] | None:
        with self._lock:
            found = self._reservations.get(reservation_id)
            return dict(found) if found else None


def _copy(part: dict[str, Any]) -> dict[str, Any]:
    return {**part, "bin": dict(part["bin"])}


def is_api(path: str) -> bool:
    return path.startswith("/v2/")


def _key(segment: str) -> str | None:
    return segment if segment and segment.isascii() and "/" not in segment else None


def match(path: str) -> Route | None:
    if path == "/v2/ping":
        return Route("ping", READ)
    if path == "/v2/search":
        return Route("search", READ)
    if path == "/v2/reservations":
        return Route("reserve", frozenset({"POST"}))
    for prefix, endpoint in (("/v2/parts/", "part"), ("/v2/reservations/", "reservation")):
        if path.startswith(prefix) and (key := _key(path[len(prefix) :])) is not None:
            return Route(endpoint, READ, key)
    return None


def answer(store: PartsStore, request: Request) -> Answer:
    route = request.route
    if route.endpoint == "ping":
        return 200, {"ok": True}
    if route.endpoint == "search":
        text = " ".join(parse_qs(request.query).get("q", [])).strip()
        if not text:
            return _bad_request("q is required: the text to search for")
        return 200, store.search(text)
    if route.endpoint == "part":
        part = store.part(route.key)
        return (200, part) if part else (404, {"error": "unknown part", "sku": route.key})
    if route.endpoint == "reservation":
        found = store.reservation(route.key)
        return (200, found) if found else (404, {"error": "unknown reservation", "id": route.key})
    return _reserve(store, request.body)


def _reserve(store: PartsStore, body: bytes) -> Answer:
    try:
        order = json.loads(body)
    except ValueError:
        return _bad_request('the body must be JSON: {"sku": ..., "qty": ...}')
    sku = order.get("sku") if isinstance(order, dict) else None
    qty = order.get("qty") if isinstance(order, dict) else None
    if not isinstance(sku, str) or not sku:
        return _bad_request("sku: a part's SKU, such as BRK-1042")
    if not isinstance(qty, int) or isinstance(qty, bool) or qty < 1:
        return _bad_request("qty: a whole number of at least 1")
    try:
        reservation = store.reserve(sku, qty)
    except ShortStock as short:
        return 409, {
            "error": "insufficient stock",
            "sku": sku,
            "requested": qty,
            "stock": short.stock,
        }
    if reservation is None:
        return 404, {"error": "unknown part", "sku": sku}
    keep = ("id", "sku", "qty", "stock_after")
    return 201, {name: reservation[name] for name in keep}


def _bad_request(detail: str) -> Answer:
    return 400, {"error": "bad request", "detail": detail}


# PartsDesk's world: its own bucket, prefixes, DNS, load balancer, ECS services and alarm. The
# sandbox calls the two production slots stable and canary; PartsDesk calls them blue and green.
WORLD: dict[str, Any] = {
    "app": "PartsDesk",
    "api": "partsdesk",
    "frontend": "examples/partsdesk-frontend",
    "bucket": "partsdesk-sandbox",
    "staging_prefix": "stage/builds",
    "production_prefix": "live/builds",
    "initial_release": "2026.11.0",
    "staging_origins": ["site"],
    "production_origins": ["site"],  # one S3 origin: the site switches only at promotion
    "hosted_zone": "parts.sandbox.",
    "record_name": "api.parts.sandbox.",
    "stable_set_identifier": "blue",
    "canary_set_identifier": "green",
    "load_balancer_name": "partsdesk-prod",
    "listener_port": 8080,
    "stable_target_group": "partsdesk-blue",
    "canary_target_group": "partsdesk-green",
    "api_image": "partsdesk-api",
    "staging_cluster": "partsdesk-stage",
    "production_cluster": "partsdesk-live",
    "staging_service": "partsdesk-api-stage",
    "stable_service": "partsdesk-blue",
    "canary_service": "partsdesk-green",
    "alarms": ["partsdesk-errors"],
    "router": "alb",
    "approvers": ["maya", "tomas", "sandbox-approver"],
    "version_header": None,
    "release_header": "X-Parts-Build",
    "slot_names": {"stable": "blue", "canary": "green"},
}

HANDLERS: dict[str, str] = {
    "ping": "/v2/ping",
    "search": "/v2/search",
    "reserve": "/v2/reservations",
    "part": "/v2/parts/{sku}",
    "reservation": "/v2/reservations/{reservation_id}",
}
_SEARCHES = ("brake", "filter", "spark", "belt", "wiper", "battery", "bulb")


def next_user_request(memory: dict[str, Any], rng: random.Random) -> UserRequest:
    """The counter: searches, parts looked up from them, a reservation now and then, read back."""
    skus: list[str] = memory.get("skus", [])
    roll = rng.random()
    if not skus or roll < 0.45:
        return UserRequest("GET", f"/v2/search?q={rng.choice(_SEARCHES)}")
    if roll < 0.90:
        return UserRequest("GET", f"/v2/parts/{rng.choice(skus)}")
    reservations: list[str] = memory.get("reservations", [])
    if reservations and roll < 0.95:
        return UserRequest("GET", f"/v2/reservations/{rng.choice(reservations)}")
    body = json.dumps({"sku": rng.choice(skus), "qty": 1}).encode()
    return UserRequest("POST", "/v2/reservations", body)


def learn_from_answer(
    memory: dict[str, Any], request: UserRequest, status: int, content: Any
) -> None:
    if isinstance(content, list):
        found = [part["sku"] for part in content if isinstance(part, dict) and "sku" in part]
        memory["skus"] = sorted(set(memory.get("skus", [])) | set(found))
    elif status == 201 and isinstance(content, dict) and "id" in content:
        kept: list[str] = memory.setdefault("reservations", [])
        kept.append(content["id"])
        del kept[:-50]  # the counter reads back recent reservations


APP = SimulatedApp(
    name="partsdesk",
    title="PartsDesk, a warehouse counter's parts catalog",
    latency=LATENCY,
    is_api=is_api,
    match=match,
    answer=answer,
    new_store=PartsStore,
    handlers=HANDLERS,
    users=UserMix(next_user_request, learn_from_answer),
    world=WORLD,
)
