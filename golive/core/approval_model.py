"""The Resume form an approver fills in (pure: builds pydantic/RunInput classes, no I/O).

`approver` is an enum of the plan's allow-list, so the Prefect UI shows a dropdown and
the server rejects any other name when the run is resumed (a name proves nothing: anyone who
can reach the Prefect API can pick any name of the list). `decision` and `approver`
have no default, so the form requires them. With `approvals.proof: totp` the form also
asks for `code`, the approver's one-time code (a password field in the UI; the flow checks
it). The description is what the approver is shown (markdown), and it is recorded with the
decision.

A gate asks again after a refused answer, under a new pause key (Prefect skips a pause whose
key already fired): the first pause has the documented key (`gate-a-approval`), the next ones
`gate-a-approval-2`, `gate-a-approval-3`, ... (`attempt_key`, `is_attempt_of`).
"""

from __future__ import annotations

from typing import Literal

import pydantic
from prefect.input import RunInput

Decision = Literal["approve", "reject"]
CODE_FIELD = "code"


def attempt_key(base: str, attempt: int) -> str:
    """The pause key of a gate's `attempt`-th pause: the base key first, then `<base>-<n>`."""
    return base if attempt <= 1 else f"{base}-{attempt}"


def is_attempt_of(key: str, base: str) -> bool:
    """Whether pause `key` is one of the pauses of the sign-off whose first key is `base`."""
    if key == base:
        return True
    number = key.removeprefix(f"{base}-")
    return number != key and number.isdigit() and int(number) >= 2


class ApprovalDecision(pydantic.BaseModel):
    gate: str
    pause_key: str
    decision: Decision
    approver: str
    comment: str = ""
    decided_at: str
    shown: str  # the markdown the approver saw

    @property
    def approved(self) -> bool:
        return self.decision == "approve"


def approval_form(
    title: str,
    approvers: list[str],
    shown_markdown: str,
    who_field: str = "approver",
    with_code: bool = False,
) -> type[RunInput]:
    if not approvers:
        raise ValueError("an approval needs at least one eligible approver")
    fields = {
        "decision": (
            Decision,
            pydantic.Field(..., description="approve lets the launch go on; reject stops it"),
        ),
        who_field: (
            Literal[tuple(approvers)],
            pydantic.Field(..., description="who you are (from the plan's list)"),
        ),
        "comment": (str, pydantic.Field("", description="optional note for the launch record")),
    }
    if with_code:
        # a SecretStr: a password field in the UI, and never in a repr or a log line
        fields[CODE_FIELD] = (
            pydantic.SecretStr,
            pydantic.Field(
                ..., description="your one-time code (authenticator app, 6 digits, RFC 6238)"
            ),
        )
    form = pydantic.create_model(_class_name(title), __base__=RunInput, **fields)  # type: ignore[call-overload]
    form._description = shown_markdown
    return form


def _class_name(title: str) -> str:
    words = "".join(ch if ch.isalnum() else " " for ch in title).split()
    return "".join(w.capitalize() for w in words) or "Approval"
