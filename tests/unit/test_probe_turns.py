"""Probes sharing a host take turns (tasks/metrics/turns.py): one measures at a time."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from tasks.metrics import turns
from tests import conftest


def test_without_the_variable_there_is_no_turn_to_wait_for(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(turns.ENV, raising=False)
    with turns.probe_turn() as waited:
        assert waited == 0.0


def test_a_second_probe_waits_until_the_first_has_measured(tmp_path: Path) -> None:
    lock = str(tmp_path / "turns.lock")
    first_holds, first_done = threading.Event(), threading.Event()
    spans: dict[str, tuple[float, float]] = {}

    def first() -> None:
        with turns.probe_turn(lock):
            started = time.monotonic()
            first_holds.set()
            time.sleep(0.3)
            spans["first"] = (started, time.monotonic())
        first_done.set()

    thread = threading.Thread(target=first)
    thread.start()
    assert first_holds.wait(5)
    with turns.probe_turn(lock) as waited:
        spans["second"] = (time.monotonic(), time.monotonic())
    thread.join(5)
    assert waited > 0.1  # it waited for the first one's turn to end
    assert spans["first"][1] <= spans["second"][0]  # they never overlapped


def test_a_turn_held_too_long_is_measured_without(tmp_path: Path) -> None:
    lock = str(tmp_path / "turns.lock")
    release = threading.Event()
    held = threading.Event()

    def holder() -> None:
        with turns.probe_turn(lock):
            held.set()
            release.wait(10)

    thread = threading.Thread(target=holder)
    thread.start()
    assert held.wait(5)
    try:
        with turns.probe_turn(lock, max_wait_s=0.2) as waited:
            assert 0.2 <= waited < 2  # gave up waiting and measured anyway
    finally:
        release.set()
        thread.join(5)


def test_a_lock_file_that_cannot_be_opened_is_no_turn(tmp_path: Path) -> None:
    with turns.probe_turn(str(tmp_path / "missing-dir" / "turns.lock")) as waited:
        assert waited == 0.0


def test_the_suite_sets_the_variable_the_probe_reads() -> None:
    assert conftest.PROBE_TURNS == turns.ENV
