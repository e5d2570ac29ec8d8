"""The Scribe's log: one entry per thing that happened in a launch (pure data, no I/O).

Entries are appended as they happen (`tasks/timeline_store.py` writes each one to S3
under the launch's prefix) and never rewritten, so a launch whose process died still
has its record. The report, the status dashboard and the timeline artifact all read
this one list.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

Kind = Literal[
    "launch",  # event: started | completed | failed | crashed | cancelled
    "gate",  # event: started | passed | failed   (gate: "Pre-flight", "Gate A", ... "Gate G", "Post-launch")
    "verdict",  # event: pass | warn | fail | inconclusive  (data: percent, checks, samples)
    "decision",  # event: advance | extend | rollback | ask_human | hold
    "approval",  # event: asked | reminded (actor: golive) | approved | rejected | refused | timed_out
    # (actor: who answered; data: key (the base pause key), pause, comment; with totp: totp_step)
    "traffic",  # event: shifted  (data: before, after)
    "rollback",  # event: requested | started | effective | noop | verified | failed  (actor: who triggered);
    # from the launch's hooks: dispatched | not_needed | not_dispatched
    "message",  # event: sent | not_sent  (data: channel, template; never the target's URL)
    "note",  # anything else worth a line
]


# The approval events that are golive waiting, not someone answering.
WAITING_EVENTS = ("asked", "reminded")


def is_answer(entry: TimelineEntry) -> bool:
    """An approval entry that is someone's answer (or the timeout), not golive asking or reminding."""
    return entry.kind == "approval" and entry.event not in WAITING_EVENTS


PRODUCTION_TOUCHED = ("gate", "started", "Production deploy")  # the marker: kind, event, gate


def utc_now() -> datetime:
    return datetime.now(UTC)


class TimelineEntry(BaseModel):
    at: datetime = Field(default_factory=utc_now)
    launch: str  # the launch's flow run id
    release: str
    kind: Kind
    event: str
    summary: str  # one sentence an operator reads at 2 a.m.
    gate: str = ""
    actor: str = "golive"  # who did it: golive, an approver's name, "launch hook on_failure", "server automation"
    data: dict[str, Any] = Field(default_factory=dict)  # the numbers behind the summary

    @property
    def sort_key(self) -> tuple[datetime, str]:
        return (self.at, self.kind)


def ordered(entries: list[TimelineEntry]) -> list[TimelineEntry]:
    return sorted(entries, key=lambda e: e.sort_key)


def timeline_markdown(entries: list[TimelineEntry], title: str = "Timeline") -> str:
    """The Scribe's log as a markdown table (times in UTC)."""

    def cell(text: object) -> str:
        return str(text).replace("|", "\\|").replace("\n", " ")

    rows = [
        f"# {title}",
        "",
        "| time (UTC) | gate | what | who | summary |",
        "|---|---|---|---|---|",
    ]
    for entry in ordered(entries):
        rows.append(
            f"| {entry.at:%H:%M:%S} | {cell(entry.gate or '-')} | {entry.kind} {entry.event} | "
            f"{cell(entry.actor)} | {cell(entry.summary)} |"
        )
    return "\n".join(rows) + "\n"


def touched_production(entries: list[TimelineEntry]) -> bool:
    kind, event, gate = PRODUCTION_TOUCHED
    return any(e.kind == kind and e.event == event and e.gate == gate for e in entries)


def last_gate(entries: list[TimelineEntry]) -> str:
    """Where the launch stopped: the last gate that failed, else the last one started."""
    gates = [e for e in entries if e.kind == "gate" and e.gate]
    failed = [e.gate for e in gates if e.event == "failed"]
    return failed[-1] if failed else (gates[-1].gate if gates else "pre-flight")
