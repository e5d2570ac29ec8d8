"""The Resume form an approver fills in (pure: builds pydantic/RunInput classes, no I/O).

`approver` is an enum of the plan's allow-list, so the Prefect UI shows a dropdown and
the server rejects any other name when the run is resumed. `decision` and `approver`
have no default, so the form requires them. The description is what the approver is
shown (markdown), and it is recorded with the decision.
"""

from __future__ import annotations

from typing import Literal

import pydantic
from prefect.input import RunInput

Decision = Literal["approve", "reject"]


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
    title: str, approvers: list[str], shown_markdown: str, who_field: str = "approver"
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
    form = pydantic.create_model(_class_name(title), __base__=RunInput, **fields)  # type: ignore[call-overload]
    form._description = shown_markdown
    return form


def _class_name(title: str) -> str:
    words = "".join(ch if ch.isalnum() else " " for ch in title).split()
    return "".join(w.capitalize() for w in words) or "Approval"
