"""What the operator's commands decide and print (pure): `golive doctor`'s findings, `golive setup`'s
actions, `golive history`'s rows. The Prefect and AWS reads live in `golive/operator/`."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from pathlib import PurePosixPath
from typing import Any, Literal

from golive.core.outcomes import FINAL_STATE_TYPES

# --- golive doctor --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Finding:
    """One line of `golive doctor`: ✓ or ✗ (or ℹ advice, which blocks nothing) and what to do."""

    check: str
    ok: bool
    detail: str
    fix: str = ""  # what to do when not ok
    advice: bool = False  # an ℹ line: cannot be checked from the API, never blocks

    @property
    def mark(self) -> str:
        return "ℹ" if self.advice else ("✓" if self.ok else "✗")

    def line(self) -> str:
        text = f"{self.mark} {self.check}: {self.detail}"
        return text + (f"\n    → {self.fix}" if self.fix and not self.ok else "")


def blocking(findings: Iterable[Finding]) -> list[Finding]:
    return [f for f in findings if not f.ok and not f.advice]


def findings_json(findings: Sequence[Finding]) -> dict[str, Any]:
    return {
        "ready": not blocking(findings),
        "findings": [{**asdict(f), "mark": f.mark} for f in findings],
    }


def worker_is_live(
    status: str,
    last_heartbeat: datetime | None,
    interval_s: float | None,
    now: datetime,
    missed_beats: int = 3,
) -> bool:
    """ONLINE by the server's word *and* a heartbeat within `missed_beats` intervals (30 s if the
    worker gave none): a server that has not yet noticed a dead worker still says ONLINE."""
    if status.upper() != "ONLINE" or last_heartbeat is None:
        return False
    return now - last_heartbeat <= timedelta(seconds=missed_beats * (interval_s or 30))


SANDBOX_PLANS = ("sandbox.yaml", "rehearsal.yaml")


def sandbox_plan_default(parameters: Mapping[str, Any]) -> str | None:
    """The deployment's default `plan` if it is one of the repo's sandbox plans, else None: a real
    launch must name its plan, never fall back to the sandbox's."""
    plan = parameters.get("plan")
    if isinstance(plan, str) and PurePosixPath(plan).name in SANDBOX_PLANS:
        return plan
    return None


# --- golive setup ---------------------------------------------------------------------------------

Action = Literal["created", "updated", "found"]


@dataclass(frozen=True)
class SetupStep:
    kind: str  # "block type", "work pool", "deployment", "automation"
    name: str
    action: Action
    detail: str = ""

    def line(self) -> str:
        mark = {"created": "+", "updated": "~", "found": "="}[self.action]
        return f"{mark} {self.kind} {self.name}: {self.action}" + (
            f" ({self.detail})" if self.detail else ""
        )


def setup_summary(steps: Sequence[SetupStep]) -> str:
    counts = {a: sum(1 for s in steps if s.action == a) for a in ("created", "updated", "found")}
    return ", ".join(f"{n} {a}" for a, n in counts.items())


# --- golive history -------------------------------------------------------------------------------


@dataclass(frozen=True)
class LaunchRow:
    id: str
    release: str
    driver: str
    state: str  # Prefect's state name
    state_type: str
    started: datetime | None
    ended: datetime | None
    stopped_at: str  # the last gate it reached when it did not complete; "" when it did
    plan: str

    @property
    def duration(self) -> timedelta | None:
        return self.ended - self.started if self.started and self.ended else None

    def as_json(self) -> dict[str, Any]:
        duration = self.duration
        return {
            "id": self.id,
            "release": self.release,
            "driver": self.driver,
            "state": self.state,
            "state_type": self.state_type,
            "started": self.started.isoformat() if self.started else None,
            "ended": self.ended.isoformat() if self.ended else None,
            "duration_s": round(duration.total_seconds(), 1) if duration else None,
            "stopped_at": self.stopped_at or None,
            "plan": self.plan,
        }


def gate_of(run_name: str) -> str:
    """A gate subflow's run name without its release: "Gate A — staging validation · v1.4.0" ->
    "Gate A — staging validation"."""
    return run_name.rsplit(" · ", 1)[0]


def stopped_at(state_type: str, children: Sequence[tuple[str, str, datetime | None]]) -> str:
    """Where a launch that did not complete stopped: its last gate subflow by start (name, state
    name, start), with that gate's state; "" for a completed launch."""
    if state_type.upper() == "COMPLETED":
        return ""
    started = [c for c in children if c[2] is not None]
    if not started:
        return "before the first gate" if state_type.upper() in FINAL_STATE_TYPES else ""
    name, state, _ = max(started, key=lambda c: c[2])  # type: ignore[arg-type,return-value]
    return f"{gate_of(name)} ({state})"


def format_duration(duration: timedelta | None) -> str:
    if duration is None:
        return "-"
    seconds = int(duration.total_seconds())
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    return f"{hours}h{minutes:02d}m" if hours else f"{minutes}m{seconds:02d}s"
