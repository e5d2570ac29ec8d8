"""Values for `{id}` in request paths, from the plan's `probe.id_source` (shared by smoke checks and the probe).

The ids are fetched once per run (smoke) or per probe, then picked at random, so a
check of the drawer exercises real appointments without hard-coding one that a
reset or a migration could remove.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable

import httpx

from blocks.plan import IdSource
from golive.core import jsonpath
from tasks.http_auth import redact, safe_url
from tasks.metrics.transport import ProbeSession, TransportError

__all__ = ["ID_PLACEHOLDER", "IdPool", "IdSourceError", "ids_in"]

ID_PLACEHOLDER = "{id}"
_ATTEMPTS = 5  # the id source goes through the router too: a few 5xx must not sink a whole probe


class IdSourceError(RuntimeError):
    """No usable ids; the message names the URL and what went wrong, never credentials."""


def ids_in(doc: object, source: IdSource) -> list[str]:
    """The scalar values `source.json_path` reaches in a parsed body, as strings (pure)."""
    return [
        str(value)
        for value in jsonpath.find(doc, source.json_path)
        if isinstance(value, str | int) and not isinstance(value, bool) and str(value) != ""
    ]


class IdPool:
    """Ids from one id source, loaded on first use and then picked at random."""

    def __init__(self, source: IdSource, rng: random.Random | None = None) -> None:
        self.source = source
        self._rng = rng or random.Random()
        self._ids: list[str] | None = None

    @property
    def loaded(self) -> bool:
        return self._ids is not None

    def fill(self, path: str) -> str:
        """`path` with {id} replaced by a random id (load first)."""
        if ID_PLACEHOLDER not in path:
            return path
        if not self._ids:
            raise IdSourceError("ids not loaded")  # a programming error, not a service one
        return path.replace(ID_PLACEHOLDER, self._rng.choice(self._ids))

    def load(self, client: httpx.Client, base_url: str, auth: httpx.Auth | None = None) -> None:
        if self._ids is not None:
            return
        url, error = base_url + self.source.path, ""
        for _ in range(_ATTEMPTS):
            try:
                answer: httpx.Response | httpx.HTTPError = client.get(
                    url, auth=auth or httpx.USE_CLIENT_DEFAULT
                )
            except httpx.HTTPError as exc:
                answer = exc
            if (error := self._attempt_error(answer, url, auth)) is None:
                return
        raise IdSourceError(f"cannot get ids for {{id}} from GET {safe_url(url)}: {error}")

    async def aload(
        self, session: ProbeSession, base_url: str, auth: httpx.Auth | None = None
    ) -> None:
        """As `load`, on the probe's session: the id request is also the probe's warm-up."""
        if self._ids is not None:
            return
        url, error = base_url + self.source.path, ""
        for _ in range(_ATTEMPTS):
            try:
                answer = await session.get(url, auth)
            except TransportError as exc:
                error = f"no response ({exc})"
                continue
            if self._accept(
                answer.status, lambda body=answer.body: json.loads(body), safe_url(url)
            ):
                return
            error = f"status {answer.status}"
        raise IdSourceError(f"cannot get ids for {{id}} from GET {safe_url(url)}: {error}")

    def _attempt_error(
        self, answer: httpx.Response | httpx.HTTPError, url: str, auth: httpx.Auth | None
    ) -> str | None:
        """None once ids are accepted; otherwise why this attempt failed (secrets redacted)."""
        if isinstance(answer, httpx.HTTPError):
            return redact(f"{type(answer).__name__}: {answer}", auth)
        return (
            None
            if self._accept(answer.status_code, answer.json, safe_url(url))
            else f"status {answer.status_code}"
        )

    def _accept(self, status: int, parsed: Callable[[], object], url: str) -> bool:
        if status != 200:
            return False
        try:
            ids = ids_in(parsed(), self.source)
        except ValueError:
            raise IdSourceError(
                f"cannot get ids for {{id}} from GET {url}: the body is not JSON"
            ) from None
        if not ids:
            raise IdSourceError(
                f"cannot get ids for {{id}} from GET {url}: {self.source.json_path} matched no ids"
            )
        self._ids = ids
        return True
