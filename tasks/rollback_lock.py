"""One rollback of a production at a time: a Prefect global concurrency limit of 1.

Two rollbacks of the same launch arrive by design (the launch's state hook and the
server's automation both fire). Whoever gets the slot first acts; the other waits,
then finds production already rolled back and records a no-op. The slot is a lease:
if a rollback is SIGKILLed while holding it, the server frees it after the lease.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
from prefect.client.orchestration import get_client
from prefect.concurrency.sync import concurrency

LEASE_SECONDS = 60  # renewed while the holder lives; frees a dead holder's slot within a minute


def lock_name(app: str, distribution_id: str, purpose: str = "rollback") -> str:
    """`golive-<purpose>-<app>-<distribution>`: one limit per production and purpose."""
    return f"golive-{purpose}-" + re.sub(
        r"[^a-z0-9]+", "-", f"{app}-{distribution_id}".lower()
    ).strip("-")


def ensure_limit(name: str) -> None:
    """Create the limit if missing; a concurrent creator winning the race is fine."""
    with get_client(sync_client=True) as client:
        try:
            client.upsert_global_concurrency_limit_by_name(name, limit=1)
        except httpx.HTTPStatusError as error:
            if error.response.status_code != 409:
                raise


@contextmanager
def production_rollback_lock(name: str, timeout_s: float = 300) -> Iterator[None]:
    ensure_limit(name)
    with concurrency(
        name, occupy=1, timeout_seconds=timeout_s, strict=True, lease_duration=LEASE_SECONDS
    ):
        yield
