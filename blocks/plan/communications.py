"""The plan's `approvals:`, `notifications:` and `communications:` sections: who hears what.

`Approvals` is how long a gate waits for a decision and how often it looks; a
`Notification` names a Prefect block messages go to; `Communications` overrides the
runbook's message templates by name (checked against the SLOs in `launch_plan.py`).
"""

from __future__ import annotations

from pydantic import Field

from blocks.plan.base import _Model
from blocks.plan.strings import BlockName, Slug
from blocks.plan.units import Duration, PositiveDuration


class Approvals(_Model):
    timeout: PositiveDuration = Duration(3600, "1h")  # then the gate fails closed
    poll_interval: PositiveDuration = Duration(
        5, "5s"
    )  # how often a paused gate checks for a decision


class Notification(_Model):
    name: Slug
    kind: Slug  # a notifier kind: tasks/notify_registry.py knows them
    block: BlockName  # Prefect block document name, resolved at pre-flight


class Communications(_Model):
    """Overrides of the runbook's message templates (blocks/message_templates.py), by name."""

    templates: dict[str, str] = Field(
        default_factory=dict
    )  # template name -> body with {placeholders}
