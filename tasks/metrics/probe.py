"""The SLO probe: synthetic traffic against the plan's latency-SLO endpoints, one sample per request.

It measures what users get through the front door (the router splits the probe's
requests like anyone else's), and every response says which version served it, so
one probe yields samples for stable and canary alike. The load is bounded twice:
`requests` in total, at most `concurrency` in flight.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import random
import time
from dataclasses import dataclass, field

import httpx
import pandas as pd

from blocks.plan import LaunchPlan
from tasks.id_source import ID_PLACEHOLDER, IdPool
from tasks.metrics import samples_frame

__all__ = ["FALLBACK_TARGET", "Probe", "probe", "probe_async"]

# With no latency SLOs there is still an error rate to measure: probe the health path.
FALLBACK_TARGET = ("health", "/health")
UNKNOWN = "unknown"
DEFAULT_TIMEOUT_S = 10.0


@dataclass
class Probe:
    """A MetricsSource: `collect()` runs one probe of `base_url` as the plan says."""

    base_url: str
    plan: LaunchPlan
    requests: int | None = None
    concurrency: int | None = None
    timeout: float = DEFAULT_TIMEOUT_S
    auth: httpx.Auth | None = field(default=None, repr=False)
    rng: random.Random | None = field(default=None, repr=False)

    def collect(self) -> pd.DataFrame:
        return probe(self.base_url, self.plan, requests=self.requests, concurrency=self.concurrency,
                     timeout=self.timeout, auth=self.auth, rng=self.rng)


def probe(base_url: str, plan: LaunchPlan, *, requests: int | None = None, concurrency: int | None = None,
          version_header: str | None = None, release_header: str | None = None,
          timeout: float = DEFAULT_TIMEOUT_S, auth: httpx.Auth | None = None,
          rng: random.Random | None = None) -> pd.DataFrame:
    """Blocking probe for Prefect tasks and scripts; also safe to call from inside a running event loop."""
    def run() -> pd.DataFrame:
        return asyncio.run(probe_async(
            base_url, plan, requests=requests, concurrency=concurrency, version_header=version_header,
            release_header=release_header, timeout=timeout, auth=auth, rng=rng))

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return run()
    # asyncio.run refuses to nest: give the probe its own loop on a worker thread.
    with concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="golive-probe") as pool:
        return pool.submit(run).result()


async def probe_async(base_url: str, plan: LaunchPlan, *, requests: int | None = None,
                      concurrency: int | None = None, version_header: str | None = None,
                      release_header: str | None = None, timeout: float = DEFAULT_TIMEOUT_S,
                      auth: httpx.Auth | None = None, rng: random.Random | None = None) -> pd.DataFrame:
    """Send `requests` requests round-robin over the SLO endpoints; IdSourceError if {id} has no ids."""
    total = plan.probe.requests_per_evaluation if requests is None else requests
    workers = max(1, min(plan.probe.concurrency if concurrency is None else concurrency, total))
    version_header = version_header or plan.version_header
    release_header = release_header or plan.release_header
    rng = rng or random.Random()
    targets = [(slo.name, slo.path) for slo in plan.slos.latency] or [FALLBACK_TARGET]
    base_url = base_url.rstrip("/")

    limits = httpx.Limits(max_connections=workers, max_keepalive_connections=workers)
    async with httpx.AsyncClient(timeout=httpx.Timeout(timeout), limits=limits, follow_redirects=False,
                                 headers={"User-Agent": "golive-probe"}) as client:
        ids: IdPool | None = None
        if any(ID_PLACEHOLDER in path for _, path in targets):
            if plan.probe.id_source is None:  # plan validation prevents this; fail loudly if bypassed
                raise ValueError("an SLO path uses {id} but the plan has no probe.id_source")
            ids = IdPool(plan.probe.id_source, rng)
            await ids.aload(client, base_url, auth)

        rows: list[dict[str, object]] = []
        counter = iter(range(total))

        async def worker() -> None:
            # Workers pull request numbers from a shared iterator: bounded concurrency without
            # creating `total` tasks up front. Request i goes to target i mod len(targets).
            for index in counter:
                name, path = targets[index % len(targets)]
                path = ids.fill(path) if ids is not None else path
                rows.append(await _one(client, base_url, name, path, auth, version_header, release_header))

        await asyncio.gather(*(worker() for _ in range(workers)))
    rows.sort(key=lambda row: row["ts"])  # type: ignore[arg-type,return-value]
    return samples_frame(rows)


async def _one(client: httpx.AsyncClient, base_url: str, slo: str, path: str, auth: httpx.Auth | None,
               version_header: str, release_header: str) -> dict[str, object]:
    ts = time.time()
    started = time.perf_counter()
    try:
        response = await client.get(base_url + path, auth=auth)
    except httpx.HTTPError:
        # No response is an error sample, not a missing one: a dead backend must raise the error rate.
        return {"ts": ts, "slo": slo, "path": path, "status": 0, "latency_ms": _ms_since(started),
                "error": True, "version": UNKNOWN, "release": UNKNOWN}
    return {"ts": ts, "slo": slo, "path": path, "status": response.status_code,
            "latency_ms": _ms_since(started), "error": response.status_code >= 500,
            "version": response.headers.get(version_header) or UNKNOWN,
            "release": response.headers.get(release_header) or UNKNOWN}


def _ms_since(started: float) -> float:
    return (time.perf_counter() - started) * 1000
