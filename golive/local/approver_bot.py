"""An automatic approver: answers paused gates through the API, as a person in the UI would.

The demo runs one as the clearly labelled *sandbox approver* (unless --interactive);
the tests run one with a script of answers per pause key.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable

from prefect.client.orchestration import get_client

from golive.local.approvals_client import PendingApproval, ResumeResult, pending_approvals, resume

Answer = tuple[str, str, str]  # (who, decision, comment)
Policy = Callable[[PendingApproval], Answer | None]

log = logging.getLogger("golive.local.approver_bot")
SANDBOX_APPROVER = "sandbox-approver"
SANDBOX_COMMENT = "auto-approved by the golive SANDBOX approver (demo only)"
HOLD_ENV = "GOLIVE_SANDBOX_APPROVER_HOLD"


def held_sign_offs() -> set[str]:
    """The pause keys named in $GOLIVE_SANDBOX_APPROVER_HOLD (comma-separated, e.g. `preflight-green-light`):
    sign-offs the sandbox approver leaves to a person (Resume in the UI, `golive approve`). The clean-stop
    tests hold a demo's launch at a gate with it, so that their Ctrl-C lands on a launch that is running."""
    return {key.strip() for key in os.environ.get(HOLD_ENV, "").split(",") if key.strip()}


def sandbox_policy(pending: PendingApproval) -> Answer | None:
    """Approve as `sandbox-approver`; sign UAT as the first signer still needed. Held sign-offs
    (`held_sign_offs`) are not answered."""
    if pending.pause_key in held_sign_offs():
        return None
    if pending.who_field == "approver":
        who = SANDBOX_APPROVER if SANDBOX_APPROVER in pending.eligible else None
    else:
        who = pending.eligible[0] if pending.eligible else None
    return (who, "approve", SANDBOX_COMMENT) if who else None


class ApproverBot:
    def __init__(self, policy: Policy, interval: float = 0.3) -> None:
        self.policy = policy
        self.interval = interval
        self.answered: list[tuple[PendingApproval, Answer, ResumeResult]] = []
        self.errors: list[str] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="approver-bot", daemon=True)

    def __enter__(self) -> ApproverBot:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=10)

    def _run(self) -> None:
        tried: set[tuple[str, str]] = set()
        with get_client(sync_client=True) as client:
            while not self._stop.wait(self.interval):
                try:
                    self._answer_pending(client, tried)
                except (
                    Exception
                ) as error:  # keep answering: a passing API error must not end the bot
                    log.warning("approver bot: %s: %s", type(error).__name__, error)
                    self.errors.append(f"{type(error).__name__}: {error}")

    def _answer_pending(self, client, tried: set[tuple[str, str]]) -> None:  # type: ignore[no-untyped-def]
        for pending in pending_approvals(client):
            marker = (str(pending.run_id), pending.pause_key)
            if not pending.ready or marker in tried:
                continue
            answer = self.policy(pending)
            if answer is None:
                continue
            result = resume(pending.run_id, *answer, client=client)
            tried.add(marker)  # one answer per pause, accepted or refused
            self.answered.append((pending, answer, result))
