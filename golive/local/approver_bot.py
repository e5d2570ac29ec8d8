"""An automatic approver: answers paused gates through the API, as a person in the UI would.

The demo runs one as the clearly labelled *sandbox approver* (unless --interactive);
the tests run one with a script of answers per pause key. A gate that refused an answer asks
again under a new pause key (`gate-a-approval-2`): the bot answers each pause once. When the
form asks for a one-time code (`approvals.proof: totp`), an answer may carry its own (the
tests' wrong and replayed codes); otherwise the bot computes the person's code from their
sandbox secret in Secrets Manager (`SandboxCodes`).
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

import boto3
from prefect.client.orchestration import get_client

from blocks.plan.communications import DEFAULT_SECRET_PREFIX
from golive.core.approval_model import is_attempt_of
from golive.core.totp import WINDOW_STEPS, totp_of
from golive.local.approvals_client import PendingApproval, ResumeResult, pending_approvals, resume

# (who, decision, comment) or (who, decision, comment, one-time code)
Answer = tuple[str, str, str] | tuple[str, str, str, str]
Policy = Callable[[PendingApproval], Answer | None]
Codes = Callable[[str], str | None]  # a person's one-time code now; None: not yet (wait a step)

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
    if any(is_attempt_of(pending.pause_key, held) for held in held_sign_offs()):
        return None
    if pending.who_field == "approver":
        who = SANDBOX_APPROVER if SANDBOX_APPROVER in pending.eligible else None
    else:
        who = pending.eligible[0] if pending.eligible else None
    return (who, "approve", SANDBOX_COMMENT) if who else None


class SandboxCodes:
    """Each person's one-time code from their sandbox secret (`<prefix><name>` in Secrets Manager,
    seeded by the sandbox), read through `aws` (the sandbox's env: AWS_ENDPOINT_URL, keys, region)
    or else boto3's default chain (the sandbox's AWS when its env is loaded, as in the tests).

    A code is good once, so each answer uses a later time step than the person's last one: the
    current step, else the next (inside the flow's window); past that, None until time moves on."""

    def __init__(
        self, prefix: str = DEFAULT_SECRET_PREFIX, aws: Mapping[str, str] | None = None
    ) -> None:
        self.prefix = prefix
        self.aws = dict(aws or {})
        self._last: dict[str, int] = {}

    def _client(self) -> Any:
        if not self.aws:
            return boto3.client("secretsmanager")
        return boto3.session.Session().client(
            "secretsmanager",
            endpoint_url=self.aws.get("AWS_ENDPOINT_URL"),
            region_name=self.aws.get("AWS_DEFAULT_REGION"),
            aws_access_key_id=self.aws.get("AWS_ACCESS_KEY_ID"),
            aws_secret_access_key=self.aws.get("AWS_SECRET_ACCESS_KEY"),
        )

    def __call__(self, who: str) -> str | None:
        secret = self._client().get_secret_value(SecretId=f"{self.prefix}{who}")
        totp = totp_of(secret["SecretString"])
        now = totp.timecode(time.time())
        step = max(now, self._last.get(who, now - 1) + 1)
        if step > now + WINDOW_STEPS:
            return None
        self._last[who] = step
        return totp.generate_otp(step)


class ApproverBot:
    def __init__(self, policy: Policy, interval: float = 0.3, codes: Codes | None = None) -> None:
        self.policy = policy
        self.interval = interval
        self.codes = codes or SandboxCodes()
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
            who, decision, comment, *given = answer
            code = given[0] if given else None
            if pending.needs_code and code is None:
                code = self.codes(who)
                if code is None:  # this person's codes of the window are spent: next poll
                    continue
            result = resume(pending.run_id, who, decision, comment, client=client, code=code)
            tried.add(marker)  # one answer per pause, accepted or refused
            self.answered.append((pending, answer, result))
