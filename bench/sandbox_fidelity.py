"""Benchmark: does the sandbox hold its configured latency profile under the probe's load?

For every case — probe concurrency x noisy neighbour (one core kept busy) on/off — it runs
golive's own probe (`tasks.metrics.probe.probe`, `plans/sandbox.yaml`, 250 requests per probe,
repeated until `--requests`) against the staging API of a fresh sandbox, with the local stack
up beside it (a Prefect server and both workers, idle, as during `make demo`), and prints the
configured p50/p95/mean of each endpoint (`sandbox.apps.statusboard.LATENCY`) beside the measured ones
and whether each is within `--tolerance`.

`--client` tells the client's own overhead from the sandbox's: `aiohttp` sends the same
requests (same round-robin, same ids, same bounds) with aiohttp; `httpx-per-worker` with
httpx, one client of one connection per worker (httpcore's pool scans every connection
on every request: at 64 connections that scan is most of the probe's CPU).

Sampling noise: a p95 of 1000 log-normal (sigma 0.38) samples is within about +-2.5 % (one
standard error) of the true p95; at 125 samples (one probe's share) it is +-7 %.

Usage: uv run python bench/sandbox_fidelity.py [--requests 2000] [--concurrency 8 16 32 64]
       [--hog off on] [--stack full|server|none] [--client probe|aiohttp|httpx-per-worker]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import ssl
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import httpx
import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from blocks.plan import LaunchPlan, load_plan  # noqa: E402
from golive.local import local_stack, prefect_server  # noqa: E402
from sandbox import manager  # noqa: E402
from sandbox.apps.statusboard import LATENCY  # noqa: E402
from tasks.id_source import IdPool  # noqa: E402
from tasks.metrics import samples_frame  # noqa: E402
from tasks.metrics.probe import probe  # noqa: E402

STACK_GROUPS: list[int] = []  # process groups of the Prefect server and workers beside the sandbox
PROBE_REQUESTS = 250  # the sandbox plan's requests_per_evaluation: one probe as Gate A sends it
STATS = ("p50", "p95", "mean")


@dataclass(frozen=True)
class Share:
    """Where a case's mean excess over the profile came from."""

    case: str
    endpoint: str
    excess_ms: float  # measured mean - configured mean
    sandbox_late: dict[str, float]  # the simulator's own lateness against its deadlines (ms)


@dataclass(frozen=True)
class Row:
    case: str
    endpoint: str
    stat: str
    configured: float
    measured: float
    samples: int

    @property
    def deviation(self) -> float:
        return self.measured / self.configured - 1


def configured(endpoint: str, stat: str) -> float:
    profile = LATENCY[endpoint]
    return {"p50": profile.median_ms, "p95": profile.p95(), "mean": profile.mean()}[stat]


def measured(latencies: np.ndarray, stat: str) -> float:
    if stat == "mean":
        return float(np.mean(latencies))
    return float(
        np.percentile(latencies, {"p50": 50, "p95": 95}[stat])
    )  # as golive/judge.py computes it


@contextlib.contextmanager
def noisy_neighbour(on: bool) -> Iterator[None]:
    """One process spinning on one core, like `python3 -c 'while True: pass' &`."""
    if not on:
        yield
        return
    hog = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        time.sleep(1)  # let the scheduler settle it on a core
        yield
    finally:
        hog.kill()
        hog.wait()


@contextlib.contextmanager
def local_stack_up(home: Path, stack: str) -> Iterator[manager.Sandbox]:
    """The sandbox, and (stack != none) a Prefect server and (full) both workers, idle."""
    sandbox = manager.up(home / "sandbox")
    server = None
    try:
        if stack != "none":
            server = prefect_server.start(home / "prefect", ui=True)
            STACK_GROUPS.append(server.pid)
            if stack == "full":
                workers = local_stack.start_workers(
                    local_stack.Stack(home, server, sandbox), prefix="fidelity"
                )
                STACK_GROUPS.extend(workers.values())
            time.sleep(10)  # past the server's and workers' start-up burst: measure the idle stack
        yield sandbox
    finally:
        local_stack.stop_worker(home)
        if server is not None:
            prefect_server.stop(server)
        manager.down(home / "sandbox")


def golive_probe(url: str, plan: LaunchPlan, concurrency: int) -> pd.DataFrame:
    return probe(url, plan, requests=PROBE_REQUESTS, concurrency=concurrency)


Get = Callable[[str], Awaitable[int]]  # GET a URL, read the body, return the status


def other_client_probe(url: str, plan: LaunchPlan, concurrency: int, client: str) -> pd.DataFrame:
    """The probe's request pattern (round-robin, ids, bounds, timing) with another client."""
    targets = [(slo.name, slo.path) for slo in plan.slos.latency]
    assert plan.probe.id_source is not None
    ids = IdPool(plan.probe.id_source)
    with httpx.Client() as sync_client:
        ids.load(sync_client, url)

    async def run() -> list[dict[str, object]]:
        rows: list[dict[str, object]] = []
        counter = iter(range(PROBE_REQUESTS))

        async def worker(get: Get) -> None:
            for index in counter:
                name, path = targets[index % len(targets)]
                ts, started = time.time(), time.perf_counter()
                status = await get(url + ids.fill(path))
                rows.append(
                    {
                        "ts": ts,
                        "slo": name,
                        "path": path,
                        "status": status,
                        "latency_ms": (time.perf_counter() - started) * 1000,
                        "error": status >= 500,
                        "version": "",
                        "release": "",
                    }
                )

        async with contextlib.AsyncExitStack() as stack:
            if client == "aiohttp":
                session = await stack.enter_async_context(
                    aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=concurrency))
                )

                async def get(target: str) -> int:
                    async with session.get(target) as response:
                        await response.read()
                        return response.status

                getters = [get] * concurrency
            else:  # httpx-per-worker
                one = httpx.Limits(max_connections=1, max_keepalive_connections=1)
                tls = (
                    ssl.create_default_context()
                )  # made once: loading the CA bundle per client costs ~20 ms
                clients = [
                    await stack.enter_async_context(
                        httpx.AsyncClient(limits=one, timeout=10, verify=tls)
                    )
                    for _ in range(concurrency)
                ]
                getters = [_httpx_get(c) for c in clients]
            await asyncio.gather(*(worker(get) for get in getters))
        return rows

    return samples_frame(asyncio.run(run()))


def _httpx_get(client: httpx.AsyncClient) -> Get:
    async def get(target: str) -> int:
        return (await client.get(target)).status_code

    return get


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux /proc; 0 once it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def group_cpu_seconds(pgid: int) -> float:
    """CPU time of every live process in a process group (the Prefect server and workers run in their own)."""
    total = 0.0
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[2]) == pgid:
                total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def measure_case(
    case: str,
    url: str,
    plan: LaunchPlan,
    concurrency: int,
    total: int,
    client: str,
    sandbox: manager.Sandbox,
) -> tuple[list[Row], list[Share]]:
    def send(url: str, plan: LaunchPlan, concurrency: int) -> pd.DataFrame:
        if client == "probe":
            return golive_probe(url, plan, concurrency)
        return other_client_probe(url, plan, concurrency, client)

    send(url, plan, concurrency)  # warm-up probe, not counted
    sandbox.clear_lateness()
    clocks = {
        "sandbox": lambda: cpu_seconds(sandbox.state["pid"]),
        "moto": lambda: cpu_seconds(sandbox.state["moto_pid"]),
        "client": lambda: cpu_seconds(os.getpid()),
        "prefect stack": lambda: sum(group_cpu_seconds(pgid) for pgid in STACK_GROUPS),
    }
    cpu_before, wall_before = {name: clock() for name, clock in clocks.items()}, time.perf_counter()
    frames = [send(url, plan, concurrency) for _ in range(max(1, total // PROBE_REQUESTS))]
    wall = time.perf_counter() - wall_before
    samples = pd.concat(frames, ignore_index=True)
    cpu = {
        name: (clock() - cpu_before[name]) * 1000 / len(samples) for name, clock in clocks.items()
    }
    print(
        f"  {case}: CPU ms per request "
        + ", ".join(f"{name} {ms:.2f}" for name, ms in cpu.items())
        + f"; {len(samples) / wall:.0f} req/s; load average {os.getloadavg()[0]:.2f}",
        flush=True,
    )
    errors = int(samples["error"].sum())
    if errors:
        print(f"  {case}: {errors} error samples (left out of the latency stats)", flush=True)
    late = sandbox.lateness()
    rows, shares = [], []
    for slo in plan.slos.latency:
        latencies = samples[(samples["slo"] == slo.name) & ~samples["error"]][
            "latency_ms"
        ].to_numpy()
        rows += [
            Row(
                case,
                slo.name,
                stat,
                configured(slo.name, stat),
                measured(latencies, stat),
                len(latencies),
            )
            for stat in STATS
        ]
        excess = measured(latencies, "mean") - configured(slo.name, "mean")
        shares.append(Share(case, slo.name, excess, late.get(f"staging/{slo.name}", {})))
    return rows, shares


def print_table(rows: list[Row], tolerance: float) -> None:
    print(
        f"\n| case | endpoint | stat | configured ms | measured ms | deviation | within {tolerance:.0%} |"
    )
    print("|---|---|---|---|---|---|---|")
    for row in rows:
        ok = "yes" if abs(row.deviation) <= tolerance else "**no**"
        print(
            f"| {row.case} | {row.endpoint} | {row.stat} | {row.configured:.0f} | {row.measured:.0f} | "
            f"{row.deviation:+.1%} | {ok} |"
        )
    failing = [r for r in rows if abs(r.deviation) > tolerance]
    worst = max(rows, key=lambda r: abs(r.deviation))
    print(
        f"\n{len(rows) - len(failing)} of {len(rows)} within {tolerance:.0%}; worst: {worst.case} {worst.endpoint} "
        f"{worst.stat} {worst.deviation:+.1%} ({worst.samples} samples per endpoint)"
    )


def print_shares(shares: list[Share]) -> None:
    """The mean excess split: the simulator's lateness against its deadlines (reported by the sandbox)
    and the rest — the client's own lag, the loopback and the scheduler."""
    print(
        "\n| case | endpoint | measured - configured mean | sandbox late mean / p95 / max | rest (client, kernel) |"
    )
    print("|---|---|---|---|---|")
    for share in shares:
        late = share.sandbox_late
        mean, p95, most = (
            late.get("mean", float("nan")),
            late.get("p95", float("nan")),
            late.get("max", float("nan")),
        )
        print(
            f"| {share.case} | {share.endpoint} | {share.excess_ms:+.1f} ms | {mean:.1f} / {p95:.1f} / {most:.1f} ms "
            f"| {share.excess_ms - mean:+.1f} ms |"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--requests", type=int, default=2000, help="requests per case (in probes of 250)"
    )
    parser.add_argument("--concurrency", type=int, nargs="+", default=[8, 16, 32, 64])
    parser.add_argument("--hog", choices=["off", "on"], nargs="+", default=["off", "on"])
    parser.add_argument("--stack", choices=["full", "server", "none"], default="full")
    parser.add_argument(
        "--client", choices=["probe", "aiohttp", "httpx-per-worker"], default="probe"
    )
    parser.add_argument("--tolerance", type=float, default=0.10)
    args = parser.parse_args()
    rows: list[Row] = []
    shares: list[Share] = []
    with tempfile.TemporaryDirectory() as tmp, local_stack_up(Path(tmp), args.stack) as sandbox:
        plan = load_plan(REPO / "plans" / "sandbox.yaml", env=sandbox.environment())
        url = plan.environments.staging.api_base_url
        for hog in args.hog:
            with noisy_neighbour(hog == "on"):
                for concurrency in args.concurrency:
                    case = f"conc {concurrency}, hog {hog}"
                    started = time.perf_counter()
                    case_rows, case_shares = measure_case(
                        case, url, plan, concurrency, args.requests, args.client, sandbox
                    )
                    rows += case_rows
                    shares += case_shares
                    summary = "  ".join(
                        f"{r.endpoint} {r.stat} {r.measured:.0f}/{r.configured:.0f}"
                        for r in case_rows
                    )
                    print(f"{case}: {summary}  ({time.perf_counter() - started:.0f} s)", flush=True)
    print(f"\nstack: {args.stack}; client: {args.client}; {args.requests} requests per case")
    print_table(rows, args.tolerance)
    print_shares(shares)


if __name__ == "__main__":
    main()
