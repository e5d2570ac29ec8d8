"""Fault injection for the simulated backends: added latency, error rate, down, dropped headers.

One FaultBook is shared by the backends, the edges and the control API of a sandbox
process, so `golive sandbox fault` takes effect on the next request.
"""

from __future__ import annotations

import threading
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from sandbox.apps import all_endpoints

Target = Literal["staging", "stable", "canary"]
TARGETS: tuple[str, ...] = ("staging", "stable", "canary")
ENDPOINTS: tuple[str, ...] = all_endpoints()  # every simulated app's (sandbox/apps/)


class Fault(BaseModel):
    target: Target
    endpoint: str | None = Field(
        default=None, description="one of ENDPOINTS; None = every endpoint"
    )
    latency_ms: float = Field(default=0.0, ge=0, le=60_000)
    error_rate: float = Field(default=0.0, ge=0, le=1)
    down: bool = False
    drop_headers: list[str] = Field(default_factory=list)

    @field_validator("endpoint")
    @classmethod
    def _known_endpoint(cls, value: str | None) -> str | None:
        if value is not None and value not in ENDPOINTS:
            raise ValueError(f"unknown endpoint {value!r}: expected one of {', '.join(ENDPOINTS)}")
        return value


class Effect(BaseModel):
    """The combined faults that apply to one request."""

    model_config = ConfigDict(frozen=True)

    latency_ms: float = 0.0
    error_rate: float = 0.0
    down: bool = False
    drop_headers: frozenset[str] = frozenset()


NO_EFFECT = Effect()  # the common case, made once


class FaultBook:
    def __init__(self) -> None:
        self._faults: dict[tuple[str, str | None], Fault] = {}
        self._lock = threading.Lock()

    def set(self, fault: Fault) -> None:
        with self._lock:
            self._faults[(fault.target, fault.endpoint)] = fault

    def clear(self, target: str | None = None) -> None:
        with self._lock:
            if target is None:
                self._faults.clear()
            else:
                self._faults = {k: v for k, v in self._faults.items() if k[0] != target}

    def list(self) -> list[Fault]:
        with self._lock:
            return list(self._faults.values())

    def effect(self, target: str, endpoint: str | None) -> Effect:
        with self._lock:
            found = [
                f
                for key, f in self._faults.items()
                if key[0] == target and (key[1] is None or key[1] == endpoint)
            ]
        if not found:
            return NO_EFFECT
        return Effect(
            latency_ms=sum(f.latency_ms for f in found),
            error_rate=max(f.error_rate for f in found),
            down=any(f.down for f in found),
            drop_headers=frozenset(h.lower() for f in found for h in f.drop_headers),
        )
