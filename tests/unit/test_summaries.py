"""Playbook step status: what the report says about each step must be true when it is written."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from blocks.plan import LaunchPlan, load_plan
from golive.core.summaries import playbook_steps
from golive.core.timeline import Kind, TimelineEntry

PLANS = Path(__file__).resolve().parents[2] / "plans"
T0 = datetime(2025, 3, 1, 14, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def plan() -> LaunchPlan:
    return load_plan(PLANS / "statusboard-v2.yaml", env={})


def entry(second: float, kind: Kind, event: str, gate: str = "") -> TimelineEntry:
    return TimelineEntry(
        at=T0 + timedelta(seconds=second),
        launch="run-1",
        release="v1.4.0",
        kind=kind,
        event=event,
        summary=f"{gate} {event}",
        gate=gate,
    )


def gated(start: float, gate: str, event: str = "passed") -> list[TimelineEntry]:
    return [entry(start, "gate", "started", gate), entry(start + 1, "gate", event, gate)]


def stopped_at_gate_a() -> list[TimelineEntry]:
    return [
        entry(0, "launch", "started"),
        *gated(1, "Pre-flight"),
        *gated(3, "Gate A", "failed"),
        entry(5, "launch", "failed"),
    ]


def status(entries: list[TimelineEntry], plan: LaunchPlan) -> dict[str, str]:
    return {s.step: s.status for s in playbook_steps(entries, plan)}


def test_post_launch_writing_its_report_is_in_progress_not_failed(plan: LaunchPlan) -> None:
    # What Post-launch sees when it writes the report: the launch ended, then Post-launch started.
    writing = [*stopped_at_gate_a(), entry(6, "gate", "started", "Post-launch")]
    steps = status(writing, plan)
    assert steps["Post-launch"] == "in progress"
    assert steps["Gate A"] == "failed" and steps["Gate B"] == "not reached"


def test_post_launch_reads_passed_once_its_end_is_recorded(plan: LaunchPlan) -> None:
    written = [*stopped_at_gate_a(), *gated(6, "Post-launch")]
    assert status(written, plan)["Post-launch"] == "passed"
    completed = [
        entry(0, "launch", "started"),
        *gated(1, "Gate G"),
        entry(3, "launch", "completed"),
        *gated(4, "Post-launch"),
    ]
    assert status(completed, plan)["Post-launch"] == "passed"


def test_a_step_the_launch_died_in_is_failed(plan: LaunchPlan) -> None:
    # Killed inside Gate C: the state hook records the crash after Gate C started.
    crashed = [
        entry(0, "launch", "started"),
        *gated(1, "Production deploy"),
        entry(3, "gate", "started", "Gate C — canary 10 %"),
        entry(9, "launch", "crashed"),
    ]
    assert status(crashed, plan)["Gate C"] == "failed"
    # and killed while writing the reports: Post-launch started before the crash was recorded
    dying = [
        *stopped_at_gate_a(),
        entry(6, "gate", "started", "Post-launch"),
        entry(8, "launch", "crashed"),
    ]
    assert status(dying, plan)["Post-launch"] == "failed"


def test_a_step_still_running_in_a_running_launch_is_in_progress(plan: LaunchPlan) -> None:
    running = [
        entry(0, "launch", "started"),
        *gated(1, "Pre-flight"),
        entry(3, "gate", "started", "Gate A"),
    ]
    assert status(running, plan)["Gate A"] == "in progress"
