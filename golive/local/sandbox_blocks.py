"""Prefect blocks the sandbox plan names: the chat sink as a custom-webhook notification block.

The webhook URL goes in the block's secret values (templated into the URL), so it is
stored encrypted and never shown in the UI, logs or artifacts.
"""

from __future__ import annotations

from tasks.notify_blocks import forget_loaded_blocks
from tasks.notify_registry import NOTIFIERS

SANDBOX_CHAT_BLOCK = "sandbox-chat"
SANDBOX_CHAT_KIND = "webhook"  # plans/sandbox.yaml's notification kind


def ensure_sandbox_blocks(environment: dict[str, str]) -> list[str]:
    chat_block = NOTIFIERS.get(SANDBOX_CHAT_KIND).block_type()
    chat_block(
        name="golive sandbox chat",
        url="{{webhook_url}}",
        method="POST",
        json_data={"text": "{{body}}", "subject": "{{subject}}"},
        secrets={"webhook_url": environment["GOLIVE_CHAT_WEBHOOK_URL"]},
        allow_private_urls=True,  # the sandbox's chat sink listens on loopback
    ).save(SANDBOX_CHAT_BLOCK, overwrite=True)
    forget_loaded_blocks()  # this process may hold the block as it was for an earlier sandbox
    return [SANDBOX_CHAT_BLOCK]
