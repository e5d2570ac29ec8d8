"""Human sign-offs as paused flow runs, resumed from the Prefect UI (or `golive approve`)."""

from __future__ import annotations

from datetime import UTC, datetime

from prefect import get_run_logger
from prefect.exceptions import FlowPauseTimeout
from prefect.flow_runs import pause_flow_run

from blocks.plan import LaunchPlan
from flows.errors import GateFailed
from flows.scribe import record
from golive.core.approval_model import ApprovalDecision, approval_form
from golive.core.messages import approval_role, decision_word, no_decision_reason, rejection_reason

# Prefect sleeps the poll interval between reads of the paused run: under a tenth of a second a
# paused gate would only load the API, and a human's decision does not need it sooner.
MIN_POLL_S = 0.1


def request_approval(
    gate: str,
    pause_key: str,
    title: str,
    shown: str,
    plan: LaunchPlan,
    driver: str,
    eligible: list[str] | None = None,
    who_field: str = "approver",
    forbid_driver: bool = True,
) -> ApprovalDecision:
    """Pause until someone eligible decides. Timeout, rejection or self-approval fail the gate.

    The driver is offered in the form like anyone on the list, so that a self-approval is
    recorded and refused here (separation of duties) rather than silently impossible.
    """
    logger = get_run_logger()
    people = eligible if eligible is not None else plan.roles.approvers
    form = approval_form(title, people, shown, who_field)
    timeout = int(plan.approvals.timeout)
    logger.info(
        "%s: waiting for %s - resume this run in the Prefect UI or with `golive approve` "
        "(as one of: %s). Times out in %ss.",
        gate,
        title,
        ", ".join(people),
        timeout,
    )
    try:
        answer = pause_flow_run(
            wait_for_input=form,
            timeout=timeout,
            key=pause_key,
            poll_interval=max(MIN_POLL_S, float(plan.approvals.poll_interval)),
        )
    except FlowPauseTimeout:
        record(
            "approval",
            "timed_out",
            no_decision_reason(title, plan.approvals.timeout.text),
            gate=gate,
            actor="nobody",
            data={"key": pause_key},
        )
        raise GateFailed(gate, no_decision_reason(title, plan.approvals.timeout.text)) from None
    decided = ApprovalDecision(
        gate=gate,
        pause_key=pause_key,
        decision=answer.decision,
        approver=getattr(answer, who_field),
        comment=answer.comment,
        decided_at=datetime.now(UTC).isoformat(),
        shown=shown,
    )
    word = decision_word(decided.decision)
    logger.info(
        "%s: %s %s '%s'%s",
        gate,
        decided.approver,
        word,
        title,
        f" - {decided.comment}" if decided.comment else "",
    )
    refused = forbid_driver and decided.approver == driver
    event = "refused" if refused else word
    record(
        "approval",
        event,
        f"{decided.approver} {word} '{title}'"
        + (f": {decided.comment}" if decided.comment else "")
        + (" (the driver: refused)" if refused else ""),
        gate=gate,
        actor=decided.approver,
        data={
            "key": pause_key,
            "decision": decided.decision,
            "comment": decided.comment,
            "decided_at": decided.decided_at,
            "title": title,
        },
    )
    if refused:
        raise GateFailed(
            gate, f"{driver} is the driver of this launch and cannot approve it ('{title}')"
        )
    if not decided.approved:
        raise GateFailed(
            gate,
            rejection_reason(approval_role(who_field), decided.approver, title, decided.comment),
        )
    return decided
