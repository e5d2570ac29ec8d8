"""The notifier registry: each kind's Prefect block type, the plan's kinds checked where it is loaded.

(That each block type loads from a real Prefect API and sends: tests/integration/test_notifier_contract.py.)
"""

from __future__ import annotations

from pathlib import Path

import pytest
from prefect.blocks.notifications import NotificationBlock

from blocks.plan import Notification, PlanError, read_plan_file, validate_plan
from tasks.notify_registry import NOTIFIERS, notifier_for
from tasks.plugins import check_plugins

REPO = Path(__file__).resolve().parents[2]


def test_the_kinds_are_slack_teams_and_webhook() -> None:
    assert NOTIFIERS.kinds() == ["slack", "teams", "webhook"]


@pytest.mark.parametrize("kind", NOTIFIERS.kinds())
def test_each_kind_declares_a_prefect_notification_block_type(kind: str) -> None:
    notifier = NOTIFIERS.get(kind)
    assert issubclass(notifier.block_type(), NotificationBlock)
    note = Notification(name="launch-chat", kind=kind, block="launch-chat-block")
    assert notifier_for(note) is notifier
    assert notifier.describe(note) == (
        f"launch-chat: {notifier.sends_to} through the {notifier.block_class} block 'launch-chat-block'"
    )


def test_an_unknown_kind_is_refused_where_the_plan_is_loaded_naming_the_known_ones() -> None:
    raw = read_plan_file(REPO / "plans" / "sandbox.yaml")
    raw["notifications"] = [
        {"name": "chat", "kind": "webhook", "block": "sandbox-chat"},
        {"name": "mail", "kind": "email", "block": "launch-mail"},
    ]
    plan = validate_plan(raw, env={})  # a name is all the plan model asks of a kind
    with pytest.raises(PlanError) as caught:
        check_plugins(plan)
    assert caught.value.problems == [
        "notifications[1].kind: 'email' — unknown notifier: one of slack, teams, webhook"
    ]
