"""Post-launch summaries from the timeline (pure): the runbook's `uat-validation.sh report`
and `execute-launch-playbook.sh report`.

Steps are found by the `gate` of timeline entries. A gate may be written with its
description ("Gate C — canary 10 %", "Gate A · v1.4.0"); the step is the part before
" — " or " · ". A step that started and never ended failed if the launch ended after it
began (or a later step ran); one that began after the launch's end (Post-launch, which
writes these documents) is in progress.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from blocks.plan import LaunchPlan
from golive.core.checks import CheckResult
from golive.core.formatting import elapsed, md_cell
from golive.core.gate_checks import NO_UAT
from golive.core.timeline import TimelineEntry, is_answer, ordered

__all__ = [
    "StepSummary",
    "canary_gate",
    "canary_letter",
    "playbook_steps",
    "playbook_summary_markdown",
    "smoke_results",
    "step_of",
    "uat_signoffs",
    "uat_summary_markdown",
]

StepStatus = Literal["passed", "failed", "skipped", "in progress", "not reached"]
_BEFORE_CANARY = ("Pre-flight", "Gate A", "Gate B", "Production deploy")
_POST_LAUNCH = "Post-launch"
_AFTER_CANARY = ("Gate G", _POST_LAUNCH)
_LAUNCH_ENDS = ("completed", "failed", "crashed", "cancelled")
_ENDED: dict[str, StepStatus] = {"passed": "passed", "failed": "failed", "skipped": "skipped"}
_ICON = {"passed": "✅", "failed": "❌", "skipped": "⏭️", "in progress": "⏳", "not reached": "·"}


def step_of(gate: str) -> str:
    """'Gate C — canary 10 % · v1.4.0' -> 'Gate C'."""
    return gate.split(" — ")[0].split(" · ")[0].strip()


def canary_letter(index: int) -> str:
    """The runbook's letter for canary step `index`: C, D, E, F; a plan with more steps goes on
    F2, F3, ... so that no canary step is ever called G (stabilization)."""
    return "CDEF"[index] if index < 4 else f"F{index - 2}"


def canary_gate(index: int) -> str:
    """'Gate C' for canary step 0, as flows/canary.py names it."""
    return f"Gate {canary_letter(index)}"


def _when(at: datetime | None) -> str:
    return f"{at:%Y-%m-%d %H:%M:%S}" if at else "-"


# ------------------------------------------------------------------------ UAT


def uat_signoffs(entries: Sequence[TimelineEntry]) -> list[TimelineEntry]:
    return [
        e
        for e in ordered(list(entries))
        if is_answer(e) and str(e.data.get("key", "")).startswith("uat-signoff")
    ]


def smoke_results(entries: Sequence[TimelineEntry], step: str = "Gate A") -> list[CheckResult]:
    """The smoke checks ('suite/check') of the step's last entry that carries checks."""
    for entry in reversed(ordered(list(entries))):
        checks = entry.data.get("checks")
        if step_of(entry.gate) == step and isinstance(checks, list) and checks:
            parsed = [CheckResult.model_validate(c) for c in checks if isinstance(c, dict)]
            return [c for c in parsed if "/" in c.name]
    return []


def uat_summary_markdown(
    entries: Sequence[TimelineEntry], signers: Sequence[str] | None = None
) -> str:
    """Who signed UAT, when, with what comment; missing signers (if `signers` given: the plan's, where
    an empty list means the plan requires no UAT); Gate A smoke results."""
    signoffs = uat_signoffs(entries)
    approved = list(dict.fromkeys(e.actor for e in signoffs if e.event == "approved"))
    lines = ["# UAT summary", ""]
    if signers is not None and not signers:
        lines += [f"**UAT: {NO_UAT}** (roles.uat_signers is empty).", ""]
    elif signers:
        missing = [name for name in signers if name not in approved]
        verdict = "approved" if not missing else f"NOT approved — missing: {', '.join(missing)}"
        lines += [
            f"**UAT {verdict}** ({len(signers) - len(missing)} of {len(signers)} required sign-offs).",
            "",
        ]
    if signoffs:
        lines += ["| signer | decision | when (UTC) | comment |", "|---|---|---|---|"]
        for e in signoffs:
            comment = e.data.get("comment") or "-"
            lines.append(f"| {md_cell(e.actor)} | {e.event} | {_when(e.at)} | {md_cell(comment)} |")
    elif signers is None or signers:  # with no UAT required, the line above said it all
        lines.append("No UAT sign-off recorded.")
    lines.append("")
    smoke = smoke_results(entries)
    if smoke:
        lines += ["## Gate A smoke results", "", "| suite | passed | failed |", "|---|---|---|"]
        suites: dict[str, list[CheckResult]] = {}
        for check in smoke:
            suites.setdefault(check.name.split("/", 1)[0], []).append(check)
        for suite, checks in suites.items():
            bad = [c for c in checks if not c.ok]
            lines.append(
                f"| {md_cell(suite)} | {len(checks) - len(bad)} of {len(checks)} | "
                f"{md_cell(', '.join(f'{c.name}: {c.value}' for c in bad) or '-')} |"
            )
        lines.append("")
    return "\n".join(lines)


# ------------------------------------------------------------------- playbook


@dataclass(frozen=True)
class StepSummary:
    step: str  # 'Gate C'
    label: str  # 'Gate C — canary 10 %'
    status: StepStatus
    start: datetime | None
    end: datetime | None
    approvals: tuple[str, ...]  # 'alice', or 'bob (rejected)'

    @property
    def duration(self) -> float | None:
        return (self.end - self.start).total_seconds() if self.start and self.end else None


def _canary_labels(entries: list[TimelineEntry], plan: LaunchPlan | None) -> dict[str, str]:
    if plan is not None:
        return {
            canary_gate(i): f"{canary_gate(i)} — canary {p} %"
            for i, p in enumerate(plan.canary.steps)
        }
    fixed = {*_BEFORE_CANARY, *_AFTER_CANARY}
    labels: dict[str, str] = {}
    for e in entries:  # without a plan, the canary steps that left a trace, in order
        step = step_of(e.gate)
        if step.startswith("Gate ") and step not in fixed and step not in labels:
            labels[step] = e.gate.split(" · ")[0].strip()
    return labels


def playbook_steps(
    entries: Sequence[TimelineEntry], plan: LaunchPlan | None = None
) -> list[StepSummary]:
    """Each runbook step's status, times and approvals; the plan (if given) names canary steps not reached."""
    timeline = ordered(list(entries))
    labels = (
        {s: s for s in _BEFORE_CANARY}
        | _canary_labels(timeline, plan)
        | {s: s for s in _AFTER_CANARY}
    )
    launch_ends = [e.at for e in timeline if e.kind == "launch" and e.event in _LAUNCH_ENDS]
    by_step: dict[str, list[TimelineEntry]] = {step: [] for step in labels}
    for e in timeline:
        if step_of(e.gate) in by_step:
            by_step[step_of(e.gate)].append(e)
    steps = list(labels)
    # Post-launch runs however the launch ended: it does not make the steps before it skipped
    reached_after = {
        step: any(by_step[later] for later in steps[i + 1 :] if later != _POST_LAUNCH)
        for i, step in enumerate(steps)
    }
    out = []
    for step in steps:
        mine = by_step[step]
        ends = [e for e in mine if e.kind == "gate" and e.event in _ENDED]
        last = ends[-1] if ends else None
        status: StepStatus
        if last is not None:
            status = _ENDED[last.event]
        elif mine:
            # Started and never ended: the launch ended (died) inside it, or a later step ran. A step
            # that began after the launch's end is still running: Post-launch writes the report itself.
            died_inside = any(end >= mine[0].at for end in launch_ends)
            status = "failed" if died_inside or reached_after[step] else "in progress"
        else:
            status = "skipped" if reached_after[step] else "not reached"
        approvals = tuple(
            e.actor if e.event == "approved" else f"{e.actor} ({e.event.replace('_', ' ')})"
            for e in mine
            if is_answer(e)
        )
        out.append(
            StepSummary(
                step=step,
                label=labels[step],
                status=status,
                start=mine[0].at if mine else None,
                end=last.at if last is not None else None,
                approvals=approvals,
            )
        )
    return out


def playbook_summary_markdown(
    entries: Sequence[TimelineEntry], plan: LaunchPlan | None = None
) -> str:
    steps = playbook_steps(entries, plan)
    lines = [
        "# Playbook summary",
        "",
        "| step | status | start (UTC) | end (UTC) | duration | approved by |",
        "|---|---|---|---|---|---|",
    ]
    for s in steps:
        duration = elapsed(s.duration) if s.duration is not None else "-"
        lines.append(
            f"| {md_cell(s.label)} | {_ICON[s.status]} {s.status} | {_when(s.start)} | {_when(s.end)} | "
            f"{duration} | {md_cell(', '.join(s.approvals) or '-')} |"
        )
    return "\n".join(lines) + "\n"
