"""How late the simulator answers against its own deadlines: the sandbox's share of what a client measures.

Every simulated API response has a deadline (arrival + the latency drawn for it). The
lateness is when the response was handed to the socket minus that deadline; what a client
measures beyond the profile and beyond this is the client's own lag (or the kernel's).
`bench/sandbox_fidelity.py` reads it through the control API (`GET /timing`).
"""

from __future__ import annotations

import threading
from collections import deque

import numpy as np

_KEEP = 20_000  # per endpoint: the latest responses, enough for a benchmark case


class Lateness:
    def __init__(self) -> None:
        self._ms: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def record(self, key: str, late_ms: float) -> None:
        """`key` is "<backend>/<endpoint>", e.g. "staging/board"."""
        with self._lock:
            self._ms.setdefault(key, deque(maxlen=_KEEP)).append(late_ms)

    def clear(self) -> None:
        with self._lock:
            self._ms.clear()

    def summary(self) -> dict[str, dict[str, float]]:
        """key -> count, p50, p95, max and mean lateness in ms."""
        with self._lock:
            values = {key: np.array(ms) for key, ms in self._ms.items() if ms}
        return {
            key: {
                "count": int(ms.size),
                "p50": float(np.percentile(ms, 50)),
                "p95": float(np.percentile(ms, 95)),
                "max": float(ms.max()),
                "mean": float(ms.mean()),
            }
            for key, ms in values.items()
        }
