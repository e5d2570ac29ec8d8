"""The notifiers: one entry per kind a plan's `notifications[].kind` may name, with its Prefect block type.

A kind is a Prefect notification block type (golive sends through the blocks, so a webhook URL
stays a secret on the server). To add one: an entry below, one line; the plan check
(tasks/plugins.py), block loading (tasks/notify_blocks.py), `golive plan check`'s block check
(tasks/plan_blocks.py) and the contract test (tests/integration/test_notifier_contract.py) then
know it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from blocks.plan import LaunchPlan, Notification, Problem
from golive.core.registry import Registry, kind_problem

if TYPE_CHECKING:
    from prefect.blocks.notifications import NotificationBlock

__all__ = ["NOTIFIERS", "Notifier", "notifier_for", "notifier_problems"]


@dataclass(frozen=True)
class Notifier:
    kind: str
    block_class: str  # its class in prefect.blocks.notifications
    sends_to: str  # what a message reaches, for people: "Slack"

    def block_type(self) -> type[NotificationBlock]:
        # Imported on first use: prefect takes seconds to import, and a plan check needs only the kinds.
        from prefect.blocks import notifications

        block_type: type[NotificationBlock] = getattr(notifications, self.block_class)
        return block_type

    def describe(self, notification: Notification) -> str:
        """One line naming the channel, what it reaches and the block; never the block's secret URL."""
        return f"{notification.name}: {self.sends_to} through the {self.block_class} block {notification.block!r}"


NOTIFIERS: Registry[Notifier] = Registry(
    "notifier",
    [
        Notifier("slack", "SlackWebhook", "Slack"),
        Notifier("teams", "MicrosoftTeamsWebhook", "Microsoft Teams"),
        Notifier("webhook", "CustomWebhookNotificationBlock", "a custom webhook"),
    ],
)


def notifier_for(notification: Notification) -> Notifier:
    """The notification's entry; UnknownPlugin if its kind has none (check_plugins says so first)."""
    return NOTIFIERS.get(notification.kind)


def notifier_problems(plan: LaunchPlan) -> list[Problem]:
    """Each notification whose kind no notifier declares, at notifications.<i>.kind."""
    found = (
        kind_problem(NOTIFIERS, note.kind, ("notifications", index, "kind"))
        for index, note in enumerate(plan.notifications)
    )
    return [problem for problem in found if problem is not None]
