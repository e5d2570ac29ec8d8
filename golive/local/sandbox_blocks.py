"""Prefect blocks the sandbox plan names: the chat sink as a custom-webhook notification block.

The webhook URL goes in the block's secret values (templated into the URL), so it is
stored encrypted and never shown in the UI, logs or artifacts.
"""

from __future__ import annotations

from prefect.blocks.notifications import CustomWebhookNotificationBlock

from tasks.notify_blocks import forget_loaded_blocks

SANDBOX_CHAT_BLOCK = "sandbox-chat"


def ensure_sandbox_blocks(environment: dict[str, str]) -> list[str]:
    CustomWebhookNotificationBlock(
        name="golive sandbox chat",
        url="{{webhook_url}}",
        method="POST",
        json_data={"text": "{{body}}", "subject": "{{subject}}"},
        secrets={"webhook_url": environment["GOLIVE_CHAT_WEBHOOK_URL"]},
        allow_private_urls=True,  # the sandbox's chat sink listens on loopback
    ).save(SANDBOX_CHAT_BLOCK, overwrite=True)
    forget_loaded_blocks()  # this process may hold the block as it was for an earlier sandbox
    return [SANDBOX_CHAT_BLOCK]
