"""Resolve the plan's notification targets to Prefect notification blocks."""

from __future__ import annotations

from prefect.blocks.notifications import (
    CustomWebhookNotificationBlock,
    MicrosoftTeamsWebhook,
    NotificationBlock,
    SlackWebhook,
)

from blocks.plan import Notification

BLOCK_TYPES: dict[str, type[NotificationBlock]] = {
    "slack": SlackWebhook,
    "teams": MicrosoftTeamsWebhook,
    "webhook": CustomWebhookNotificationBlock,
}


def load_notification_block(notification: Notification) -> NotificationBlock:
    """Load the block; errors name the block but never its secret fields."""
    block_type = BLOCK_TYPES[notification.kind]
    try:
        return block_type.load(notification.block)
    except ValueError as error:
        raise LookupError(f"notification {notification.name!r}: no {block_type.__name__} block named "
                          f"{notification.block!r} on the Prefect server (create it in the UI: Blocks)") from error
