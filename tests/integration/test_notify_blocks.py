"""Notification blocks are loaded once per minute, not per message, and re-saving the sandbox's
block makes the next message load it afresh (a new sandbox has a new chat URL)."""

from __future__ import annotations

from blocks.plan import Notification
from golive.local.sandbox_blocks import SANDBOX_CHAT_BLOCK, ensure_sandbox_blocks
from sandbox import manager
from tasks.notify_blocks import load_notification_block


def test_a_block_is_loaded_once_and_afresh_after_the_sandbox_saves_it(
    sandbox: manager.Sandbox, prefect_api
) -> None:  # noqa: ANN001
    chat = Notification(name="chat", kind="webhook", block=SANDBOX_CHAT_BLOCK)
    try:
        ensure_sandbox_blocks({"GOLIVE_CHAT_WEBHOOK_URL": "http://127.0.0.1:9/first"})
        first = load_notification_block(chat)
        assert load_notification_block(chat) is first
        ensure_sandbox_blocks({"GOLIVE_CHAT_WEBHOOK_URL": "http://127.0.0.1:9/second"})
        again = load_notification_block(chat)
        assert again is not first
        assert again.secrets.get_secret_value()["webhook_url"] == "http://127.0.0.1:9/second"
    finally:  # the other tests of this worker send to the session sandbox's chat
        ensure_sandbox_blocks(sandbox.environment())
