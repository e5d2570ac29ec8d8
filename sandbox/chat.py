"""The chat sink: records every notification POSTed to it, in order.

It stands in for the Slack/Teams channel; `golive sandbox messages` and the tests read
what the launch announced.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route


class ChatLog:
    def __init__(self) -> None:
        self._messages: list[dict[str, Any]] = []
        self._lock = threading.Lock()

    def add(self, channel: str, body: Any) -> dict[str, Any]:
        with self._lock:
            message = {
                "seq": len(self._messages) + 1,
                "at": time.time(),
                "channel": channel,
                "text": _text_of(body),
                "body": body,
            }
            self._messages.append(message)
            return message

    def list(self) -> list[dict[str, Any]]:
        with self._lock:
            return list(self._messages)

    def clear(self) -> None:
        with self._lock:
            self._messages.clear()


def _text_of(body: Any) -> str:
    """The human text of a Slack/Teams/webhook payload, whatever its shape."""
    if isinstance(body, dict):
        for key in ("text", "message", "body", "summary"):
            if isinstance(body.get(key), str):
                return body[key]
        return json.dumps(body, sort_keys=True)
    return str(body)


def create_chat_sink(log: ChatLog, token: str) -> Starlette:
    """POST /hooks/<channel>/<token> records a message; a wrong token is a 404, as Slack answers."""

    async def receive(request: Request) -> Response:
        if not secrets.compare_digest(request.path_params["token"], token):
            return JSONResponse({"ok": False, "error": "no_such_hook"}, status_code=404)
        raw = await request.body()
        try:
            body: Any = json.loads(raw) if raw else {}
        except ValueError:
            body = raw.decode("utf-8", "replace")
        message = log.add(request.path_params["channel"], body)
        return JSONResponse({"ok": True, "seq": message["seq"]})

    async def messages(request: Request) -> Response:
        if request.method == "DELETE":
            log.clear()
            return JSONResponse({"ok": True})
        return JSONResponse(log.list())

    return Starlette(
        routes=[
            Route("/messages", messages, methods=["GET", "DELETE"]),
            Route("/hooks/{channel}/{token}", receive, methods=["POST"]),
        ]
    )
