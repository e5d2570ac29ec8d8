"""What the timeline says about a launch: where it stopped, whether it touched production."""

from __future__ import annotations

from golive.core.timeline import TimelineEntry, last_gate, touched_production


def gate(name: str, event: str) -> TimelineEntry:
    return TimelineEntry(
        launch="l", release="v2", kind="gate", event=event, gate=name, summary=f"{name} {event}"
    )


def test_the_launch_stopped_at_the_failed_gate_not_at_its_report() -> None:
    entries = [
        gate("Pre-flight", "started"),
        gate("Pre-flight", "passed"),
        gate("Gate A", "started"),
        gate("Gate A", "failed"),
        gate("Post-launch", "started"),
        gate("Post-launch", "passed"),
    ]
    assert last_gate(entries) == "Gate A"
    assert not touched_production(entries)


def test_without_a_failure_the_last_gate_started_is_where_it_stopped() -> None:
    entries = [gate("Gate B", "passed"), gate("Production deploy", "started")]
    assert last_gate(entries) == "Production deploy" and touched_production(entries)
    assert last_gate([]) == "pre-flight"
