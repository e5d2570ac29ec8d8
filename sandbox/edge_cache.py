"""A CloudFront edge cache for one distribution, as the default cache policy keeps objects.

moto stores distributions and invalidations but has no edge, let alone a cache. This emulates
the documented CloudFront behaviour the edges need, for a cache behaviour that uses the managed
cache policy CachingOptimized:

- The cache key is the viewer request path (the distribution's, not the S3 key: what a viewer
  asked for, after the origin path is added). Query strings, headers and cookies are not in the
  key. A path is case-sensitive.
- How long an object stays comes from its Cache-Control (see `ttl_seconds`): MinTTL 1 s,
  DefaultTTL 86400 s, MaxTTL 31536000 s. An error answer (S3's 404) is kept for the distribution's
  error caching minimum TTL, 10 s by default.
- An object leaves the cache when it expires or when an invalidation covering its path is made
  (`invalidate`): an origin repointed without one keeps being served from the cache. An expired
  object is asked for again; when its ETag is unchanged the answer is a RefreshHit, as CloudFront's
  conditional request to the origin would be.
- Simultaneous misses for one object make one origin request (CloudFront's request collapsing).
- Viewers get the object's Content-Type, Cache-Control, ETag and its S3 user metadata as
  `x-amz-meta-<key>` headers, plus `X-Cache` and, on a hit, `Age`.

A weighted split between two origins in one "distribution" (the sandbox's production edge) is
CloudFront's continuous deployment: the primary and the staging distribution do not share a
cache. So the key also names the version a request was routed to; an invalidation clears both.

A hit is a dict look-up on the event loop; only a miss goes to S3, in a thread. Memory is bounded
(least recently used objects are dropped past a count or a byte budget).
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

# CachingOptimized (managed cache policy 658327ea-f89d-4fab-a63d-7e88639e58f6)
MIN_TTL_S = 1.0
DEFAULT_TTL_S = 86400.0
MAX_TTL_S = 31536000.0
# a distribution's ErrorCachingMinTTL when it has no custom error response for the code
ERROR_CACHING_MIN_TTL_S = 10.0
_UNCACHEABLE = frozenset({"no-cache", "no-store", "private"})

Headers = list[tuple[bytes, bytes]]
Served = tuple[int, Headers, bytes, str]  # status, headers, body, the origin path it came from
_HIT = (b"x-cache", b"Hit from cloudfront")
_MISS = (b"x-cache", b"Miss from cloudfront")
_REFRESH_HIT = (b"x-cache", b"RefreshHit from cloudfront")
_ERROR = (b"x-cache", b"Error from cloudfront")
_NOT_FOUND_HEADERS: Headers = [(b"content-type", b"text/plain; charset=utf-8")]


def ttl_seconds(cache_control: str) -> float:
    """How long CachingOptimized keeps an object whose origin sent this Cache-Control.

    s-maxage wins over max-age; either is held between MinTTL and MaxTTL. `no-cache`, `no-store`
    and `private` (and max-age=0) give MinTTL, since MinTTL > 0. No age directive: DefaultTTL.
    A malformed age is taken as stale (RFC 9111 §4.2.1), so MinTTL.
    """
    directives: dict[str, str | None] = {}
    for part in cache_control.split(","):
        name, _, value = part.strip().partition("=")
        if name:
            directives.setdefault(name.strip().lower(), value.strip().strip('"') if value else None)
    if _UNCACHEABLE & directives.keys():
        return MIN_TTL_S
    for name in ("s-maxage", "max-age"):
        if name in directives:
            try:
                age = float(int(directives[name] or ""))
            except ValueError:
                return MIN_TTL_S
            return max(MIN_TTL_S, min(age, MAX_TTL_S))
    return DEFAULT_TTL_S


def covers(invalidation_path: str, viewer_path: str) -> bool:
    """Whether a CloudFront invalidation path covers a viewer path: the same path, or, for a path
    ending in `*` (the only place the wildcard may stand), any path it is the start of. Case-
    sensitive; the query string is not part of the key, so it is ignored; URL-encoded characters
    are compared decoded."""
    pattern = unquote(invalidation_path.split("?", 1)[0])
    if pattern.endswith("*"):
        return viewer_path.startswith(pattern[:-1])
    return viewer_path == pattern


@dataclass(frozen=True, slots=True)
class S3Object:
    body: bytes
    headers: Headers  # what CloudFront passes on to viewers
    etag: str


@dataclass(slots=True)
class _Entry:
    status: int
    headers: Headers
    body: bytes
    etag: str
    origin_path: str
    stored_at: float
    expires_at: float

    @property
    def size(self) -> int:
        return len(self.body) + 256


def s3_object(obj: dict[str, Any]) -> S3Object:
    """What a viewer is sent of a GetObject answer."""
    content_type = obj.get("ContentType") or "application/octet-stream"
    if content_type.startswith("text/") and "charset=" not in content_type.lower():
        content_type += "; charset=utf-8"  # as Starlette's Response said it
    etag = obj.get("ETag", "")
    headers = [
        (b"content-type", content_type.encode()),
        (b"cache-control", obj.get("CacheControl", "").encode()),
        (b"etag", etag.encode()),
    ]
    headers += [
        (f"x-amz-meta-{key.lower()}".encode(), str(value).encode())
        for key, value in (obj.get("Metadata") or {}).items()
    ]
    return S3Object(obj["Body"].read(), headers, etag)


class EdgeCache:
    """One distribution's edge cache; `key` is (version routed to, viewer path)."""

    def __init__(
        self,
        s3: Any,
        bucket: str,
        *,
        max_entries: int = 4096,
        max_bytes: int = 64 * 1024 * 1024,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._s3 = s3
        self._bucket = bucket
        self._max_entries = max_entries
        self._max_bytes = max_bytes
        self._clock = clock
        self._entries: OrderedDict[tuple[str, str], _Entry] = OrderedDict()
        self._bytes = 0
        self._generation = 0  # bumped by every invalidation: a fetch begun before one is not kept
        self._in_flight: dict[tuple[Any, ...], asyncio.Future[Served]] = {}
        self._lock = threading.Lock()  # writers only: the world's reset clears from a thread

    def __len__(self) -> int:
        return len(self._entries)

    def hit(self, key: tuple[str, str]) -> Served | None:
        """A fresh cached answer, with its Age; None on a miss. No await: the hot path."""
        entries = self._entries  # one map throughout, should a reset swap it meanwhile
        entry = entries.get(key)
        if entry is None:
            return None
        now = self._clock()
        if now >= entry.expires_at:
            return None
        entries.move_to_end(key)
        headers = [
            *entry.headers,
            (b"age", str(int(now - entry.stored_at)).encode()),
            _HIT if entry.status < 400 else _ERROR,
        ]
        return entry.status, headers, entry.body, entry.origin_path

    async def fill(self, key: tuple[str, str], origin_path: str, s3_keys: Sequence[str]) -> Served:
        """Fetch the first of `s3_keys` that exists (a 404 if none does) and cache it under `key`."""
        flight = (key, origin_path, tuple(s3_keys))
        pending = self._in_flight.get(flight)
        if pending is None:
            pending = asyncio.ensure_future(self._fill(key, origin_path, s3_keys))
            self._in_flight[flight] = pending
            pending.add_done_callback(lambda _: self._in_flight.pop(flight, None))
        status, headers, body, origin = await asyncio.shield(pending)
        return status, list(headers), body, origin

    async def _fill(self, key: tuple[str, str], origin_path: str, s3_keys: Sequence[str]) -> Served:
        generation = self._generation
        found = await asyncio.to_thread(self._fetch, s3_keys)
        now = self._clock()
        stale = self._entries.get(key)
        if found is None:
            status, headers, body, etag = 404, _NOT_FOUND_HEADERS, b"404 Not Found", ""
            ttl, x_cache = ERROR_CACHING_MIN_TTL_S, _ERROR
        else:
            status, headers, body, etag = 200, found.headers, found.body, found.etag
            ttl = ttl_seconds(_header(headers, b"cache-control"))
            refreshed = stale is not None and stale.status == 200 and stale.etag == etag != ""
            x_cache = _REFRESH_HIT if refreshed else _MISS
        self._store(
            key, _Entry(status, headers, body, etag, origin_path, now, now + ttl), generation
        )
        return status, [*headers, x_cache], body, origin_path

    def _fetch(self, s3_keys: Iterable[str]) -> S3Object | None:
        for s3_key in s3_keys:
            try:
                return s3_object(self._s3.get_object(Bucket=self._bucket, Key=s3_key))
            except self._s3.exceptions.NoSuchKey:
                continue
        return None

    def _store(self, key: tuple[str, str], entry: _Entry, generation: int) -> None:
        with self._lock:
            if generation != self._generation:  # invalidated while it was fetched: not kept
                return
            old = self._entries.pop(key, None)
            if old is not None:
                self._bytes -= old.size
            if entry.size > self._max_bytes:
                return
            self._entries[key] = entry
            self._bytes += entry.size
            while len(self._entries) > self._max_entries or self._bytes > self._max_bytes:
                _, evicted = self._entries.popitem(last=False)
                self._bytes -= evicted.size

    def invalidate(self, paths: Iterable[str]) -> int:
        """Drop every object an invalidation of `paths` covers (any version); returns how many."""
        paths = list(paths)
        with self._lock:
            self._generation += 1
            doomed = [key for key in self._entries if any(covers(p, key[1]) for p in paths)]
            for key in doomed:
                self._bytes -= self._entries.pop(key).size
        return len(doomed)

    def clear(self) -> None:
        """Empty the cache (the world's reset). Safe from another thread: the map is swapped whole."""
        with self._lock:
            self._generation += 1
            self._entries, self._bytes = OrderedDict(), 0


def _header(headers: Headers, name: bytes) -> str:
    return next((value.decode() for key, value in headers if key == name), "")
