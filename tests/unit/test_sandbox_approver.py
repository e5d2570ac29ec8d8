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
