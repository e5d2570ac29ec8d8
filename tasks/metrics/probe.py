"""The SLO probe: synthetic traffic against the plan's latency-SLO endpoints, one sample per request.

It measures what users get through the front door (the router splits the probe's
requests like anyone else's), and every response says which version served it, so
one probe yields samples for stable and canary alike. The load is bounded: `requests`
in total, at most `concurrency` in flight and, with a `rate`, sent open-loop on a
schedule of that many requests per second (request i is due i / rate seconds after the
start; the concurrency still caps it).

The probe also measures itself, because a starved client reads a healthy server as a
slow one: a ticker coroutine sleeps `TICK_S` and records every oversleep as an
event-loop stall. A sample's `client_lag_ms` is the worst stall while the request was in
flight (from its send to its response being read): what the client may have added to its
latency. `send_lag_ms` is how late it left against when it was due (its slot in the
schedule, or the moment a concurrency slot freed, whichever is later). Waiting for a free
slot is not lateness: slots stay busy because responses are slow, which is the server's
doing. Requests are started one loop turn apart, so a burst of sends is never one long
stall that every request in flight would wait behind, and the cyclic garbage collector is
off while the probe measures (a full collection in a big process is a 100-300 ms stall).
"""

from __future__ import annotations

import asyncio
import bisect
import contextlib
import gc
import random
import threading
import time
from collections.abc import Awaitable, Callable, Iterator

import httpx
import pandas as pd

from blocks.plan import PLACEHOLDER, LaunchPlan
from tasks.id_source import IdPool
from tasks.metrics import samples_frame
from tasks.metrics.probe_source import FALLBACK_TARGET
from tasks.metrics.transport import ProbeSession, TransportError, run_blocking
from tasks.metrics.turns import probe_turn

__all__ = ["FALLBACK_TARGET", "TICK_S", "LoopWatch", "probe", "probe_async", "send_on_schedule"]

UNKNOWN = "unknown"
DEFAULT_TIMEOUT_S = 10.0
# The ticker's sleep: short enough to see a stall of a few ms, long enough to cost nothing (200 wakes/s).
TICK_S = 0.005
WARM_UP_TIMEOUT_S = 2.0


def probe(
    base_url: str,
    plan: LaunchPlan,
    *,
    requests: int | None = None,
    concurrency: int | None = None,
    rate: float | None = None,
    version_header: str | None = None,
    release_header: str | None = None,
    timeout: float = DEFAULT_TIMEOUT_S,
    auth: httpx.Auth | None = None,
    rng: random.Random | None = None,
) -> pd.DataFrame:
    """Blocking probe for Prefect tasks and scripts; also safe to call from inside a running event loop.

    It measures in this host's probe turn (`tasks/metrics/turns.py`), waited for before it starts."""
    with probe_turn():
        return run_blocking(
            lambda: probe_async(
                base_url,
                plan,
                requests=requests,
                concurrency=concurrency,
                rate=rate,
                version_header=version_header,
                release_header=release_header,
                timeout=timeout,
                auth=auth,
                rng=rng,
            )
        )


async def probe_async(
    base_url: str,
    plan: LaunchPlan,
    *,
    requests: int | None = None,
    concurrency: int | None = None,
    rate: float | None = None,
    version_header: str | None = None,
    release_header: str | None = None,
    timeout: float = DEFAULT_TIMEOUT_S,
    auth: httpx.Auth | None = None,
    rng: random.Random | None = None,
) -> pd.DataFrame:
    """Send `requests` requests round-robin over the SLO endpoints; IdSourceError if the id source
    gives no values for their placeholders ({id}, {sku}: each request one record's).

    `requests`, `concurrency` and `rate` (requests per second) default to the plan's probe section.
    """
    total = plan.probe.requests_per_evaluation if requests is None else requests
    workers = max(1, min(plan.probe.concurrency if concurrency is None else concurrency, total))
    if rate is None and plan.probe.rate is not None:
        rate = float(plan.probe.rate)
    version_header = version_header or plan.version_header
    release_header = release_header or plan.release_header
    rng = rng or random.Random()
    targets = [(slo.name, slo.path) for slo in plan.slos.latency] or [FALLBACK_TARGET]
    base_url = base_url.rstrip("/")

    async with ProbeSession(workers, timeout) as session:
        ids: IdPool | None = None
        if any(PLACEHOLDER.search(path) for _, path in targets):
            if (
                plan.probe.id_source is None
            ):  # plan validation prevents this; fail loudly if bypassed
                raise ValueError(
                    "an SLO path uses a placeholder but the plan has no probe.id_source"
                )
            ids = IdPool(plan.probe.id_source, rng)
            await ids.aload(session, base_url, auth)  # also the warm-up below
        else:
            await _warm_up(session, base_url + targets[0][1], auth)

        rows: list[dict[str, object]] = []
        spans: list[
            tuple[float, float, float]
        ] = []  # (due, started, ended) per row, perf_counter seconds

        async def send(index: int, due: float) -> None:
            # Request i goes to target i mod len(targets).
            name, path = targets[index % len(targets)]
            path = ids.fill(path) if ids is not None else path
            started = time.perf_counter()
            row = await _one(session, base_url, name, path, auth, version_header, release_header)
            rows.append(row)
            spans.append((due, started, time.perf_counter()))

        with _no_gc_pauses():
            async with LoopWatch() as watch:
                await send_on_schedule(total, workers, rate, send)
        for row, (due, started, ended) in zip(rows, spans, strict=True):
            row["client_lag_ms"] = 1000 * watch.worst_stall(started, ended)
            row["send_lag_ms"] = 1000 * max(0.0, started - due)
    rows.sort(key=lambda row: row["ts"])  # type: ignore[arg-type,return-value]
    return samples_frame(rows)


async def send_on_schedule(
    total: int, concurrency: int, rate: float | None, send: Callable[[int, float], Awaitable[None]]
) -> None:
    """Call `send(i, due)` for i in 0..total-1, at most `concurrency` at a time, request i not before
    start + i / rate (every request at once if `rate` is None: closed loop).

    `due` (perf_counter seconds) is when request i could have left: its scheduled time or the
    moment a concurrency slot freed for it, whichever is later. A slot held by a slow response
    delays the schedule; that is the server's time, so it is not part of `due`'s lateness.
    """
    if total <= 0:
        return
    if rate is not None and not rate > 0:
        raise ValueError(f"rate must be more than zero requests per second, not {rate!r}")
    start = time.perf_counter()
    free_since: asyncio.Queue[float] = asyncio.Queue()  # one entry per free slot: when it freed
    for _ in range(max(1, concurrency)):
        free_since.put_nowait(start)
    running: set[asyncio.Task[None]] = set()

    async def one(index: int, due: float) -> None:
        try:
            await send(index, due)
        finally:
            free_since.put_nowait(time.perf_counter())

    try:
        for index in range(total):
            scheduled = start + index / rate if rate is not None else start
            wait = scheduled - time.perf_counter()
            if wait > 0:
                await asyncio.sleep(wait)
            freed = await free_since.get()
            task = asyncio.create_task(one(index, max(scheduled, freed)))
            running.add(task)
            task.add_done_callback(running.discard)
            await asyncio.sleep(
                0
            )  # one loop turn: the request starts, and a burst of sends is no single stall
        if running:
            await asyncio.gather(*running)
    finally:
        for task in list(running):  # cancelled or failed: leave no request behind
            task.cancel()


class LoopWatch:
    """Event-loop stalls while it runs: a ticker sleeps TICK_S and records how late each wake is.

    A stall is the span (due, woke) of a tick that woke more than TICK_S late: the loop was busy
    elsewhere (or blocked) then, so any response that arrived in it waited. Use as an async
    context manager around the work to watch; `worst_stall(a, b)` afterwards.
    """

    def __init__(self, tick: float = TICK_S) -> None:
        self.tick = tick
        self._starts: list[float] = []
        self._ends: list[float] = []
        self._task: asyncio.Task[None] | None = None

    async def __aenter__(self) -> LoopWatch:
        self._task = asyncio.create_task(self._run())
        await asyncio.sleep(0)  # let the ticker take its first reading before the work starts
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass

    async def _run(self) -> None:
        while True:
            slept = time.perf_counter()
            try:
                await asyncio.sleep(self.tick)
            finally:  # also when cancelled: the stall in progress at the end counts too
                woke = time.perf_counter()
                if woke - slept > self.tick:
                    self._starts.append(slept + self.tick)
                    self._ends.append(woke)

    @property
    def stalls(self) -> list[tuple[float, float]]:
        return list(zip(self._starts, self._ends, strict=True))

    def worst_stall(self, since: float, until: float) -> float:
        """Seconds of the longest stall within [since, until] (each clipped to it); 0.0 if none."""
        worst = 0.0
        # Ticks run one after another, so stalls are ordered and disjoint: start at the first that ends
        # after `since`, stop at the first that starts after `until`.
        for position in range(bisect.bisect_right(self._ends, since), len(self._ends)):
            begin = self._starts[position]
            if begin >= until:
                break
            worst = max(worst, min(self._ends[position], until) - max(begin, since))
        return worst


_gc_lock = threading.Lock()
_gc_holders = 0
_gc_was_enabled = False


@contextlib.contextmanager
def _no_gc_pauses() -> Iterator[None]:
    """No cyclic garbage collection while the probe measures (as timeit does): in a big process (a flow
    run with Prefect loaded) a full collection stalls the loop for 100-300 ms, and every request in
    flight then reads that much slower. A probe allocates a few MB; collection resumes when the last
    probe in the process (they may overlap, on worker threads) is done."""
    global _gc_holders, _gc_was_enabled
    with _gc_lock:
        if _gc_holders == 0:
            _gc_was_enabled = gc.isenabled()
            gc.disable()
        _gc_holders += 1
    try:
        yield
    finally:
        with _gc_lock:
            _gc_holders -= 1
            if _gc_holders == 0 and _gc_was_enabled:
                gc.enable()


async def _warm_up(session: ProbeSession, url: str, auth: httpx.Auth | None) -> None:
    """One unrecorded request first: a process's first request imports and builds the client's stack
    (resolver, TLS context, parser), a 100-200 ms stall that would otherwise land on the first samples."""
    try:
        await session.get(url, auth, timeout=WARM_UP_TIMEOUT_S)
    except TransportError:
        pass  # a dead endpoint is the probe's to measure, not the warm-up's


async def _one(
    session: ProbeSession,
    base_url: str,
    slo: str,
    path: str,
    auth: httpx.Auth | None,
    version_header: str,
    release_header: str,
) -> dict[str, object]:
    ts = time.time()
    started = time.perf_counter()
    try:
        response = await session.get(base_url + path, auth)
    except TransportError:
        # No response is an error sample, not a missing one: a dead backend must raise the error rate.
        return {
            "ts": ts,
            "slo": slo,
            "path": path,
            "status": 0,
            "latency_ms": _ms_since(started),
            "error": True,
            "version": UNKNOWN,
            "release": UNKNOWN,
        }
    return {
        "ts": ts,
        "slo": slo,
        "path": path,
        "status": response.status,
        "latency_ms": _ms_since(started),
        "error": response.status >= 500,
        "version": response.headers.get(version_header) or UNKNOWN,
        "release": response.headers.get(release_header) or UNKNOWN,
    }


def _ms_since(started: float) -> float:
    return (time.perf_counter() - started) * 1000
