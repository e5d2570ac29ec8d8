"""The sandbox's CloudFront edge cache without a sandbox: CachingOptimized's TTLs, invalidation
path semantics, the LRU bound, Age and X-Cache, and CreateInvalidation through the AWS proxy."""

from __future__ import annotations

import asyncio
import io
from typing import Any

import httpx
import pytest

from sandbox.aws_fault_rules import AwsFault, AwsFaultBook
from sandbox.aws_faults import create_aws_proxy, invalidation_paths, moto_client
from sandbox.edge import _s3_keys
from sandbox.edge_cache import (
    DEFAULT_TTL_S,
    ERROR_CACHING_MIN_TTL_S,
    MAX_TTL_S,
    MIN_TTL_S,
    EdgeCache,
    covers,
    ttl_seconds,
)


@pytest.mark.parametrize(
    ("cache_control", "ttl"),
    [
        ("", DEFAULT_TTL_S),
        ("public", DEFAULT_TTL_S),
        ("must-revalidate", DEFAULT_TTL_S),
        ("max-age=300", 300),
        ("public, max-age=31536000, immutable", MAX_TTL_S),
        ("max-age=99999999999", MAX_TTL_S),
        ("max-age=300, s-maxage=60", 60),
        ("s-maxage=600, max-age=30", 600),
        ("S-MaxAge=600", 600),
        ('max-age="120"', 120),
        ("max-age=0", MIN_TTL_S),
        ("s-maxage=0, max-age=600", MIN_TTL_S),
        ("no-cache, max-age=0, must-revalidate", MIN_TTL_S),  # the sandbox's index.html
        ("no-cache", MIN_TTL_S),
        ("no-store", MIN_TTL_S),
        ("private, max-age=600", MIN_TTL_S),
        ("max-age=soon", MIN_TTL_S),
    ],
)
def test_ttl_follows_caching_optimized(cache_control: str, ttl: float) -> None:
    assert ttl_seconds(cache_control) == ttl


@pytest.mark.parametrize(
    ("invalidation", "viewer", "covered"),
    [
        ("/*", "/", True),
        ("/*", "/assets/app.js", True),
        ("/index.html", "/index.html", True),
        ("/index.html", "/", False),  # the default root object is cached under /
        ("/", "/", True),
        ("/assets/*", "/assets/css/app.css", True),
        ("/assets/*", "/assets", False),
        ("/assets*", "/assets.json", True),
        ("/app.js", "/app.js.map", False),
        ("/App.js", "/app.js", False),  # case-sensitive
        ("/app.js?v=2", "/app.js", True),  # query strings are not in the key
        ("/a%20b.html", "/a b.html", True),
        ("/a*b", "/axb", False),  # `*` is a wildcard only at the end
    ],
)
def test_invalidation_paths_cover_as_cloudfront(
    invalidation: str, viewer: str, covered: bool
) -> None:
    assert covers(invalidation, viewer) is covered


class FakeS3:
    """get_object as boto3 answers it, counting the calls."""

    class exceptions:  # noqa: N801  # boto3's spelling
        class NoSuchKey(Exception):
            pass

    def __init__(self) -> None:
        self.objects: dict[str, dict[str, Any]] = {}
        self.reads: list[str] = []

    def put(self, key: str, body: bytes, cache_control: str = "", **metadata: str) -> None:
        self.objects[key] = {
            "body": body,
            "CacheControl": cache_control,
            "ContentType": "text/html",
            "ETag": f'"{hash(body) & 0xFFFF:x}"',
            "Metadata": metadata,
        }

    def get_object(self, Bucket: str, Key: str) -> dict[str, Any]:  # noqa: N803  # boto3's names
        self.reads.append(Key)
        if Key not in self.objects:
            raise self.exceptions.NoSuchKey(Key)
        found = dict(self.objects[Key])
        return found | {"Body": io.BytesIO(found.pop("body"))}


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def serve(cache: EdgeCache, path: str, origin: str = "/v1", version: str = "staging") -> Any:
    async def go() -> Any:
        return cache.hit((version, path)) or await cache.fill(
            (version, path), origin, _s3_keys(origin, path)
        )

    status, headers, body, served_from = asyncio.run(go())
    return status, dict(headers), body, served_from


def test_a_hit_has_age_and_x_cache_and_the_objects_metadata() -> None:
    s3, clock = FakeS3(), Clock()
    s3.put("v1/config.json", b"one", "max-age=300", release="v1", Build="42")
    cache = EdgeCache(s3, "bucket", clock=clock)
    status, headers, body, origin = serve(cache, "/config.json")
    assert (status, body, origin) == (200, b"one", "/v1")
    assert headers[b"x-cache"] == b"Miss from cloudfront" and b"age" not in headers
    assert headers[b"x-amz-meta-release"] == b"v1" and headers[b"x-amz-meta-build"] == b"42"
    assert headers[b"cache-control"] == b"max-age=300"
    assert headers[b"content-type"] == b"text/html; charset=utf-8"
    assert headers[b"etag"] == s3.objects["v1/config.json"]["ETag"].encode()
    clock.now += 42.7
    _, headers, body, _ = serve(cache, "/config.json")
    assert headers[b"x-cache"] == b"Hit from cloudfront" and headers[b"age"] == b"42"
    assert headers[b"x-amz-meta-release"] == b"v1" and body == b"one"
    assert s3.reads == ["v1/config.json"]


def test_a_repointed_origin_is_not_seen_until_the_object_expires_or_is_invalidated() -> None:
    s3, clock = FakeS3(), Clock()
    for release in ("v1", "v2"):
        s3.put(f"{release}/config.json", release.encode(), "max-age=300")
        s3.put(f"{release}/index.html", release.encode(), "no-cache, max-age=0, must-revalidate")
    cache = EdgeCache(s3, "bucket", clock=clock)
    serve(cache, "/config.json")
    serve(cache, "/")
    clock.now += 2
    assert serve(cache, "/", origin="/v2")[2::] == (b"v2", "/v2")  # index.html: MinTTL, 1 s
    assert serve(cache, "/config.json", origin="/v2")[2:] == (b"v1", "/v1")  # the old origin's
    clock.now += 299
    assert serve(cache, "/config.json", origin="/v2")[2:] == (b"v2", "/v2")  # expired
    clock.now += 300
    status, headers, body, _ = serve(cache, "/config.json", origin="/v2")
    assert headers[b"x-cache"] == b"RefreshHit from cloudfront"  # expired, ETag unchanged
    assert cache.invalidate(["/assets/*"]) == 0
    assert cache.invalidate(["/*"]) == 2
    assert serve(cache, "/config.json", origin="/v2")[1][b"x-cache"] == b"Miss from cloudfront"


def test_spa_routes_and_missing_files() -> None:
    s3, clock = FakeS3(), Clock()
    s3.put("v1/index.html", b"<app>", "no-cache, max-age=0, must-revalidate")
    cache = EdgeCache(s3, "bucket", clock=clock)
    assert serve(cache, "/admin/board")[::2] == (200, b"<app>")  # no dot: the origin's index.html
    assert s3.reads == ["v1/admin/board", "v1/index.html"]
    assert serve(cache, "/admin/board")[1][b"x-cache"] == b"Hit from cloudfront"  # under its path
    status, headers, body, _ = serve(cache, "/missing.js")
    assert (status, headers[b"x-cache"]) == (404, b"Error from cloudfront")
    clock.now += ERROR_CACHING_MIN_TTL_S - 0.1
    s3.put("v1/missing.js", b"late")
    assert serve(cache, "/missing.js")[0] == 404  # the error is cached 10 s
    clock.now += 0.2
    assert serve(cache, "/missing.js")[::2] == (200, b"late")


def test_versions_and_viewer_paths_are_apart_and_case_matters() -> None:
    s3, clock = FakeS3(), Clock()
    s3.put("stable/a.txt", b"stable", "max-age=60")
    s3.put("canary/a.txt", b"canary", "max-age=60")
    s3.put("stable/A.txt", b"upper", "max-age=60")
    cache = EdgeCache(s3, "bucket", clock=clock)
    assert serve(cache, "/a.txt", "/stable", "stable")[2] == b"stable"
    assert serve(cache, "/a.txt", "/canary", "canary")[2] == b"canary"
    assert serve(cache, "/A.txt", "/stable", "stable")[2] == b"upper"
    assert cache.invalidate(["/a.txt"]) == 2  # one distribution: every version of the path
    assert len(cache) == 1


def test_the_least_recently_used_go_first_past_the_caps() -> None:
    s3, clock = FakeS3(), Clock()
    for name in "abcd":
        s3.put(f"v1/{name}.txt", name.encode() * 100, "max-age=600")
    cache = EdgeCache(s3, "bucket", max_entries=3, clock=clock)
    for name in "abc":
        serve(cache, f"/{name}.txt")
    serve(cache, "/a.txt")  # a is now the most recent
    serve(cache, "/d.txt")  # b goes
    s3.reads.clear()
    for name in "acd":
        assert serve(cache, f"/{name}.txt")[1][b"x-cache"] == b"Hit from cloudfront"
    assert serve(cache, "/b.txt")[1][b"x-cache"] == b"Miss from cloudfront"
    small = EdgeCache(s3, "bucket", max_bytes=2 * (100 + 256), clock=clock)
    for name in "abc":
        serve(small, f"/{name}.txt")
    assert len(small) == 2


def test_simultaneous_misses_make_one_origin_request_and_a_reset_empties() -> None:
    s3, clock = FakeS3(), Clock()
    s3.put("v1/a.txt", b"a", "max-age=600")
    cache = EdgeCache(s3, "bucket", clock=clock)

    async def burst() -> list[Any]:
        keys = _s3_keys("/v1", "/a.txt")
        return await asyncio.gather(
            *(cache.fill(("staging", "/a.txt"), "/v1", keys) for _ in range(20))
        )

    answers = asyncio.run(burst())
    assert s3.reads == ["v1/a.txt"] and all(a[2] == b"a" for a in answers)
    answers[0][1].append((b"x", b"y"))  # the edge appends its own headers to what it is given
    assert (b"x", b"y") not in answers[1][1]
    cache.clear()
    assert len(cache) == 0 and cache.hit(("staging", "/a.txt")) is None


def test_an_invalidation_during_a_fetch_keeps_what_was_fetched_out() -> None:
    s3, clock = FakeS3(), Clock()
    s3.put("v1/a.txt", b"old", "max-age=600")
    cache = EdgeCache(s3, "bucket", clock=clock)
    original = s3.get_object

    def slow_read(Bucket: str, Key: str) -> dict[str, Any]:  # noqa: N803
        cache.invalidate(["/*"])  # lands while the read is under way
        return original(Bucket=Bucket, Key=Key)

    s3.get_object = slow_read  # type: ignore[method-assign]
    assert serve(cache, "/a.txt")[2] == b"old"
    assert len(cache) == 0


BATCH = (
    b'<?xml version="1.0" encoding="UTF-8"?>'
    b'<InvalidationBatch xmlns="http://cloudfront.amazonaws.com/doc/2020-05-31/">'
    b"<Paths><Quantity>2</Quantity><Items><Path>/*</Path><Path>/assets/*</Path></Items></Paths>"
    b"<CallerReference>golive-1</CallerReference></InvalidationBatch>"
)
AUTH = (
    "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20250101/us-east-1/cloudfront/aws4_request, "
    "SignedHeaders=host;x-amz-date, Signature=0123456789abcdef"
)


def test_invalidation_paths_are_read_from_the_batch() -> None:
    assert invalidation_paths(BATCH) == ["/*", "/assets/*"]
    assert invalidation_paths(
        BATCH.replace(b' xmlns="http://cloudfront.amazonaws.com/doc/2020-05-31/"', b"")
    ) == [
        "/*",
        "/assets/*",
    ]
    assert invalidation_paths(b"not xml") == []


class OneChunk(httpx.AsyncByteStream):
    def __init__(self, data: bytes) -> None:
        self.data = data

    async def __aiter__(self):  # type: ignore[no-untyped-def]
        yield self.data


def test_the_proxy_invalidates_only_what_moto_accepted() -> None:
    invalidated: list[tuple[str, list[str]]] = []
    forwarded: list[bytes] = []

    async def moto(request: httpx.Request) -> httpx.Response:
        forwarded.append(await request.aread())
        status = 404 if "/ENOPE/" in request.url.path else 201
        return httpx.Response(status, stream=OneChunk(b"<Invalidation/>"))

    async def send() -> list[int]:
        book = AwsFaultBook()
        app = create_aws_proxy(
            moto_client("http://moto:5000", httpx.MockTransport(moto)),
            book,
            on_invalidation=lambda dist, paths: invalidated.append((dist, paths)),
        )
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://127.0.0.1:4566"
        ) as c:
            headers = {"authorization": AUTH}
            statuses = [
                (
                    await c.post(
                        f"/2020-05-31/distribution/{dist}/invalidation",
                        content=BATCH,
                        headers=headers,
                    )
                ).status_code
                for dist in ("E1", "ENOPE")
            ]
            await c.get("/2020-05-31/distribution/E1/invalidation", headers=headers)
            book.add(
                AwsFault(service="cloudfront", kind="server_error", action="CreateInvalidation")
            )
            faulted = await c.post(
                "/2020-05-31/distribution/E1/invalidation", content=BATCH, headers=headers
            )
            return [*statuses, faulted.status_code]

    assert asyncio.run(send()) == [201, 404, 503]
    assert invalidated == [("E1", ["/*", "/assets/*"])]
    assert forwarded[:2] == [BATCH, BATCH]  # the body read for its paths still reaches moto whole
