"""The sandbox's users: a bounded generator of the app's real request mix through the production edge.

Real traffic is what a counting metric source (Prometheus) judges a canary on; the probe
alone sends a canary at 10 % a few dozen requests. The generator runs as its own process
(`python -m sandbox.users`, started and stopped by the daemon through the control API, or by
`golive sandbox up --users RATE`), so its client work never runs on the loop that serves the
edge. It sends open-loop at `rate` requests per second (Poisson arrivals, as independent users
are), at most `concurrency` in flight, for at most `duration` seconds, and stops on SIGTERM.
Which request comes next is the app's `UserMix` (sandbox/apps/): the board, drawers, the
dashboard and moves for StatusBoardV2; searches, parts and reservations for PartsDesk.

Bounds: `MAX_RATE` and `MAX_DURATION_S` cap what anyone may ask of this machine.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp

from sandbox.apps import UserRequest, simulated_app

MAX_RATE = 200.0
MAX_DURATION_S = 3600.0
DEFAULT_CONCURRENCY = 64
TIMEOUT_S = 10.0


@dataclass(frozen=True)
class UserLoad:
    rate: float  # requests per second
    duration_s: float = 600.0
    concurrency: int = DEFAULT_CONCURRENCY

    def __post_init__(self) -> None:
        if not 0 < self.rate <= MAX_RATE:
            raise ValueError(f"rate: requests per second, more than 0 and at most {MAX_RATE:g}")
        if not 0 < self.duration_s <= MAX_DURATION_S:
            raise ValueError(f"duration_s: seconds, more than 0 and at most {MAX_DURATION_S:g}")
        if not 1 <= self.concurrency <= 512:
            raise ValueError("concurrency: from 1 to 512 requests in flight")


async def run_users(
    base_url: str, api: str, load: UserLoad, seed: int | None = None
) -> dict[str, int]:
    """Send the app's user mix at `load`; returns counts by outcome (sent, answered, 5xx, failed)."""
    mix = simulated_app(api).users
    if mix is None:
        raise ValueError(f"the simulated app {api!r} declares no users")
    rng = random.Random(seed)
    memory: dict[str, Any] = {}
    counts = {"sent": 0, "answered": 0, "5xx": 0, "failed": 0}
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    slots = asyncio.Semaphore(load.concurrency)
    running: set[asyncio.Task[None]] = set()
    timeout = aiohttp.ClientTimeout(total=TIMEOUT_S)
    connector = aiohttp.TCPConnector(limit=load.concurrency, force_close=False)
    async with aiohttp.ClientSession(
        base_url.rstrip("/"), timeout=timeout, connector=connector
    ) as session:

        async def one(request: UserRequest) -> None:
            try:
                headers = {"content-type": "application/json"} if request.body else None
                async with session.request(
                    request.method, request.path, data=request.body, headers=headers
                ) as response:
                    raw = await response.read()
                    counts["answered"] += 1
                    counts["5xx"] += response.status >= 500
                    try:
                        content = json.loads(raw) if raw else None
                    except ValueError:
                        content = None
                    mix.learn(memory, request, response.status, content)
            except (TimeoutError, aiohttp.ClientError):
                counts["failed"] += 1
            finally:
                slots.release()

        started = time.monotonic()
        due = started
        while not stop.is_set() and time.monotonic() - started < load.duration_s:
            due += rng.expovariate(load.rate)
            wait = due - time.monotonic()
            if wait > 0:
                try:
                    await asyncio.wait_for(stop.wait(), wait)
                    break
                except TimeoutError:
                    pass
            await (
                slots.acquire()
            )  # at the cap, users wait: the schedule slips, never bursts past it
            counts["sent"] += 1
            task = asyncio.create_task(one(mix.next(memory, rng)))
            running.add(task)
            task.add_done_callback(running.discard)
        if running:
            await asyncio.wait(running, timeout=TIMEOUT_S)
    return counts


class UserTraffic:
    """The daemon's handle on the generator process: one at a time, restarted on a new load."""

    def __init__(self, base_url: str, api: str, state_dir: Path) -> None:
        self._base_url, self._api, self._state_dir = base_url, api, state_dir
        self._process: subprocess.Popen[bytes] | None = None
        self._load: UserLoad | None = None
        self._started = 0.0

    def start(self, load: UserLoad) -> None:
        self.stop()
        log = open(self._state_dir / "users.log", "ab")  # noqa: SIM115 - the child writes it
        self._process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "sandbox.users",
                "--url",
                self._base_url,
                "--api",
                self._api,
                "--rate",
                str(load.rate),
                "--duration",
                str(load.duration_s),
                "--concurrency",
                str(load.concurrency),
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
        self._load, self._started = load, time.time()

    def stop(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=TIMEOUT_S + 2)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        self._process = None

    def status(self) -> dict[str, Any]:
        running = self._process is not None and self._process.poll() is None
        load = self._load
        return {
            "running": running,
            "rate": load.rate if load and running else 0,
            "duration_s": load.duration_s if load and running else 0,
            "started_at": self._started if running else None,
        }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="the sandbox's users (the daemon starts this)")
    parser.add_argument("--url", required=True, help="the production edge")
    parser.add_argument("--api", default="statusboard", help="the simulated app")
    parser.add_argument("--rate", type=float, required=True, help="requests per second")
    parser.add_argument("--duration", type=float, default=600.0, help="seconds at most")
    parser.add_argument("--concurrency", type=int, default=DEFAULT_CONCURRENCY)
    parser.add_argument("--seed", type=int, default=None)
    args = parser.parse_args(argv)
    try:
        load = UserLoad(args.rate, args.duration, args.concurrency)
    except ValueError as error:
        print(f"sandbox users: {error}", file=sys.stderr)
        return 2
    counts = asyncio.run(run_users(args.url, args.api, load, args.seed))
    print(json.dumps(counts), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
