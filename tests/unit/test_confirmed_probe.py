"""measure_and_judge: a saturated probe is dropped and measured again, fresh; a bad verdict is
confirmed on a second probe judged together with the first (tasks/metrics/confirmed.py)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

from blocks.plan import load_plan
from tasks.metrics import confirmed, samples_frame

PLAN = load_plan("plans/sandbox.yaml", env={})  # board p95 < 800 ms, drawer mean < 200 ms


def frame(board_ms: Any, lag_ms: float) -> pd.DataFrame:
    board = list(board_ms)
    rows = [
        {
            "ts": 1_700_000_000.0 + i,
            "slo": slo,
            "path": f"/{slo}",
            "status": 200,
            "latency_ms": float(ms),
            "error": False,
            "version": "staging",
            "release": "v1",
            "client_lag_ms": lag_ms,
        }
        for slo, values in (("board", board), ("drawer", [50.0] * len(board)))
        for i, ms in enumerate(values)
    ]
    return samples_frame(rows)


HEALTHY = frame([300.0] * 60, lag_ms=0.0)
SATURATED = frame([300.0] * 60, lag_ms=300.0)  # far over the bounds (80 ms / 20 ms)
SLOW_BOARD = frame(np.linspace(300, 1200, 60), lag_ms=0.0)  # p95 over 800 ms, a trusted probe


class Source:
    """A metric source that returns the given frames, one per collect()."""

    def __init__(self, *frames: pd.DataFrame) -> None:
        self.frames, self.calls = list(frames), 0

    def collect(self, plan: Any, environment: Any) -> pd.DataFrame:
        self.calls += 1
        return self.frames.pop(0)


@pytest.fixture
def source(monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setattr(confirmed, "SATURATED_PAUSE_S", 0.0)

    def install(*frames: pd.DataFrame) -> Source:
        fake = Source(*frames)
        monkeypatch.setattr(confirmed, "source_for", lambda plan: fake)
        return fake

    return install


def test_a_saturated_probe_is_dropped_and_the_fresh_one_judges(source: Any) -> None:
    fake = source(SATURATED, HEALTHY)
    verdict, samples = confirmed.measure_and_judge(PLAN, PLAN.environments.staging)
    assert fake.calls == 2 and verdict.status == "pass" and not verdict.saturated
    assert len(samples) == len(HEALTHY)  # the saturated probe's samples are not in the verdict
    assert any(confirmed.DROPPED in note for note in verdict.notes)


def test_a_probe_saturated_every_time_stays_inconclusive(source: Any) -> None:
    fake = source(*[SATURATED] * confirmed.SATURATED_ATTEMPTS)
    verdict, _ = confirmed.measure_and_judge(PLAN, PLAN.environments.staging)
    assert fake.calls == confirmed.SATURATED_ATTEMPTS
    assert verdict.status == "inconclusive" and verdict.saturated
    assert verdict.reason.startswith("probe saturated: ")


def test_a_failing_trusted_probe_is_confirmed_on_both_together(source: Any) -> None:
    fake = source(SLOW_BOARD, SLOW_BOARD)
    verdict, samples = confirmed.measure_and_judge(PLAN, PLAN.environments.staging)
    assert fake.calls == 2 and verdict.status == "fail"
    assert len(samples) == 2 * len(SLOW_BOARD)
    assert "confirmed on a second probe: judged on both together" in verdict.notes


def test_a_healthy_probe_is_one_probe(source: Any) -> None:
    fake = source(HEALTHY)
    verdict, _ = confirmed.measure_and_judge(PLAN, PLAN.environments.staging)
    assert fake.calls == 1 and verdict.status == "pass" and verdict.notes == []


def test_the_gate_shows_that_a_saturated_probe_was_dropped(source: Any) -> None:
    source(SATURATED, HEALTHY)
    checks, _ = confirmed.confirmed_slo_checks(PLAN, PLAN.environments.staging)
    [shown] = [c for c in checks if c.name == "SLO probe re-measured"]
    assert shown.status == "pass" and shown.value == "1 saturated probe(s) dropped"
