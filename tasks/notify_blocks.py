"""Resolve the plan's notification targets to Prefect notification blocks (of the type its
notifier, tasks/notify_registry.py, declares for the kind)."""

from __future__ import annotations

import threading
import time

from prefect.blocks.notifications import NotificationBlock

from blocks.plan import Notification
from tasks.notify_registry import notifier_for

# A launch sends a dozen messages; each load is three API round trips. A block edited in the UI
# (a rotated webhook URL) is picked up within this many seconds.
BLOCK_TTL_S = 60.0
_loaded: dict[tuple[str, str], tuple[float, NotificationBlock]] = {}
_loaded_lock = threading.Lock()


def load_notification_block(notification: Notification) -> NotificationBlock:
    """Load the block (kept for BLOCK_TTL_S); errors name the block but never its secret fields."""
    key = (notification.kind, notification.block)
    with _loaded_lock:
        cached = _loaded.get(key)
    if cached is not None and time.monotonic() - cached[0] < BLOCK_TTL_S:
        return cached[1]
    block = _load(notification)
    with _loaded_lock:
        _loaded[key] = (time.monotonic(), block)
    return block


def forget_loaded_blocks() -> None:
    """Load every block afresh next time (a test that re-creates blocks under the same names)."""
    with _loaded_lock:
        _loaded.clear()


def _load(notification: Notification) -> NotificationBlock:
    block_type = notifier_for(notification).block_type()
    try:
        return block_type.load(notification.block)
    except ValueError as error:
        raise LookupError(
            f"notification {notification.name!r}: no {block_type.__name__} block named "
            f"{notification.block!r} on the Prefect server (create it in the UI: Blocks)"
        ) from error
