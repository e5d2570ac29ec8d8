"""Values for `{id}` and the other placeholders (`{sku}`) in request paths, from the plan's
`probe.id_source` (shared by smoke checks, the probe and the scenarios).

The values are fetched once per run (smoke) or per probe, then picked at random, one record
per request (golive/core/captures.py: values that share an item stay together), so a check
of the drawer exercises real appointments without hard-coding one that a reset or a
migration could remove.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable

import httpx

from blocks.plan import PLACEHOLDER, IdSource
from golive.core import jsonpath
from golive.core.captures import Records, Value, usable
from tasks.http_auth import redact, safe_url
from tasks.metrics.transport import ProbeSession, TransportError

__all__ = ["ID_PLACEHOLDER", "IdPool", "IdSourceError", "ids_in"]

ID_PLACEHOLDER = "{id}"
_ATTEMPTS = 5  # the id source goes through the router too: a few 5xx must not sink a whole probe


class IdSourceError(RuntimeError):
    """No usable ids; the message names the URL and what went wrong, never credentials."""


def ids_in(doc: object, source: IdSource) -> list[str]:
    """The scalar values `source.json_path` reaches in a parsed body, as strings (pure)."""
    if source.json_path is None:
        return []
    return [str(value) for value in jsonpath.find(doc, source.json_path) if usable(value)]


class IdPool:
    """Records from one id source ({id}, {sku}, ...), loaded on first use and then picked at random."""

    def __init__(self, source: IdSource, rng: random.Random | None = None) -> None:
        self.source = source
        self._rng = rng or random.Random()
        self._records: Records | None = None
        names = ", ".join(f"{{{name}}}" for name in source.paths)
        self._what = "ids for {id}" if list(source.paths) == ["id"] else f"values for {names}"

    @property
    def loaded(self) -> bool:
        return self._records is not None

    def record(self) -> dict[str, Value]:
        """One record drawn at random: each name the source captures -> its value, with its JSON type."""
        if not self._records:
            raise IdSourceError(
                f"{self._what} not loaded"
            )  # a programming error, not a service one
        return self._records.draw(self._rng)

    def fill(self, path: str) -> str:
        """`path` with its placeholders replaced by one record's values (load first)."""
        if not PLACEHOLDER.search(path):
            return path
        record = self.record()
        return PLACEHOLDER.sub(lambda m: str(record[m[1]]) if m[1] in record else m[0], path)

    def load(self, client: httpx.Client, base_url: str, auth: httpx.Auth | None = None) -> None:
        if self._records is not None:
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
        raise IdSourceError(f"cannot get {self._what} from GET {safe_url(url)}: {error}")

    async def aload(
        self, session: ProbeSession, base_url: str, auth: httpx.Auth | None = None
    ) -> None:
        """As `load`, on the probe's session: the id request is also the probe's warm-up."""
        if self._records is not None:
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
        raise IdSourceError(f"cannot get {self._what} from GET {safe_url(url)}: {error}")

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
            records = Records(parsed(), self.source.paths)
        except ValueError:
            raise IdSourceError(
                f"cannot get {self._what} from GET {url}: the body is not JSON"
            ) from None
        if not records:
            paths = self.source.paths
            raise IdSourceError(
                f"cannot get {self._what} from GET {url}: "
                + (
                    f"{paths['id']} matched no ids"
                    if list(paths) == ["id"]
                    else f"no item gives every one a value ({', '.join(paths.values())})"
                )
            )
        self._records = records
        return True
