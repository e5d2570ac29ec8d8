"""The runbook's communication templates and the placeholders each may use (pure data).

This lives in blocks/ so that the plan model can validate a plan's template overrides
(`communications.templates`) without importing golive; `golive/messages.py` renders
from the same table.

Placeholders are `{name}`. Every template may use the plan's placeholders (app,
release, targets: `PLAN_PLACEHOLDERS` plus `{<slo>_threshold}` per latency SLO);
templates that report measurements may also use `MEASURED_PLACEHOLDERS` plus `{<slo>}`
per latency SLO (its measured value, e.g. `{board}`). Values arrive formatted with
their units, so a placeholder takes no format spec or conversion.
"""

from __future__ import annotations

import string
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

__all__ = [
    "APPROVAL_PLACEHOLDERS",
    "MEASURED_PLACEHOLDERS",
    "PLAN_PLACEHOLDERS",
    "TEMPLATES",
    "Template",
    "fields_of",
    "placeholders",
    "template_problem",
]

# From the plan and the launch: every template may use these.
PLAN_PLACEHOLDERS: tuple[str, ...] = (
    "app",
    "release",
    "launch",
    "driver",
    "slo_targets",
    "error_target",
    "error_limit",
    "window",
)
# From a verdict or a health check: error rate, each latency SLO "Name: value", and per SLO `{<slo>}`.
MEASURED_PLACEHOLDERS: tuple[str, ...] = ("error_rate", "slo_values", "samples")
# A paused gate's: its title, a short summary of what the approver is shown, who may decide and how
# (`proof`: "your name" or "your name and one-time code"), the deadline (UTC), the time left, the
# paused run's link in the Prefect UI (or, with no UI URL known, the run id and `golive approve`).
APPROVAL_PLACEHOLDERS: tuple[str, ...] = (
    "gate",
    "title",
    "summary",
    "approvers",
    "proof",
    "deadline",
    "remaining",
    "link",
    "run_id",
)


@dataclass(frozen=True)
class Template:
    subject: str
    body: str  # what a plan's override replaces
    extra: tuple[str, ...] = ()  # placeholders of this template beyond the plan's
    measured: bool = False  # may use MEASURED_PLACEHOLDERS and {<slo>}
    defaults: Mapping[str, str] = field(default_factory=dict)  # used when a value is not given


# The runbook's wording ("Communication Template(s)"), with its XXX/[X] blanks as placeholders.
TEMPLATES: Mapping[str, Template] = {
    "kickoff": Template(
        "{app} GO-LIVE initiated · {release}",
        "🚀 {app} GO-LIVE initiated. Target SLOs: {slo_targets}. Team ready. Beginning Gate A validation.",
    ),
    "gate_passed": Template(
        "{gate} PASSED · {app} {release}",
        "{gate} PASSED - {gate_summary}. {gate_detail}. Proceeding to {next_step}.",
        extra=("gate", "gate_summary", "gate_detail", "next_step"),
        measured=True,
    ),
    "gate_failed": Template(
        "{gate} FAILED · {app} {release}",
        "{gate} FAILED - {reason}. Halting launch for investigation. ETA for retry: {retry_eta}",
        extra=("gate", "reason", "retry_eta"),
        measured=True,
        defaults={"retry_eta": "to be decided"},
    ),
    "canary_stage_passed": Template(
        "Canary {percent}% PASSED · {app} {release}",
        "Canary {percent}% PASSED - Error: {error_rate}, {slo_values}. Advancing to {next_step}.",
        extra=("gate", "percent", "next_percent", "next_step"),
        measured=True,
    ),
    "canary_stage_failed": Template(
        "🚨 SLO breach at {percent}% rollout · {app} {release}",
        "🚨 SLO breach detected at {percent}% rollout. Metrics: {metrics}. Executing emergency rollback immediately.",
        extra=("gate", "percent", "metrics", "reason"),
        measured=True,
    ),
    # A rollback that runs on its own (a state hook's, the server's, an operator's) says so: after a
    # crash nothing else would tell the channel that production is being rolled back.
    "rollback_started": Template(
        "🚨 {mode} rollback started · {app} {release}",
        "🚨 {mode} rollback of {app} {release} started ({triggered_by}): {reason}. Restoring {restored_release}.",
        extra=("mode", "reason", "triggered_by", "restored_release"),
        defaults={"mode": "Emergency", "restored_release": "the previous release"},
    ),
    "rollback_failed": Template(
        "❌ {mode} rollback FAILED · {app} {release}",
        "❌ {mode} rollback of {app} {release} FAILED - {failure}. Production may still serve {release}: "
        "roll back by hand (`prefect deployment run rollback/full`) and check the edge.",
        extra=("mode", "reason", "triggered_by", "restored_release", "failure"),
        defaults={"mode": "Emergency"},
    ),
    "rollback_complete": Template(
        "{mode} rollback COMPLETE · {app} {release}",
        "{mode} rollback COMPLETE. System restored to previous state. Health verified. "
        "Incident investigation initiated.",
        extra=("mode", "reason", "restored_release"),
        defaults={"mode": "Emergency"},
    ),
    "stabilization_passed": Template(
        "Gate G PASSED · {app} {release}",
        "Gate G PASSED - {window} stability confirmed. All SLOs green. {app} launch SUCCESSFUL!",
        extra=("checkpoints",),
        measured=True,
    ),
    "stabilization_failed": Template(
        "Gate G FAILED · {app} {release}",
        "Gate G FAILED - Post-launch instability detected. Executing full rollback to ensure system stability.",
        extra=("reason", "checkpoint"),
        measured=True,
    ),
    "launch_success": Template(
        "🎉 {app} launch COMPLETE · {release}",
        "🎉 {app} launch COMPLETE! 100% rollout stable for {window}. All SLOs green. Monitoring continues.",
        measured=True,
    ),
    # No runbook wording for the sign-offs' messages: a gate that waits says so where people are, with
    # the numbers it shows, who may decide, until when, and where to decide (the paused run in the UI).
    "approval_requested": Template(
        "⏸ {gate} waits for a sign-off · {app} {release}",
        "⏸ {gate} waits for a sign-off: '{title}'. {summary} Who may decide: {approvers} "
        "({proof}). Deadline: {deadline} UTC. Decide here: {link}",
        extra=APPROVAL_PLACEHOLDERS,
    ),
    "approval_reminder": Template(
        "⏰ {gate} still waits for a sign-off · {app} {release}",
        "⏰ Reminder: {gate} still waits for '{title}' - {remaining} left, then it fails closed "
        "(deadline {deadline} UTC). Who may decide: {approvers} ({proof}). Decide here: {link}",
        extra=APPROVAL_PLACEHOLDERS,
    ),
    # No runbook wording for these two: the same voice, with the reason.
    "launch_failed": Template(
        "❌ {app} launch FAILED · {release}",
        "❌ {app} {release} launch FAILED at {gate} - {reason}. Incident investigation initiated.",
        extra=("gate", "reason"),
    ),
    "health_check_failed": Template(
        "⚠️ {app} health check FAILED · {release}",
        "⚠️ {app} health check FAILED for {release} - {failed_checks}. Error: {error_rate}, {slo_values}.",
        extra=("failed_checks",),
        measured=True,
    ),
}


def placeholders(name: str, slo_names: Iterable[str]) -> list[str]:
    """Every placeholder template `name` may use, given the plan's latency SLO names."""
    template = TEMPLATES[name]
    names = list(slo_names)
    found = [*PLAN_PLACEHOLDERS, *(f"{slo}_threshold" for slo in names), *template.extra]
    if template.measured:
        found += [*MEASURED_PLACEHOLDERS, *names]
    return list(dict.fromkeys(found))


def fields_of(text: str) -> list[tuple[str, str, str | None]]:
    """(field name, format spec, conversion) of each placeholder; ValueError if the braces are malformed."""
    return [
        (name, spec or "", conversion)
        for _, name, spec, conversion in string.Formatter().parse(text)
        if name is not None
    ]


def template_problem(name: str, text: str, slo_names: Iterable[str]) -> str | None:
    """What is wrong with `text` as an override of template `name`, or None if it can be used."""
    if name not in TEMPLATES:
        return f"unknown template {name!r}; templates: {', '.join(TEMPLATES)}"
    if not text.strip():
        return "a non-empty message"
    try:
        fields = fields_of(text)
    except ValueError as error:
        return f"not a valid template ({error}); write a literal brace as {{{{ or }}}}"
    available = placeholders(name, slo_names)
    for field_name, spec, conversion in fields:
        if field_name == "" or field_name.isdigit():
            return f"placeholders need a name such as {{app}}; available: {', '.join(available)}"
        if field_name not in available:
            return f"unknown placeholder {{{field_name}}}; available: {', '.join(available)}"
        if spec or conversion:
            return f"{{{field_name}}} takes no format spec or conversion (values arrive formatted)"
    return None
