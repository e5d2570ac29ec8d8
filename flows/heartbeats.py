"""Heartbeats from the launch's own flow run only, not from each gate's subflow.

Prefect gives every flow run, subflows too, a heartbeat thread that sleeps in 1 s steps, and a
flow run that ends joins it: about half a second per subflow (a rehearsal launch has 24), on
the launch's critical path. Only the launch's heartbeats are watched (the heartbeat automation
matches flow `golive`); a subflow runs in the launch's process, so the launch's beats already
say whether that process lives. The launch's own heartbeat thread was started with the
launch's settings and keeps them; subflows started inside `subflows_without_heartbeats()`
send none.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings


@contextmanager
def subflows_without_heartbeats() -> Iterator[None]:
    with temporary_settings(updates={PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}):
        yield
