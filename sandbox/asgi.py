"""The little of ASGI the hot path needs: read a request body, send a whole response.

The edges and the backends are plain ASGI callables rather than Starlette apps: under the
probe's load every microsecond the simulator spends on itself is one the client measures.
"""

from __future__ import annotations

import time
from typing import Any, Awaitable, Callable, MutableMapping

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ARRIVED = "golive.arrived"  # scope key: time.monotonic() when the request's first bytes were read


class StampedHttpToolsProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol, noting when a request's bytes came off the socket.

    The app runs in a task started on a later turn of the loop; under load that gap is
    time the client waits, so a deadline counted from the app's call would come late.
    """

    _data_arrived = 0.0

    def data_received(self, data: bytes) -> None:
        self._data_arrived = time.monotonic()
        super().data_received(data)

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self.scope[ARRIVED] = self._data_arrived  # type: ignore[literal-required]


def arrival(scope: Scope) -> float:
    """When the request arrived: the protocol's stamp, else now (another server runs the app)."""
    return scope.get(ARRIVED) or time.monotonic()


async def read_body(receive: Receive) -> bytes:
    chunks = []
    while True:
        message = await receive()
        if message["type"] != "http.request":  # http.disconnect: the client went away
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


async def send_response(send: Send, status: int, headers: list[tuple[bytes, bytes]], body: bytes) -> None:
    """One response with its Content-Length (uvicorn drops the body of a HEAD response itself)."""
    await send({"type": "http.response.start", "status": status,
                "headers": [*headers, (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})
