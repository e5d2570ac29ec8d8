"""The StatusBoardV2 appointment store: seeded appointments with optimistic concurrency.

One store stands for one database: staging has its own, production's stable and
canary backends share one (as two app versions share a production database).
"""

from __future__ import annotations

import random
import threading
from datetime import UTC, datetime, timedelta
from typing import Any

PLATE_LETTERS = "ABCDEFGHJKLMNPRSTUVWXYZ"  # no I, O or Q: they read as 1 and 0


def _plate(rng: random.Random) -> str:
    """A plate like 7KRT482."""
    return f"{rng.randint(1, 9)}{''.join(rng.choices(PLATE_LETTERS, k=3))}{rng.randint(100, 999)}"


COLUMNS: tuple[tuple[str, str], ...] = (
    ("scheduled", "Scheduled"),
    ("in_progress", "In progress"),
    ("ready", "Ready for pickup"),
    ("completed", "Completed"),
)
STATUSES = tuple(status for status, _ in COLUMNS)

_CUSTOMERS = [
    "Maria Lopez",
    "James Carter",
    "Aiko Tanaka",
    "Samir Haddad",
    "Olivia Brown",
    "Luis Ortega",
    "Grace Kim",
    "Noah Fischer",
    "Priya Raman",
    "Ethan Walsh",
    "Chloe Martin",
    "Diego Santos",
]
_VEHICLES = [
    "2016 Toyota Camry",
    "2019 Ford F-150",
    "2014 Honda Civic",
    "2021 Tesla Model 3",
    "2012 Chevrolet Silverado",
    "2018 Subaru Outback",
    "2020 Hyundai Tucson",
    "2015 BMW 328i",
]
_SERVICES = [
    ("Oil change", 4999),
    ("Brake pads (front)", 18900),
    ("Tire rotation", 2999),
    ("Diagnostics", 9500),
    ("Battery replacement", 16500),
    ("Coolant flush", 11900),
    ("Alignment", 8999),
    ("AC recharge", 14900),
]
_TECHNICIANS = ["Edgar", "Rosa", "Marcus", "Lena"]


_CARD_FIELDS = (
    "id",
    "customer_name",
    "vehicle",
    "technician",
    "scheduled_at",
    "status",
    "position",
    "version",
)


def _copy(appointment: dict[str, Any]) -> dict[str, Any]:
    """A snapshot of one appointment: its only mutable part is the services list (deepcopy is 10x slower)."""
    return {**appointment, "services": [dict(service) for service in appointment["services"]]}


class Conflict(Exception):
    def __init__(self, current: dict[str, Any]) -> None:
        super().__init__("version conflict")
        self.current = current


class AppointmentStore:
    def __init__(self, count: int = 24, seed: int = 7) -> None:
        self._count = count
        self._seed = seed
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        rng = random.Random(self._seed)
        start = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
        appointments: dict[int, dict[str, Any]] = {}
        positions = {status: 0 for status in STATUSES}
        for number in range(1, self._count + 1):
            status = STATUSES[rng.randrange(len(STATUSES))]
            services = rng.sample(_SERVICES, rng.randint(1, 3))
            appointments[number] = {
                "id": number,
                "customer_name": rng.choice(_CUSTOMERS),
                "customer_phone": f"+1-555-{rng.randint(100, 999)}-{rng.randint(1000, 9999)}",
                "vehicle": rng.choice(_VEHICLES),
                "license_plate": _plate(rng),
                "services": [{"name": name, "price_cents": price} for name, price in services],
                "estimate_cents": sum(price for _, price in services),
                "technician": rng.choice(_TECHNICIANS),
                "scheduled_at": (start + timedelta(minutes=30 * number)).isoformat(),
                "notes": rng.choice(
                    [
                        "",
                        "Customer waiting on site",
                        "Call before extra work",
                        "Loaner car requested",
                    ]
                ),
                "status": status,
                "position": positions[status],
                "version": 1,
                "updated_at": start.isoformat(),
            }
            positions[status] += 1
        with self._lock:
            self._appointments = appointments

    def board(self) -> dict[str, Any]:
        with self._lock:  # a card holds scalars only: copying its fields is a snapshot
            cards = [{k: a[k] for k in _CARD_FIELDS} for a in self._appointments.values()]
        columns = []
        for status, title in COLUMNS:
            column = sorted(
                (c for c in cards if c["status"] == status), key=lambda c: c["position"]
            )
            columns.append(
                {"status": status, "title": title, "count": len(column), "appointments": column}
            )
        return {"columns": columns, "total": len(cards), "generated_at": _now()}

    def get(self, appointment_id: int) -> dict[str, Any] | None:
        with self._lock:
            found = self._appointments.get(appointment_id)
            return _copy(found) if found else None

    def move(
        self, appointment_id: int, status: str, position: int, version: int
    ) -> dict[str, Any] | None:
        """Drag and drop: move a card to a column and position, if `version` is current."""
        with self._lock:
            current = self._appointments.get(appointment_id)
            if current is None:
                return None
            if current["version"] != version:
                raise Conflict(_copy(current))
            old_status = current["status"]
            others = sorted(
                (
                    a
                    for a in self._appointments.values()
                    if a["status"] == status and a["id"] != appointment_id
                ),
                key=lambda a: a["position"],
            )
            position = max(0, min(position, len(others)))
            others.insert(position, current)
            for index, item in enumerate(others):
                item["position"] = index
            current["status"] = status
            if old_status != status:  # close the gap in the old column
                rest = sorted(
                    (a for a in self._appointments.values() if a["status"] == old_status),
                    key=lambda a: a["position"],
                )
                for index, item in enumerate(rest):
                    item["position"] = index
            current["version"] += 1
            current["updated_at"] = _now()
            return _copy(current)

    def set_status(self, appointment_id: int, status: str, version: int) -> dict[str, Any] | None:
        with self._lock:
            current = self._appointments.get(appointment_id)
            if current is None:
                return None
            column_size = sum(1 for a in self._appointments.values() if a["status"] == status)
        return self.move(appointment_id, status, column_size, version)

    def stats(self) -> dict[str, Any]:
        with self._lock:
            items = list(self._appointments.values())
        by_status = {status: sum(1 for a in items if a["status"] == status) for status in STATUSES}
        return {
            "total_appointments": len(items),
            "by_status": by_status,
            "open_appointments": len(items) - by_status["completed"],
            "estimated_revenue_cents": sum(a["estimate_cents"] for a in items),
            "generated_at": _now(),
        }


def _now() -> str:
    return datetime.now(UTC).isoformat()
