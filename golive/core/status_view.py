"""The live dashboard's picture (pure): the runbook's `performance-monitor.sh dashboard`.

From a launch's timeline, the router's weights and the pending approvals, one rich
renderable: where the launch is, the rollout %, the latest numbers against the SLOs,
who is being waited for, and the last lines of the Scribe's log.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from rich.console import Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from golive.core.formatting import shorten
from golive.core.timeline import TimelineEntry

_STYLE = {"pass": "green", "warn": "yellow", "fail": "bold red", "inconclusive": "magenta"}


@dataclass
class Snapshot:
    run_name: str
    state: str  # the launch run's Prefect state name
    entries: list[TimelineEntry]
    weights: dict[str, int] = field(default_factory=dict)
    pending: Sequence[Any] = ()  # golive.local.approvals_client.PendingApproval
    run_id: str = ""
    state_type: str = ""  # "RUNNING", "COMPLETED", ...: what the exit code is decided by
    release: str = ""
    plan: str = ""


def current_gate(entries: Sequence[TimelineEntry]) -> str:
    """The last gate started and not ended, else the last gate seen (with its outcome)."""
    for entry in reversed(entries):
        if entry.kind == "gate":
            return entry.gate if entry.event == "started" else f"{entry.gate} ({entry.event})"
    return "not started"


def rollout_percent(entries: Sequence[TimelineEntry], weights: dict[str, int]) -> int | None:
    if weights:
        return weights.get("canary", 0)
    shifts = [e for e in entries if e.kind == "traffic"]
    return shifts[-1].data.get("percent") if shifts else None


def latest_verdict(entries: Sequence[TimelineEntry]) -> TimelineEntry | None:
    verdicts = [e for e in entries if e.kind == "verdict"]
    return verdicts[-1] if verdicts else None


def snapshot_json(snapshot: Snapshot, log_lines: int = 8) -> dict[str, Any]:
    """`golive status --output json`: the same picture as data."""
    entries = snapshot.entries
    verdict = latest_verdict(entries)
    return {
        "launch": snapshot.run_id,
        "run_name": snapshot.run_name,
        "release": snapshot.release or (entries[0].release if entries else ""),
        "plan": snapshot.plan,
        "state": snapshot.state,
        "state_type": snapshot.state_type,
        "gate": current_gate(entries),
        "rollout_percent": rollout_percent(entries, snapshot.weights),
        "weights": snapshot.weights,
        "latest_verdict": None
        if verdict is None
        else {
            "gate": verdict.gate,
            "at": verdict.at.isoformat(),
            "verdict": verdict.event,
            "checks": verdict.data.get("checks", []),
        },
        "pending_approvals": [
            {
                "run_id": str(p.run_id),
                "run_name": p.run_name,
                "pause_key": p.pause_key,
                "eligible": list(p.eligible),
            }
            for p in snapshot.pending
        ],
        "timeline": [
            {
                "at": e.at.isoformat(),
                "gate": e.gate,
                "kind": e.kind,
                "event": e.event,
                "summary": e.summary,
                "actor": e.actor,
            }
            for e in entries[-log_lines:]
        ],
    }


def render(snapshot: Snapshot, log_lines: int = 8) -> Group:
    entries = snapshot.entries
    release = entries[0].release if entries else "?"
    head = Table.grid(padding=(0, 2))
    head.add_row("launch", Text(f"{snapshot.run_name} · {release}", style="bold"))
    head.add_row("state", snapshot.state)
    head.add_row("gate", current_gate(entries))
    percent = rollout_percent(entries, snapshot.weights)
    head.add_row(
        "rollout",
        "-"
        if percent is None
        else f"{percent} % canary"
        + (f"  (weights {snapshot.weights})" if snapshot.weights else ""),
    )
    parts: list[Any] = [Panel(head, title="golive status")]

    verdict = latest_verdict(entries)
    if verdict is not None:
        table = Table(
            title=f"Latest numbers — {verdict.gate} at {verdict.at:%H:%M:%S} UTC: {verdict.event}"
        )
        for column in ("check", "value", "threshold", "status", "samples"):
            table.add_column(column)
        for check in verdict.data.get("checks", []):
            table.add_row(
                check["name"],
                str(check["value"]),
                str(check["threshold"]),
                Text(check["status"], style=_STYLE.get(check["status"], "")),
                "" if check.get("samples") is None else str(check["samples"]),
            )
        parts.append(table)
    if snapshot.pending:
        waiting = Table(title="Waiting for a decision (golive approve RUN --as NAME)")
        for column in ("gate run", "pause", "who may decide", "run id"):
            waiting.add_column(column)
        for pending in snapshot.pending:
            waiting.add_row(
                pending.run_name,
                pending.pause_key,
                ", ".join(pending.eligible),
                str(pending.run_id),
            )
        parts.append(waiting)
    log = Table(title="Timeline (latest)", show_header=False)
    for entry in entries[-log_lines:]:
        log.add_row(
            f"{entry.at:%H:%M:%S}",
            entry.gate or "-",
            f"{entry.kind} {entry.event}",
            shorten(entry.summary, 120),
        )
    parts.append(log)
    return Group(*parts)
