"""Benchmark: what the sandbox edge adds over a direct backend call, and its throughput.

Latency: sequential requests to /health and the drawer, via the production edge and
straight to the stable backend; the overhead is the difference of medians (and p95s). The
edge dispatches to the backend in-process and the simulated latency counts from the
request's arrival at either door, so the overhead should be about nil.
Throughput: a bounded burst through the edge at a fixed concurrency, sent with aiohttp
(httpx's connection pool scans every connection per request: at 200 connections the
client, not the edge, would be what is measured), and how late the sandbox's answers left.

Usage: uv run python bench/edge_overhead.py [--requests 300]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path

import aiohttp
import httpx

from sandbox import manager


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def timed(http: httpx.Client, url: str, n: int) -> list[float]:
    out = []
    for _ in range(n):
        start = time.perf_counter()
        http.get(url).raise_for_status()
        out.append((time.perf_counter() - start) * 1000)
    return out


async def burst(url: str, n: int, concurrency: int) -> tuple[float, int]:
    semaphore = asyncio.Semaphore(concurrency)
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(
        connector=connector, timeout=aiohttp.ClientTimeout(total=30)
    ) as http:

        async def one() -> int:
            async with semaphore, http.get(url) as response:
                await response.read()
                return response.status

        start = time.perf_counter()
        codes = await asyncio.gather(*(one() for _ in range(n)))
        return n / (time.perf_counter() - start), sum(code != 200 for code in codes)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=300)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        sandbox = manager.up(Path(tmp))
        try:
            edge, backend = sandbox.urls["production_edge"], sandbox.urls["stable_backend"]
            with httpx.Client(timeout=30) as http:
                for path in ("/health", "/api/admin/appointments/3"):
                    timed(http, edge + path, 20)  # warm up
                    via_edge = timed(http, edge + path, args.requests)
                    direct = timed(http, backend + path, args.requests)
                    print(
                        f"{path:32s} direct median {statistics.median(direct):6.1f} ms  "
                        f"edge median {statistics.median(via_edge):6.1f} ms  "
                        f"overhead median {statistics.median(via_edge) - statistics.median(direct):5.1f} ms  "
                        f"p95 {percentile(via_edge, 0.95) - percentile(direct, 0.95):5.1f} ms"
                    )
            for concurrency in (50, 200):
                sandbox.clear_lateness()
                rate, errors = asyncio.run(burst(edge + "/health", 1000, concurrency))
                late = sandbox.lateness().get("stable/health", {})
                print(
                    f"edge throughput /health, concurrency {concurrency:3d}: {rate:6.0f} req/s, {errors} errors; "
                    f"sandbox late p50 {late.get('p50', 0):.1f} ms, p95 {late.get('p95', 0):.1f} ms"
                )
        finally:
            manager.down(Path(tmp))


if __name__ == "__main__":
    main()
