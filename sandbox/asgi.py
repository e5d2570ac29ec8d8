"""The little of ASGI the hot path needs: read a request body, send a whole response.

The edges and the backends are plain ASGI callables rather than Starlette apps: under the
probe's load every microsecond the simulator spends on itself is one the client measures.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ARRIVED = "golive.arrived"  # scope key: time.monotonic() when the request's first bytes were read


class CoalescingTransport:
    """A transport that writes what one turn of the loop wrote in one go.

    uvicorn writes a response's headers and its body separately: two segments, and a client
    woken twice per response. Under load the client's wake-ups are what it measures.
    """

    def __init__(self, transport: asyncio.Transport, loop: asyncio.AbstractEventLoop) -> None:
        self._transport = transport
        self._loop = loop
        self._pending: list[bytes] = []

    def write(self, data: bytes) -> None:
        if not self._pending:
            self._loop.call_soon(self.flush)
        self._pending.append(bytes(data))

    def flush(self) -> None:
        if self._pending:
            data = b"".join(self._pending)
            self._pending.clear()
            if not self._transport.is_closing():
                self._transport.write(data)

    def close(self) -> None:
        self.flush()
        self._transport.close()

    def abort(self) -> None:
        self._pending.clear()
        self._transport.abort()

    def __getattr__(self, name: str) -> Any:  # everything else is the real transport's
        return getattr(self._transport, name)


class StampedHttpToolsProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol, noting when a request's bytes came off the socket, on a
    transport that writes each response in one segment.

    The app runs in a task started on a later turn of the loop; under load that gap is
    time the client waits, so a deadline counted from the app's call would come late.
    """

    _data_arrived = 0.0

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(CoalescingTransport(transport, self.loop))  # type: ignore[arg-type]

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


async def send_response(
    send: Send, status: int, headers: list[tuple[bytes, bytes]], body: bytes
) -> None:
    """One response with its Content-Length (uvicorn drops the body of a HEAD response itself)."""
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [*headers, (b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})
