"""Communications: the runbook's templates, filled with real numbers, sent through the
Prefect notification blocks the plan names, of the kinds the notifier registry knows
(`tasks/notify_registry.py`: Slack, Microsoft Teams, a custom webhook).

A message that cannot be sent never fails or blocks the launch: each send runs in a
thread with a deadline, and the outcome — sent or not, and why in a few words — goes to
the timeline. Why never includes the error's text: an HTTP error names its URL, and a
webhook URL is a secret. A block that reports a failed send instead of raising (the
Apprise-based Slack and Teams blocks) is asked to raise, so a message that did not go out is
recorded as not sent.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import inspect
from collections.abc import Mapping

import httpx
from prefect import get_run_logger
from prefect.exceptions import MissingContextError

from blocks.plan import LaunchPlan, Notification
from flows.scribe import record
from golive.core.messages import Message, plan_values, render
from tasks.notify_blocks import load_notification_block
from tasks.notify_registry import notifier_for

SEND_DEADLINE_S = 15.0
_pool = concurrent.futures.ThreadPoolExecutor(max_workers=4, thread_name_prefix="golive-notify")


def _why(error: BaseException) -> str:
    """A short reason with no URL, token or body in it."""
    if isinstance(error, httpx.HTTPStatusError):
        return f"HTTP {error.response.status_code}"
    if isinstance(error, concurrent.futures.TimeoutError):
        return f"no answer within {SEND_DEADLINE_S:g}s"
    if isinstance(error, LookupError):
        return "notification block not found"
    return type(error).__name__


def _send(notification: Notification, message: Message) -> None:
    block = load_notification_block(notification)
    with block.raise_on_failure():  # Apprise blocks otherwise only log a failed send
        result = block.notify(message.body, message.subject)
        if inspect.isawaitable(
            result
        ):  # called where an event loop runs: async_dispatch gave a coroutine
            asyncio.run(result)  # type: ignore[arg-type]


def announce(
    plan: LaunchPlan,
    release: str,
    template: str,
    values: Mapping[str, object] | None = None,
    gate: str = "",
) -> Message:
    """Render `template` and send it to every notification target; record each outcome."""
    message = render(
        template, {**plan_values(plan, release), **(values or {})}, plan.communications.templates
    )
    try:
        logger = get_run_logger()
        logger.info("Announcing: %s", message.body)
    except MissingContextError:
        logger = None
    for notification in plan.notifications:
        future = _pool.submit(_send, notification, message)
        try:
            future.result(timeout=SEND_DEADLINE_S)
        except BaseException as error:  # noqa: BLE001 - a message must never stop the launch
            why = _why(error)
            if logger:
                logger.warning(
                    "Message %r not sent to %s: %s",
                    template,
                    notifier_for(notification).describe(notification),
                    why,
                )
            record(
                "message",
                "not_sent",
                message.body,
                gate=gate,
                data={"template": template, "channel": notification.name, "why": why},
            )
        else:
            record(
                "message",
                "sent",
                message.body,
                gate=gate,
                data={
                    "template": template,
                    "channel": notification.name,
                    "subject": message.subject,
                },
            )
    return message
