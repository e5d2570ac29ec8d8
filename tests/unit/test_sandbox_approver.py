"""The sandbox approver answers every sign-off as `sandbox-approver` (UAT as the first signer still
needed), except those $GOLIVE_SANDBOX_APPROVER_HOLD leaves to a person."""

from __future__ import annotations

import uuid

import pytest

from golive.local.approvals_client import PendingApproval
from golive.local.approver_bot import HOLD_ENV, SANDBOX_APPROVER, held_sign_offs, sandbox_policy


def pending(
    key: str, who_field: str = "approver", eligible: list[str] | None = None
) -> PendingApproval:
    return PendingApproval(
        run_id=uuid.uuid4(),
        run_name="launch",
        pause_key=key,
        title=key,
        who_field=who_field,
        eligible=eligible or ["alice", SANDBOX_APPROVER],
        description="",
        paused_since="",
        timeout_at=None,
    )


def test_without_a_hold_every_approval_is_answered_as_the_sandbox_approver(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv(HOLD_ENV, raising=False)
    assert held_sign_offs() == set()
    answer = sandbox_policy(pending("preflight-green-light"))
    assert answer is not None and answer[:2] == (SANDBOX_APPROVER, "approve")


def test_held_sign_offs_are_left_unanswered_and_the_others_are_not(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(HOLD_ENV, " preflight-green-light, gate-a-approval ,")
    assert held_sign_offs() == {"preflight-green-light", "gate-a-approval"}
    assert sandbox_policy(pending("preflight-green-light")) is None
    assert sandbox_policy(pending("gate-a-approval")) is None
    assert sandbox_policy(pending("gate-b-approval")) is not None
    # a gate that refused an answer asks again under gate-a-approval-2: still held
    assert sandbox_policy(pending("gate-a-approval-2")) is None


def test_the_sandbox_codes_use_each_step_once_and_wait_past_the_window(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import pyotp

    from golive.local import approver_bot

    secret = pyotp.random_base32()

    class FakeSecrets:
        def get_secret_value(self, SecretId: str) -> dict[str, str]:  # noqa: N803 - boto3's name
            assert SecretId == "golive/approvers/bob"
            return {"SecretString": secret}

    monkeypatch.setattr(approver_bot.boto3, "client", lambda service: FakeSecrets())
    monkeypatch.setattr(approver_bot.time, "time", lambda: 1_800_000_015.0)
    codes = approver_bot.SandboxCodes()
    totp, step = pyotp.TOTP(secret), 1_800_000_015 // 30
    assert [codes("bob"), codes("bob"), codes("bob")] == [
        totp.generate_otp(step),
        totp.generate_otp(step + 1),  # the next step's code: inside the flow's window
        None,  # the window's codes are spent: wait for the clock
    ]
