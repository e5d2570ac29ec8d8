"""The probe measures its own lag: a deliberately starved client, against a real tiny HTTP server on
127.0.0.1, gives samples whose lag is high, and the judge says "probe saturated", not "fail"; the same
probe unstarved gives the usual verdict. Also the open-loop rate schedule and the loop watch."""

from __future__ import annotations

import asyncio
import gc
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from blocks.plan import LaunchPlan, read_plan_file, validate_plan
from golive.core.judge import judge
from golive.core.probe_health import PROBE_CHECK
from tasks.metrics import SAMPLE_COLUMNS
from tasks.metrics.probe import LoopWatch, _no_gc_pauses, probe, probe_async, send_on_schedule
from tests.loopback import QuietHandler, serving

REPO = Path(__file__).resolve().parents[2]
SERVER_MS = 10  # every response takes this long: longer than the starver's gaps, so each request meets a stall
BURST_S, GAP_S = 0.06, 0.005  # the starver: block the loop 60 ms, let it run 5 ms
REQUESTS, CONCURRENCY = (
    80,
    4,
)  # 40 per SLO, min_samples 20; light enough that an unstarved client keeps up


class _App(QuietHandler):
    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        time.sleep(SERVER_MS / 1000)
        self.answer(
            200,
            b'{"ok": true}',
            {
                "Content-Type": "application/json",
                "X-Golive-Version": "stable",
                "X-Golive-Release": "v1.0.0",
            },
        )


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    with serving(_App) as url:
        yield url


@pytest.fixture(scope="module")
def plan() -> LaunchPlan:
    """The sandbox plan, probing the tiny server: SLOs a 10 ms server meets easily and a starved client does not."""
    raw = read_plan_file(REPO / "plans" / "sandbox.yaml")
    raw["slos"]["latency"] = [
        {"name": "board", "path": "/board", "stat": "p95", "threshold": "50ms"},
        {"name": "drawer", "path": "/drawer", "stat": "mean", "threshold": "40ms"},
    ]
    raw["probe"] = {
        "requests_per_evaluation": REQUESTS,
        "concurrency": CONCURRENCY,
        "max_client_lag": "30ms",
    }
    raw["scenarios"] = []  # they use {id}, and this plan has no id source
    raw["smoke"]["suites"] = {"infrastructure": raw["smoke"]["suites"]["infrastructure"]}
    return validate_plan(raw, env={})


async def _starved(base_url: str, plan: LaunchPlan) -> pd.DataFrame:
    """The probe in a loop that a neighbour keeps blocking (time.sleep: CPU work that never yields)."""
    stop = asyncio.Event()

    async def starver() -> None:
        while not stop.is_set():
            time.sleep(BURST_S)
            await asyncio.sleep(GAP_S)

    task = asyncio.create_task(starver())
    try:
        return await probe_async(base_url, plan)
    finally:
        stop.set()
        await task


def _gil_hogged(base_url: str, plan: LaunchPlan, requests: int) -> pd.DataFrame:
    """The probe while a busy thread holds the GIL for 50 ms at a time (a CPU-bound thread in the worker)."""
    stop = threading.Event()

    def spin() -> None:
        while not stop.is_set():
            pass

    interval = sys.getswitchinterval()
    sys.setswitchinterval(0.05)
    hog = threading.Thread(target=spin, daemon=True)
    hog.start()
    try:
        return probe(base_url, plan, requests=requests)
    finally:
        stop.set()
        hog.join(5)
        sys.setswitchinterval(interval)


def _assert_saturated_not_failed(
    samples: pd.DataFrame, plan: LaunchPlan, requests: int = REQUESTS
) -> None:
    assert list(samples.columns) == list(SAMPLE_COLUMNS) and len(samples) == requests
    assert not samples["error"].any()
    lag = samples["client_lag_ms"].to_numpy()
    assert (
        np.median(lag) > plan.max_client_lag_ms
    )  # most requests met a stall longer than the bound
    # The numbers really are distorted: trusted blindly, a 10 ms server fails its SLOs...
    blind = judge(samples.drop(columns="client_lag_ms"), plan.slos)
    assert blind.status == "fail", blind.reason
    # ...but the probe knows it measured itself.
    verdict = judge(samples, plan.slos, max_client_lag_ms=plan.max_client_lag_ms)
    assert verdict.status == "inconclusive"
    assert verdict.reason.startswith("probe saturated: the client's own lag could make ")
    assert (
        "(30 ms allowed)" in verdict.reason
        and ": over its bound; client lag p95 " in verdict.reason
    )
    assert f"of {requests} requests late by more than 30 ms" in verdict.reason
    assert not any(c.status == "fail" for c in verdict.checks)


def test_a_starved_event_loop_makes_the_probe_saturated_not_the_release_failed(
    server: str, plan: LaunchPlan
) -> None:
    _assert_saturated_not_failed(asyncio.run(_starved(server, plan)), plan)


def test_a_thread_holding_the_gil_makes_the_probe_saturated(server: str, plan: LaunchPlan) -> None:
    requests = 2 * plan.slos.min_samples  # the hog slows the server's threads too: keep it short
    _assert_saturated_not_failed(_gil_hogged(server, plan, requests), plan, requests)


def test_an_unstarved_probe_of_the_same_server_keeps_its_lag_low_and_the_usual_verdict(
    server: str, plan: LaunchPlan
) -> None:
    samples = probe(server, plan)
    assert len(samples) == REQUESTS
    for column in ("client_lag_ms", "send_lag_ms"):  # every probe sample knows both
        assert not samples[column].isna().any() and (samples[column] >= 0).all()
    verdict = judge(samples, plan.slos, max_client_lag_ms=plan.max_client_lag_ms)
    assert verdict.status == "pass", verdict.reason
    lag = next(c for c in verdict.checks if c.name == PROBE_CHECK)
    assert lag.status == "pass" and lag.samples == REQUESTS


def test_a_probe_at_a_rate_spreads_its_requests_over_the_schedule(
    server: str, plan: LaunchPlan
) -> None:
    rate, requests = 100.0, 30
    samples = probe(server, plan, requests=requests, rate=rate)
    assert len(samples) == requests
    span = samples["ts"].max() - samples["ts"].min()
    # never ahead of the schedule: the last request leaves (requests - 1) / rate after the first, or later;
    # loosely not far behind it either
    assert (requests - 1) / rate * 0.95 <= span < (requests - 1) / rate * 4


# ------------------------------------------------------------------ the schedule, without HTTP


def _schedule(
    total: int, concurrency: int, rate: float | None, hold: float
) -> list[dict[str, float]]:
    calls: list[dict[str, float]] = []
    in_flight = 0

    async def send(index: int, due: float) -> None:
        nonlocal in_flight
        in_flight += 1
        calls.append(
            {"index": index, "due": due, "at": time.perf_counter(), "in_flight": in_flight}
        )
        await asyncio.sleep(hold)
        in_flight -= 1

    async def main() -> float:
        start = time.perf_counter()
        await send_on_schedule(total, concurrency, rate, send)
        return start

    start = asyncio.run(main())
    return [
        {**call, "offset": call["at"] - start, "due_offset": call["due"] - start} for call in calls
    ]


def test_requests_leave_on_the_rate_schedule_never_ahead_of_it() -> None:
    rate = 200.0
    calls = _schedule(40, concurrency=8, rate=rate, hold=0.001)
    assert [c["index"] for c in calls] == list(range(40))
    for call in calls:
        assert call["due_offset"] >= call["index"] / rate - 1e-6  # due at its place in the schedule
        assert call["at"] >= call["due"]  # and it left then or later
    # count over time, loosely: the 40 requests took at least their 195 ms schedule
    assert calls[-1]["offset"] >= 39 / rate


def test_concurrency_still_caps_a_rate_and_slot_waits_are_not_lateness() -> None:
    calls = _schedule(
        12, concurrency=3, rate=1000.0, hold=0.03
    )  # responses slower than the rate allows
    assert max(c["in_flight"] for c in calls) == 3
    # request 3 was due at 3 ms but had to wait for a slot (~30 ms): its due time is when the slot freed
    assert calls[3]["due_offset"] >= 0.03
    assert calls[3]["at"] - calls[3]["due"] < calls[3]["due_offset"]


def test_closed_loop_sends_as_soon_as_a_slot_frees() -> None:
    calls = _schedule(10, concurrency=5, rate=None, hold=0.01)
    assert max(c["in_flight"] for c in calls) == 5
    assert len({c["due"] for c in calls[:5]}) == 1  # the first five are due at once, at the start
    assert all(
        c["due"] >= calls[0]["due"] + 0.01 for c in calls[5:]
    )  # the rest when a response freed a slot


def test_a_rate_must_be_positive() -> None:
    async def nothing(index: int, due: float) -> None:
        pass

    with pytest.raises(ValueError, match="rate must be more than zero"):
        asyncio.run(send_on_schedule(3, 1, 0.0, nothing))


def test_the_loop_watch_sees_a_blocked_loop_and_clips_to_the_window() -> None:
    async def main() -> tuple[LoopWatch, float, float, float]:
        async with LoopWatch() as watch:
            await asyncio.sleep(0.02)
            before = time.perf_counter()
            time.sleep(0.08)  # the loop is blocked: the ticker wakes about 80 ms late
            blocked_until = time.perf_counter()
            await asyncio.sleep(0.02)
        return watch, before, blocked_until, time.perf_counter()

    watch, before, blocked_until, end = asyncio.run(main())
    assert watch.worst_stall(before, end) >= 0.07
    assert (
        watch.worst_stall(before + 0.05, end) <= watch.worst_stall(before, end) - 0.04
    )  # clipped to the window
    assert watch.worst_stall(end, end + 1) == 0.0
    assert watch.worst_stall(before - 1, before - 0.5) == 0.0
    assert all(begin < finish for begin, finish in watch.stalls)
    assert blocked_until > before


def test_no_garbage_collection_pauses_while_the_probe_measures() -> None:
    assert gc.isenabled()
    with _no_gc_pauses():
        assert not gc.isenabled()
        with _no_gc_pauses():  # a second probe on another thread overlaps
            assert not gc.isenabled()
        assert not gc.isenabled()  # the first is still measuring
    assert gc.isenabled()
    gc.disable()  # a process that runs without the collector keeps it off
    try:
        with _no_gc_pauses():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_the_probe_turns_collection_back_on(server: str, plan: LaunchPlan) -> None:
    assert len(probe(server, plan, requests=4)) == 4 and gc.isenabled()
