"""The probe's HTTP transport (also the share check's): aiohttp, one pooled session, headers from
golive's httpx auths.

Why not httpx here, as everywhere else in golive: the probe is the one place where the
client's own CPU is part of what is measured. httpcore's pool checks every connection on
every request (a syscall each), and at the plan's concurrency that was 1.2-5 ms of client
CPU per request against aiohttp's 0.35-0.6 ms (`bench/sandbox_fidelity.py`, docs/benchmarks.md):
on a busy worker the difference is read as the release's latency.

Authentication stays one implementation: the `httpx.Auth` objects of `tasks.http_auth`
(SigV4, bearer) sign a throwaway `httpx.Request` for the same method and URL, and the
headers they add are sent with the aiohttp request. Their secrets are never kept here.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import functools
import ssl
from collections.abc import Callable, Coroutine, Mapping
from dataclasses import dataclass
from types import TracebackType
from typing import Any, TypeVar

import aiohttp
import httpx
import uvloop

__all__ = ["Answer", "ProbeSession", "TransportError", "auth_headers", "run_blocking"]

USER_AGENT = "golive-probe"
T = TypeVar("T")


class TransportError(RuntimeError):
    """No HTTP response (refused, reset, timed out). The message names the error type only."""


@dataclass(frozen=True)
class Answer:
    status: int
    headers: Mapping[str, str]  # case-insensitive (aiohttp's CIMultiDictProxy)
    body: bytes


def auth_headers(auth: httpx.Auth | None, method: str, url: str) -> dict[str, str]:
    """The headers `auth` adds to a bodiless `method url` request (Host included, as it was signed)."""
    if auth is None:
        return {}
    request = httpx.Request(method, url)
    before = dict(request.headers)
    flow = auth.sync_auth_flow(request)
    signed = next(
        flow
    )  # golive's auths sign in one step; a challenge-response auth is not a probe's
    flow.close()
    added = {name: value for name, value in signed.headers.items() if before.get(name) != value}
    if added:
        added["host"] = signed.headers["host"]  # SigV4 signs Host: send exactly the signed value
    return added


@functools.cache
def _tls_context() -> ssl.SSLContext:
    """One per process: loading the CA bundle costs 20-40 ms, and a context serves many connections."""
    return ssl.create_default_context()


class ProbeSession:
    """`async with ProbeSession(connections, timeout) as session: await session.get(url, auth)`.

    At most `connections` are open at once and kept alive between requests; no cookies are kept
    (every probe request is a first visit), redirects are not followed (a 3xx is the answer).
    """

    def __init__(
        self,
        connections: int,
        timeout: float,
        *,
        user_agent: str = USER_AGENT,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        self._connections = max(1, connections)
        self._timeout = timeout
        self._headers = {"User-Agent": user_agent, **(headers or {})}
        self._session: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> ProbeSession:
        connector = aiohttp.TCPConnector(
            limit=self._connections, limit_per_host=self._connections, ssl=_tls_context()
        )
        self._session = aiohttp.ClientSession(
            connector=connector,
            timeout=aiohttp.ClientTimeout(total=self._timeout),
            cookie_jar=aiohttp.DummyCookieJar(),
            headers=self._headers,
        )
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def get(
        self, url: str, auth: httpx.Auth | None = None, *, timeout: float | None = None
    ) -> Answer:
        """GET `url` and read the whole body; TransportError if no response came."""
        if self._session is None:
            raise RuntimeError("ProbeSession used outside `async with`")
        # aiohttp reads `timeout=None` as "no timeout at all": pass one only to override the session's
        options: dict[str, Any] = (
            {"timeout": aiohttp.ClientTimeout(total=timeout)} if timeout is not None else {}
        )
        try:
            async with self._session.get(
                url, headers=auth_headers(auth, "GET", url), allow_redirects=False, **options
            ) as response:
                return Answer(response.status, response.headers, await response.read())
        except (TimeoutError, aiohttp.ClientError) as error:
            # The type only: aiohttp's messages quote the URL, and a URL may carry a signature.
            raise TransportError(type(error).__name__) from None


def run_blocking(
    make: Callable[[], Coroutine[Any, Any, T]], thread_name: str = "golive-probe"
) -> T:
    """Run `make()` to completion on a fresh uvloop loop, also when called inside a running loop.

    libuv's loop: its callbacks cost a fraction of the pure-Python loop's, and a measuring client's
    own cost per request is time it would read as the server's. asyncio.run refuses to nest, so
    inside a running loop (a Prefect task may have one) it runs on a worker thread, which also keeps
    that loop, busy or not, out of the measurement.
    """

    def run() -> T:
        with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
            return runner.run(make())

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return run()
    with concurrent.futures.ThreadPoolExecutor(
        max_workers=1, thread_name_prefix=thread_name
    ) as pool:
        return pool.submit(run).result()
