"""The plan's `approvals:`, `notifications:` and `communications:` sections: who hears what.

`Approvals` is how long a gate waits for a decision, how often it looks, when it reminds the
approvers, and what an answer must prove (`proof`: a bare name, or the approver's one-time code
checked against their secret in AWS Secrets Manager); a `Notification` names a Prefect block
messages go to; `Communications` overrides the runbook's message templates by name (checked
against the SLOs in `launch_plan.py`).
"""

from __future__ import annotations

from typing import Literal, Self

from pydantic import Field, model_validator

from blocks.plan.base import _Model
from blocks.plan.errors import _Checks
from blocks.plan.strings import BlockName, SecretPrefix, Slug
from blocks.plan.units import Duration, PositiveDuration

# The reminder, when the plan names none: a quarter of the timeout, at most 15 minutes before it.
DEFAULT_REMIND_SHARE = 0.25
DEFAULT_REMIND_MAX_S = 900.0
DEFAULT_SECRET_PREFIX = "golive/approvers/"

Proof = Literal["name", "totp"]


class Approvals(_Model):
    timeout: PositiveDuration = Duration(3600, "1h")  # then the gate fails closed
    poll_interval: PositiveDuration = Duration(
        5, "5s"
    )  # how often a paused gate checks for a decision
    # how long before the timeout the approvers are reminded (if still undecided); None: the default
    remind_before: PositiveDuration | None = None
    # what an answer proves: `name` (nothing but a name from the list) or `totp` (a one-time code
    # from that person's secret, RFC 6238)
    proof: Proof = "name"
    # with `totp`: each person's secret is the Secrets Manager secret `<secret_prefix><name>`,
    # read with the production environment's AWS credentials (the launch's role)
    secret_prefix: SecretPrefix = DEFAULT_SECRET_PREFIX

    @model_validator(mode="after")
    def _reminder_before_the_timeout(self) -> Self:
        checks = _Checks()
        if self.remind_before is not None and self.remind_before >= self.timeout:
            checks.fail(
                "remind_before",
                self.remind_before,
                f"must be shorter than timeout ({self.timeout.text!r})",
            )
        checks.raise_any()
        return self

    @property
    def reminder_lead_s(self) -> float:
        """Seconds before the deadline the reminder goes out."""
        if self.remind_before is not None:
            return float(self.remind_before)
        return min(DEFAULT_REMIND_SHARE * float(self.timeout), DEFAULT_REMIND_MAX_S)


class Notification(_Model):
    name: Slug
    kind: Slug  # a notifier kind: tasks/notify_registry.py knows them
    block: BlockName  # Prefect block document name, resolved at pre-flight


class Communications(_Model):
    """Overrides of the runbook's message templates (blocks/message_templates.py), by name."""

    templates: dict[str, str] = Field(
        default_factory=dict
    )  # template name -> body with {placeholders}
