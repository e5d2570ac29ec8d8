"""The simulated apps, by name (WorldSpec.api). Simulating another app: one module here declaring
its SimulatedApp entry (routes, latency profiles, answers, store, its world's names), and one line
below. The sandbox's own registry: it shares nothing of golive's.
"""

from __future__ import annotations

from sandbox.apps import partsdesk, statusboard
from sandbox.apps.base import LatencyProfile, Request, Route, SimulatedApp, UserMix, UserRequest
from sandbox.registry import lookup, registry


def _registry(*entries: SimulatedApp) -> dict[str, SimulatedApp]:
    return registry("simulated apps", "app", entries, lambda entry: entry.name)


APPS: dict[str, SimulatedApp] = _registry(
    statusboard.APP,
    partsdesk.APP,
)


def simulated_app(name: str) -> SimulatedApp:
    """The entry for `name`; an unknown name is an error naming the known ones."""
    return lookup(APPS, name, "api: unknown app")


def all_endpoints() -> tuple[str, ...]:
    """Every app's endpoints, each once, in registry order (what a fault may name)."""
    return tuple(dict.fromkeys(e for app in APPS.values() for e in app.endpoints))


__all__ = [
    "APPS",
    "LatencyProfile",
    "Request",
    "Route",
    "SimulatedApp",
    "UserMix",
    "UserRequest",
    "all_endpoints",
    "simulated_app",
]
