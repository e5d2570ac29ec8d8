"""The notifier contract, run against every kind the notifier registry lists, on a real Prefect API.

A block of the kind's declared type, saved on the server, loads by the name a plan gives it
and sends the launch's message to a loopback HTTP server; a send that fails (a dead port)
is detected, and never raises into the launch. A new kind is tested by being registered:
`test_every_kind_has_a_world` fails until WORLDS says how to aim its block at loopback.

Slack's block is given an Apprise URL of the loopback server (`json://`): Apprise's Slack plugin
only posts to hooks.slack.com, and SlackWebhook hands any other URL to Apprise as it is, so what
arrives is Apprise's JSON, not Slack's. Teams' block gets a Power Automate (Workflows) URL on a
loopback HTTPS server with a self-signed certificate (`verify=no`): its real wire format arrives.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from blocks.plan import LaunchPlan, Notification, load_plan
from flows.notify import _send, _why, announce
from golive.core.messages import render
from golive.local.prefect_server import free_port
from tasks.notify_blocks import forget_loaded_blocks, load_notification_block
from tasks.notify_registry import NOTIFIERS
from tests.loopback import QuietHandler, serving

REPO = Path(__file__).resolve().parents[2]
SECRET = "s3cr3t-c0ntract-t0ken"  # in every block's URL: it must never reach an error or a log
REASON = "contract-reason-7f3a"


class _Sink(QuietHandler):
    posts: list[tuple[str, bytes]] = []
    lock = threading.Lock()

    def do_POST(self) -> None:  # noqa: N802 (http.server's name)
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        with _Sink.lock:
            _Sink.posts.append((self.path, body))
        self.answer(200, b"{}", {"Content-Type": "application/json"})


@dataclass(frozen=True)
class World:
    tls: bool
    fields: Callable[[str], dict[str, Any]]  # "host:port" -> the block's fields, aimed there


WORLDS: dict[str, World] = {
    "slack": World(False, lambda at: {"url": f"json://{at}/slack/{SECRET}"}),
    "teams": World(
        True,
        lambda at: {
            "url": f"https://{at}/workflows/golive/triggers/manual/paths/invoke"
            f"?api-version=2016-06-01&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0"
            f"&sig={SECRET}&verify=no"
        },
    ),
    "webhook": World(
        False,
        lambda at: {
            "name": "golive contract",
            "url": "{{hook}}",
            "json_data": {"text": "{{body}}"},
            "secrets": {"hook": f"http://{at}/hook?token={SECRET}"},
            "allow_private_urls": True,
        },
    ),
}


def _saved(kind: str, at: str) -> tuple[LaunchPlan, Notification]:
    """A block of the kind's type saved on the API, and the sandbox plan sending to it alone."""
    block_name = f"contract-{kind}"
    NOTIFIERS.get(kind).block_type()(**WORLDS[kind].fields(at)).save(block_name, overwrite=True)
    forget_loaded_blocks()
    note = Notification(name="chat", kind=kind, block=block_name)
    plan = load_plan(REPO / "plans" / "sandbox.yaml", env={})
    return plan.model_copy(update={"notifications": [note]}), note


def test_every_kind_has_a_world() -> None:
    assert sorted(WORLDS) == NOTIFIERS.kinds()


@pytest.mark.parametrize("kind", NOTIFIERS.kinds())
def test_the_kinds_block_loads_from_the_api_and_sends_to_loopback(kind: str, prefect_api) -> None:  # noqa: ANN001
    _Sink.posts.clear()
    with serving(_Sink, tls=WORLDS[kind].tls) as url:
        plan, note = _saved(kind, url.split("://", 1)[1])
        assert type(load_notification_block(note)) is NOTIFIERS.get(kind).block_type()
        message = announce(plan, "v9.9.9", "gate_failed", {"gate": "Gate A", "reason": REASON})
    assert REASON in message.body
    assert len(_Sink.posts) == 1, _Sink.posts
    path, body = _Sink.posts[0]
    assert REASON in json.dumps(json.loads(body), ensure_ascii=False)
    assert SECRET in path  # the secret went where it belongs: in the request, to the receiver


@pytest.mark.parametrize("kind", NOTIFIERS.kinds())
def test_a_failed_send_is_detected_and_never_raises_into_the_launch(kind: str, prefect_api) -> None:  # noqa: ANN001
    plan, note = _saved(kind, f"127.0.0.1:{free_port()}")  # nothing listens there
    message = render(
        "gate_failed", {"app": plan.app, "release": "v9.9.9", "gate": "Gate A", "reason": REASON}
    )
    with pytest.raises(Exception) as failed:  # noqa: PT011 - each block type fails in its own way
        _send(note, message)
    why = _why(failed.value)
    assert SECRET not in why and "127.0.0.1" not in why
    assert (
        announce(plan, "v9.9.9", "gate_failed", {"gate": "Gate A", "reason": REASON}).body
        == message.body
    )
