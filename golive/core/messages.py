"""Launch messages: the runbook's templates filled with real numbers (pure).

`render` never raises for missing data: a message must never fail the launch, so an
absent value reads "n/a" and is listed in `Message.missing`. A plan's overrides were
validated when the plan loaded (`blocks/plan/launch_plan.py`); one that still cannot be
rendered falls back to the runbook's wording.

The value helpers turn a plan and a verdict's checks into placeholders, so every caller
words numbers the same way: `plan_values`, `measured_values`, `gate_values`, `canary_values`,
`approval_values` (a paused gate's, with `shown_summary` of what its approver is shown).
"""

from __future__ import annotations

import re
import string
from collections.abc import Iterable, Mapping
from datetime import datetime

from pydantic import BaseModel, Field

from blocks.message_templates import TEMPLATES
from blocks.plan import LaunchPlan
from golive.core.checks import CheckResult
from golive.core.formatting import budget_ms, percent_limit, shorten

__all__ = [
    "MISSING",
    "Message",
    "approval_role",
    "approval_values",
    "canary_values",
    "decision_word",
    "gate_values",
    "launch_label",
    "measured_values",
    "no_decision_reason",
    "orphan_reason",
    "plan_values",
    "rejection_reason",
    "render",
    "shown_summary",
    "slo_label",
]

MISSING = "n/a"

# The runbook's words for the gates' success messages: (what passed, detail, what comes next).
_GATE_WORDS: Mapping[str, tuple[str, str, str]] = {
    "Pre-flight": ("Plan, environments and roles confirmed", "All checks green", "Gate A"),
    "Gate A": ("Staging validation complete", "{slo_values}, All tests green", "Gate B"),
    "Gate B": ("Production environment ready", "All systems green", "deployment"),
}


class Message(BaseModel):
    name: str  # the template's name
    subject: str
    body: str
    missing: list[str] = Field(default_factory=list)  # placeholders rendered as "n/a"
    overridden: bool = False  # the plan's wording, not the runbook's


def render(
    name: str, values: Mapping[str, object], overrides: Mapping[str, str] | None = None
) -> Message:
    """Template `name` (a key of TEMPLATES; KeyError otherwise: a bug, not data) with `values`."""
    if name not in TEMPLATES:
        raise KeyError(f"unknown message template {name!r}; templates: {', '.join(TEMPLATES)}")
    template = TEMPLATES[name]
    given = {**template.defaults, **{k: v for k, v in values.items() if v is not None and v != ""}}
    missing: list[str] = []
    override = (overrides or {}).get(name)
    body = _fill(override, given, missing) if override else None
    overridden = body is not None
    if body is None:  # no override, or one that cannot be rendered
        missing.clear()
        body = _fill(template.body, given, missing) or template.body
    subject = _fill(template.subject, given, missing) or template.subject
    return Message(
        name=name,
        subject=subject,
        body=body,
        missing=list(dict.fromkeys(missing)),
        overridden=overridden,
    )


def _fill(text: str, values: Mapping[str, object], missing: list[str]) -> str | None:
    """Replace each {name} literally (no attribute or index lookup: SLO names may hold dots)."""
    try:
        parts = list(string.Formatter().parse(text))
    except ValueError:
        return None
    out = []
    for literal, field, _spec, _conversion in parts:
        out.append(literal)
        if field is None:
            continue
        if field in values:
            out.append(str(values[field]))
        else:
            missing.append(field)
            out.append(MISSING)
    return "".join(out)


# --------------------------------------------------------------------- values


def slo_label(name: str) -> str:
    """'board' -> 'Board', as the runbook writes it."""
    return name[:1].upper() + name[1:]


def plan_values(
    plan: LaunchPlan, release: str, *, launch: str = "", driver: str = ""
) -> dict[str, str]:
    """The placeholders every template may use: app, release, targets, per-SLO thresholds."""
    slos = plan.slos
    targets = [f"{slo_label(s.name)} {s.stat} <{budget_ms(s.threshold)}" for s in slos.latency]
    targets.append(f"errors <{percent_limit(slos.error_rate.target)}")
    values = {
        "app": plan.app,
        "release": release,
        "launch": launch,
        "driver": driver,
        "slo_targets": ", ".join(targets),
        "error_target": percent_limit(slos.error_rate.target),
        "error_limit": percent_limit(slos.error_rate.limit),
        "window": _minutes(float(plan.stabilization.window)),
    }
    values.update({f"{s.name}_threshold": budget_ms(s.threshold) for s in slos.latency})
    return {k: v for k, v in values.items() if v}


def measured_values(plan: LaunchPlan, checks: Iterable[CheckResult]) -> dict[str, str]:
    """Error rate and each latency SLO's value from a verdict's checks ('error rate', 'board p95')."""
    by_name = {c.name: c for c in checks}
    values: dict[str, str] = {}
    if "error rate" in by_name:
        values["error_rate"] = by_name["error rate"].value
        if by_name["error rate"].samples is not None:
            values["samples"] = str(by_name["error rate"].samples)
    shown = []
    for slo in plan.slos.latency:
        check = by_name.get(f"{slo.name} {slo.stat}")
        if check is not None:
            values[slo.name] = check.value
            shown.append(f"{slo_label(slo.name)}: {check.value}")
    if shown:
        values["slo_values"] = ", ".join(shown)
    return values


def gate_values(gate: str, measured: Mapping[str, str] | None = None) -> dict[str, str]:
    """gate, gate_summary, gate_detail and next_step in the runbook's words, for gate_passed."""
    summary, detail, next_step = _GATE_WORDS.get(
        gate, ("All checks passed", "All checks green", "")
    )
    if "{slo_values}" in detail:
        detail = detail.replace("{slo_values}", (measured or {}).get("slo_values", MISSING))
    values = {"gate": gate, "gate_summary": summary, "gate_detail": detail}
    if next_step:
        values["next_step"] = next_step
    return values


def canary_values(plan: LaunchPlan, percent: int) -> dict[str, str]:
    """percent, next_percent and next_step ('30%', or 'Gate G' after the last step)."""
    steps = plan.canary.steps
    later = [step for step in steps if step > percent]
    values = {"percent": str(percent), "next_step": f"{later[0]}%" if later else "Gate G"}
    if later:
        values["next_percent"] = str(later[0])
    return values


SUMMARY_LIMIT = 400
_CELL_SPLIT = re.compile(r"(?<!\\)\|")


def shown_summary(markdown: str, limit: int = SUMMARY_LIMIT) -> str:
    """What an approver is shown (`checks_markdown`'s heading, summary and table, or a heading and
    paragraphs) as one short line for a chat: the paragraphs, then each check as `name value`
    ("Checks: ✅ build ok; ✅ error rate 0.12 %"), cut at `limit`."""
    prose: list[str] = []
    checks: list[str] = []
    for line in markdown.splitlines():
        text = line.strip()
        if not text or text.startswith("#") or text.startswith("|---"):
            continue
        if text.startswith("|"):
            cells = [c.strip().replace("\\|", "|") for c in _CELL_SPLIT.split(text.strip("|"))]
            if len(cells) >= 3 and cells[1] and cells[1] != "check":
                icon = cells[0].split(" ")[0]
                checks.append(" ".join(part for part in (icon, cells[1], cells[2]) if part))
            continue
        prose.append(text)
    parts = [" ".join(prose)] if prose else []
    if checks:
        parts.append("Checks: " + "; ".join(checks) + ".")
    return shorten(" ".join(parts), limit) if parts else ""


def approval_values(
    *,
    gate: str,
    title: str,
    shown: str,
    approvers: Iterable[str],
    proof: str,
    deadline: datetime,
    remaining_s: float,
    run_id: str,
    ui_url: str | None,
) -> dict[str, str]:
    """The placeholders of approval_requested and approval_reminder. With no Prefect UI URL known the
    link says so, and names the run and the command that decides it instead."""
    link = (
        f"{ui_url.rstrip('/')}/runs/flow-run/{run_id}"
        if ui_url
        else f"no Prefect UI URL is known; resume run {run_id} in the UI or with "
        f"`golive approve {run_id}`"
    )
    return {
        "gate": gate,
        "title": title,
        "summary": shown_summary(shown),
        "approvers": ", ".join(approvers),
        "proof": "answer with your name and one-time code"
        if proof == "totp"
        else "answer with your name",
        "deadline": f"{deadline:%Y-%m-%d %H:%M:%S}",
        "remaining": _remaining(remaining_s),
        "link": link,
        "run_id": run_id,
    }


# ------------------------------------------------------------------- wording


def launch_label(release: str, driver: str = "", app: str = "") -> str:
    """'StatusBoardV2 v1.4.0 by dana': a launch named as its people know it (not Prefect's run name)."""
    named = " ".join(part for part in (app, release or "?") if part)
    return f"{named} by {driver}" if driver else named


def orphan_reason(launch: str, ended_as: str) -> str:
    """Why a step of a dead launch was ended for it: shown on the step's run in the Prefect UI."""
    if ended_as.lower() == "cancelled":
        return f"the launch ({launch}) was cancelled; this step stopped with it"
    return f"the launch ({launch}) ended {ended_as} while this step ran; its process is gone"


_DECIDED = {"approve": "approved", "reject": "rejected"}


def decision_word(decision: str) -> str:
    """'approve' -> 'approved', 'reject' -> 'rejected' (not 'rejectd')."""
    return _DECIDED.get(decision, decision)


def approval_role(who_field: str) -> str:
    """Who decides a pause, as a rejection names them: 'Approver', 'UAT signer'."""
    return "UAT signer" if who_field == "signer" else "Approver"


def rejection_reason(role: str, who: str, title: str, comment: str = "") -> str:
    """ "the Approver rita rejected 'Gate A passed': board looks off": the title is what was refused,
    never the subject of the sentence (so it does not read 'Gate A passed: rejected')."""
    return f"the {role} {who} rejected '{title}'" + (f": {comment}" if comment else "")


def no_decision_reason(title: str, timeout: str) -> str:
    return f"no decision on '{title}' within {timeout} (fails closed)"


def _remaining(seconds: float) -> str:
    """Time left, as a reader counts it: '45s', '12min'."""
    seconds = max(0.0, seconds)
    return f"{seconds:.0f}s" if seconds < 120 else f"{seconds / 60:.0f}min"


def _minutes(seconds: float) -> str:
    """1800 -> '30min' (the runbook's '30min stability'); 45 -> '45s'; 3600 -> '1h'."""
    if seconds >= 3600 and seconds % 3600 == 0:
        return f"{seconds / 3600:g}h"
    if seconds >= 60 and seconds % 60 == 0:
        return f"{seconds / 60:g}min"
    return f"{seconds:g}s"
