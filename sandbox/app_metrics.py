"""What each simulated backend exports on its own port's `/metrics`, as an instrumented web app does.

The names and labels are those of prometheus-fastapi-instrumentator (a common FastAPI/Starlette
instrumentation), plus the slot and the release the backend runs, as a deployment's pod labels
would add them:

- `http_requests_total{handler, method, status, version, release}`: a counter per answer;
  `status` is the HTTP code ("200", "503");
- `http_request_duration_seconds{handler, method, version, release}`: a histogram of the time
  from the request's arrival to its answer leaving, in seconds.

`handler` is the route's template (`/api/admin/appointments/{id}`), "none" for a path no
route matches; `version` is the app's own name for the slot (PartsDesk's blue/green). Each
backend has its own registry, so three backends in one process are three scrape targets.
"""

from __future__ import annotations

from collections.abc import Sequence

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.exposition import CONTENT_TYPE_LATEST, generate_latest

__all__ = ["CONTENT_TYPE_LATEST", "DEFAULT_BUCKETS_S", "AppMetrics"]

# Seconds. Every latency threshold the shipped plans state is a bucket (0.25, 0.6, 0.8 s among
# them): a percentile SLO judged on counts needs the share slower than its threshold exactly.
DEFAULT_BUCKETS_S: tuple[float, ...] = (
    0.005,
    0.01,
    0.025,
    0.05,
    0.1,
    0.15,
    0.2,
    0.25,
    0.3,
    0.4,
    0.5,
    0.6,
    0.75,
    0.8,
    1.0,
    1.5,
    2.0,
    2.5,
    5.0,
    10.0,
)


class AppMetrics:
    """One backend's request counter and latency histogram, in a registry of its own."""

    def __init__(self, buckets_s: Sequence[float] = DEFAULT_BUCKETS_S) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self._requests = Counter(
            "http_requests_total",
            "HTTP requests answered, by route template, method, status, slot and release.",
            ("handler", "method", "status", "version", "release"),
            registry=self.registry,
        )
        self._duration = Histogram(
            "http_request_duration_seconds",
            "Time from a request's arrival to its answer, by route template, method, slot and release.",
            ("handler", "method", "version", "release"),
            buckets=tuple(buckets_s),
            registry=self.registry,
        )

    def observe(
        self, handler: str, method: str, status: int, version: str, release: str, seconds: float
    ) -> None:
        self._requests.labels(handler, method, str(status), version, release).inc()
        self._duration.labels(handler, method, version, release).observe(seconds)

    def exposition(self) -> bytes:
        """The text format Prometheus scrapes."""
        return generate_latest(self.registry)
