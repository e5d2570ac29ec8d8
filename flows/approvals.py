"""Human sign-offs as paused flow runs, resumed from the Prefect UI (or `golive approve`).

A gate that waits says so on the plan's notification channels (`approval_requested`: the numbers
it shows, who may decide, the deadline, the paused run's link in the Prefect UI) and reminds them
once before the timeout if nobody has decided (`approval_reminder`, `approvals.remind_before`).

An answer that does not count — the driver approving their own launch, a name not on the list,
and with `approvals.proof: totp` a wrong or replayed one-time code — is refused and recorded, and
the gate asks again under a new pause key (`gate-a-approval-2`, ...: Prefect skips a pause whose
key already fired, returning the earlier answer) until the deadline, which stays
`approvals.timeout` after the first pause. Only a timeout or a rejection by someone eligible fails
the gate. A one-time code is checked against the approver's secret in AWS Secrets Manager (read
with the launch's AWS role) and then deleted from the Prefect API; it is never logged or recorded,
only the time step it was of (to refuse a replay, after a restart too: the steps are read back
from the launch's timeline).
"""

from __future__ import annotations

import contextvars
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from prefect import get_run_logger
from prefect.client.orchestration import get_client
from prefect.context import FlowRunContext
from prefect.exceptions import FlowPauseTimeout
from prefect.flow_runs import pause_flow_run

from blocks.plan import LaunchPlan
from flows.errors import GateFailed
from flows.notify import announce
from flows.scribe import current, record
from golive.core.approval_model import CODE_FIELD, ApprovalDecision, approval_form, attempt_key
from golive.core.messages import (
    approval_role,
    approval_values,
    decision_word,
    no_decision_reason,
    rejection_reason,
)
from golive.core.totp import check_code
from tasks.approver_secrets import SecretUnavailable, read_totp_secret
from tasks.prefect_links import ui_base_url

# Prefect sleeps the poll interval between reads of the paused run: under a tenth of a second a
# paused gate would only load the API, and a human's decision does not need it sooner.
MIN_POLL_S = 0.1
# Steps each person used in this process, per launch (the timeline holds them for a restart).
_used_steps: dict[tuple[str, str], set[int]] = {}
_used_lock = threading.Lock()


class _Reminder:
    """Calls `send` once after `delay_s` unless stopped first: a thread beside the pause, which
    blocks the flow while it polls. It runs in a copy of the flow's context (its logger, the
    launch's Scribe)."""

    def __init__(self, delay_s: float, send: Callable[[], object]) -> None:
        self._delay_s = delay_s
        self._send = send
        self._stop = threading.Event()
        context = contextvars.copy_context()
        self._thread = threading.Thread(
            target=lambda: context.run(self._run), name="golive-approval-reminder", daemon=True
        )

    def _run(self) -> None:
        if not self._stop.wait(self._delay_s):
            try:
                self._send()
            except Exception as error:  # noqa: BLE001 - a reminder must never stop the launch
                get_run_logger().warning("approval reminder not sent: %s", type(error).__name__)

    def __enter__(self) -> _Reminder:
        if self._delay_s > 0:
            self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()


def _launch_key(flow_run_id: str) -> str:
    scribe = current()
    return scribe.launch if scribe else flow_run_id


def _steps_used(launch: str, who: str) -> set[int]:
    """The time steps `who` used in this launch: this process's, and those on its timeline."""
    with _used_lock:
        steps = set(_used_steps.get((launch, who), set()))
    scribe = current()
    if scribe is not None:
        entries = list(scribe.entries)
        try:
            entries += scribe.read()
        except Exception as error:  # noqa: BLE001 - the process's memory still holds its own
            get_run_logger().warning("timeline not read for used codes: %s", type(error).__name__)
        steps |= {
            int(entry.data["totp_step"])
            for entry in entries
            if entry.kind == "approval"
            and entry.actor == who
            and isinstance(entry.data.get("totp_step"), int)
        }
    return steps


def _use_step(launch: str, who: str, step: int) -> None:
    with _used_lock:
        _used_steps.setdefault((launch, who), set()).add(step)


def _resumed_at(flow_run_id: Any) -> float:
    """When the run was resumed (its Running state's time, the server's clock), else now."""
    try:
        with get_client(sync_client=True) as client:
            state = client.read_flow_run(flow_run_id).state
        if state is not None and state.is_running():
            return state.timestamp.timestamp()
    except Exception:  # noqa: BLE001, S110 - the flow's own clock is the fallback
        pass
    return time.time()


def _forget_answer(answer: Any, flow_run_id: Any) -> None:
    """Delete the answer (its one-time code) from the Prefect API once it has been read."""
    metadata = getattr(answer, "_metadata", None)
    if metadata is None:
        return
    try:
        with get_client(sync_client=True) as client:
            client.delete_flow_run_input(flow_run_id, metadata.key)
    except Exception as error:  # noqa: BLE001 - a spent code is worth nothing; say so and go on
        get_run_logger().warning("answer not deleted from the API: %s", type(error).__name__)


def _code_refusal(
    plan: LaunchPlan, who: str, code: str, at: float, launch: str
) -> tuple[str, int | None]:
    """Why `code` does not prove `who` ('' if it does), and the time step it proved."""
    settings = plan.approvals
    try:
        secret = read_totp_secret(plan.environments.production, settings.secret_prefix, who)
    except SecretUnavailable as error:
        return f"{who}'s secret could not be read ({error})", None
    checked = check_code(secret, code, at, _steps_used(launch, who))
    return ("" if checked.accepted else checked.why), checked.step


@dataclass
class _SignOff:
    """One sign-off: what is asked, of whom, until when; and the answers it refused."""

    gate: str
    pause_key: str
    title: str
    shown: str
    plan: LaunchPlan
    driver: str
    people: list[str]
    who_field: str
    forbid_driver: bool
    flow_run_id: Any
    release: str
    started: float = field(default_factory=time.monotonic)
    refused: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.settings = self.plan.approvals
        self.totp = self.settings.proof == "totp"
        self.timeout_s = float(self.settings.timeout)
        self.deadline = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=self.timeout_s)
        self.form = approval_form(
            self.title, self.people, self.shown, self.who_field, with_code=self.totp
        )
        # who can decide: the form's names but the driver (whom the form offers, to refuse them)
        self.deciders = [
            name for name in self.people if not (self.forbid_driver and name == self.driver)
        ]
        self.launch = _launch_key(str(self.flow_run_id or ""))
        self.link_base = ui_base_url()

    def left_s(self) -> float:
        return self.timeout_s - (time.monotonic() - self.started)

    def values(self) -> dict[str, str]:
        return {
            "driver": self.driver,
            **approval_values(
                gate=self.gate,
                title=self.title,
                shown=self.shown,
                approvers=self.deciders,
                proof=self.settings.proof,
                deadline=self.deadline,
                remaining_s=self.left_s(),
                run_id=str(self.flow_run_id or ""),
                ui_url=self.link_base,
            ),
        }

    def _record(self, event: str, summary: str, actor: str = "golive", **data: Any) -> None:
        record(
            "approval",
            event,
            summary,
            gate=self.gate,
            actor=actor,
            data={"key": self.pause_key, **data},
        )

    def ask(self) -> None:
        asked = self.values()
        get_run_logger().info(
            "%s: waiting for %s - resume this run in the Prefect UI (%s) or with `golive approve` "
            "(as one of: %s%s). Times out in %s, at %s UTC.",
            self.gate,
            self.title,
            asked["link"],
            ", ".join(self.deciders),
            "; with your one-time code" if self.totp else "",
            self.settings.timeout.text,
            asked["deadline"],
        )
        self._record(
            "asked",
            f"asked {', '.join(self.deciders)} for '{self.title}' (deadline {asked['deadline']} UTC)",
            eligible=self.deciders,
            deadline=asked["deadline"],
            proof=self.settings.proof,
        )
        announce(self.plan, self.release, "approval_requested", asked, gate=self.gate)

    def remind(self) -> None:
        reminder = self.values()
        self._record(
            "reminded",
            f"reminded {', '.join(self.deciders)}: '{self.title}' undecided, "
            f"{reminder['remaining']} left",
            deadline=reminder["deadline"],
        )
        announce(self.plan, self.release, "approval_reminder", reminder, gate=self.gate)

    def wait(self, key: str) -> Any:
        """The next answer, or GateFailed at the deadline (fails closed)."""
        left = self.left_s()
        try:
            if left < 1:
                raise FlowPauseTimeout("the deadline passed")
            return pause_flow_run(
                wait_for_input=self.form,
                timeout=int(left),
                key=key,
                poll_interval=max(MIN_POLL_S, float(self.settings.poll_interval)),
            )
        except FlowPauseTimeout:
            reason = no_decision_reason(self.title, self.settings.timeout.text)
            if self.refused:
                reason += f"; refused: {'; '.join(self.refused)}"
            self._record("timed_out", reason, "nobody", pause=key, refused=len(self.refused))
            raise GateFailed(self.gate, reason) from None

    def judge(self, answer: Any) -> tuple[str, int | None]:
        """Why `answer` does not count ('' if it does), and the code's time step (totp)."""
        code = getattr(answer, CODE_FIELD, None)
        at = _resumed_at(self.flow_run_id) if self.totp else time.time()
        if self.totp:
            _forget_answer(answer, self.flow_run_id)
        who = getattr(answer, self.who_field)
        if who not in self.people:
            return f"{who} is not one of {', '.join(self.people)}", None
        if self.forbid_driver and who == self.driver:
            return f"{self.driver} is the driver of this launch and cannot approve it", None
        if self.totp:
            secret_code = code.get_secret_value() if code else ""
            return _code_refusal(self.plan, who, secret_code, at, self.launch)
        return "", None

    def refuse(self, answer: Any, key: str, why: str) -> None:
        who = getattr(answer, self.who_field)
        self.refused.append(f"{who} ({why})")
        get_run_logger().warning(
            "%s: an answer as %s was refused: %s; still waiting", self.gate, who, why
        )
        self._record(
            "refused",
            f"{who} {decision_word(answer.decision)} '{self.title}': refused ({why}); still waiting",
            who,
            pause=key,
            decision=answer.decision,
            why=why,
            title=self.title,
        )

    def decide(self, answer: Any, key: str, step: int | None) -> ApprovalDecision:
        who = getattr(answer, self.who_field)
        if step is not None:
            _use_step(self.launch, who, step)
        decided = ApprovalDecision(
            gate=self.gate,
            pause_key=key,
            decision=answer.decision,
            approver=who,
            comment=answer.comment,
            decided_at=datetime.now(UTC).isoformat(),
            shown=self.shown,
        )
        word = decision_word(decided.decision)
        note = f": {decided.comment}" if decided.comment else ""
        get_run_logger().info("%s: %s %s '%s'%s", self.gate, who, word, self.title, note)
        proof: dict[str, Any] = {"proof": self.settings.proof}
        if step is not None:
            proof["totp_step"] = step  # the code's time step, never the code: refuses its replay
        self._record(
            word,
            f"{who} {word} '{self.title}'{note}",
            who,
            pause=key,
            decision=decided.decision,
            comment=decided.comment,
            decided_at=decided.decided_at,
            title=self.title,
            **proof,
        )
        return decided


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
    """Pause until someone eligible decides; a timeout or a rejection fails the gate.

    The driver is offered in the form like anyone on the list, so that a self-approval is
    recorded and refused here (separation of duties) rather than silently impossible; the
    gate then keeps waiting for someone else.
    """
    context = FlowRunContext.get()
    scribe = current()
    parameters = context.parameters if context else {}
    sign_off = _SignOff(
        gate=gate,
        pause_key=pause_key,
        title=title,
        shown=shown,
        plan=plan,
        driver=driver,
        people=eligible if eligible is not None else plan.roles.approvers,
        who_field=who_field,
        forbid_driver=forbid_driver,
        flow_run_id=context.flow_run.id if context and context.flow_run else None,
        release=scribe.release if scribe else str(parameters.get("release", "")),
    )
    sign_off.ask()
    with _Reminder(sign_off.timeout_s - plan.approvals.reminder_lead_s, sign_off.remind):
        attempt = 0
        while True:
            attempt += 1
            key = attempt_key(pause_key, attempt)
            answer = sign_off.wait(key)
            why, step = sign_off.judge(answer)
            if why:
                sign_off.refuse(answer, key, why)
                continue
            decided = sign_off.decide(answer, key, step)
            if not decided.approved:
                raise GateFailed(
                    gate,
                    rejection_reason(
                        approval_role(who_field), decided.approver, title, decided.comment
                    ),
                )
            return decided
