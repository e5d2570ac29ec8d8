"""What one traffic router declares: the single entry its module exports as `ROUTER`.

Everything golive needs to know about a router kind lives in that one entry, so the
registry (`tasks/traffic/registry.py`) lists entries and nothing else names a router:
the plan check validates the router's section with `settings`, the permission probe
reads `actions` and calls `probe_read`, `golive plan check` prints `describe`, and
`router_for` calls `build`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from pydantic import BaseModel

from tasks.traffic import TrafficRouter

__all__ = ["RouterPlugin"]

S = TypeVar("S", bound=BaseModel)


@dataclass(frozen=True)
class RouterPlugin(Generic[S]):
    kind: str  # the plan's `router.kind`, and the name of the router's section beside it
    settings: type[S]  # validates that section (`router.<kind>: {...}`)
    service: str  # the boto3 client the router drives ("route53", "elbv2")
    actions: tuple[
        str, ...
    ]  # the IAM actions a launch needs for it (simulated by the permission probe)
    # One harmless read of the plan's own resources, for when IAM simulation is unavailable:
    # raises (ClientError, BotoCoreError or LookupError) if golive cannot reach and read them.
    probe_read: Callable[[Any, S], None]
    describe: Callable[[S], str]  # one line for `golive plan check`, without the kind
    build: Callable[[S, Any], TrafficRouter]  # (settings, boto3 client) -> the router
