"""The sandbox's AWS fault proxy without a sandbox: request identification, error bodies as
botocore parses and retries them, the rule book, and byte-faithful forwarding."""

from __future__ import annotations

import asyncio
import base64
import gzip
import hashlib
import zlib
from types import SimpleNamespace

import botocore.session
import httpx
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.parsers import create_parser
from botocore.retries.standard import RetryContext, StandardRetryConditions

from sandbox.aws_calls import AwsCall, identify, service_of
from sandbox.aws_error_bodies import error_for, render
from sandbox.aws_fault_rules import AwsFault, AwsFaultBook
from sandbox.aws_faults import create_aws_proxy, moto_client

AUTH = (
    "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20250101/us-east-1/{}/aws4_request, "
    "SignedHeaders=host;x-amz-date, Signature=0123456789abcdef"
)
FORM = {"content-type": "application/x-www-form-urlencoded; charset=utf-8"}


@pytest.mark.parametrize(
    ("service", "method", "path", "query", "headers", "body", "action"),
    [
        (
            "s3",
            "PUT",
            "/bucket/releases/v1/app.js",
            {},
            {"x-amz-copy-source": "bucket/staging/app.js"},
            None,
            "CopyObject",
        ),
        ("s3", "PUT", "/bucket/releases/v1/app.js", {}, {}, None, "PutObject"),
        ("s3", "PUT", "/bucket/big", {"partNumber": "1", "uploadId": "u"}, {}, None, "UploadPart"),
        (
            "s3",
            "GET",
            "/bucket",
            {"list-type": "2", "prefix": "releases/"},
            {},
            None,
            "ListObjectsV2",
        ),
        ("s3", "POST", "/bucket", {"delete": ""}, {}, None, "DeleteObjects"),
        ("s3", "GET", "/", {}, {}, None, "ListBuckets"),
        (
            "cloudfront",
            "PUT",
            "/2020-05-31/distribution/E1/config",
            {},
            {},
            None,
            "UpdateDistribution",
        ),
        (
            "cloudfront",
            "GET",
            "/2020-05-31/distribution/E1/config",
            {},
            {},
            None,
            "GetDistributionConfig",
        ),
        (
            "cloudfront",
            "POST",
            "/2020-05-31/distribution/E1/invalidation",
            {},
            {},
            None,
            "CreateInvalidation",
        ),
        (
            "route53",
            "POST",
            "/2013-04-01/hostedzone/Z1/rrset/",
            {},
            {},
            None,
            "ChangeResourceRecordSets",
        ),
        ("route53", "GET", "/2013-04-01/change/C1", {}, {}, None, "GetChange"),
        (
            "elasticloadbalancing",
            "POST",
            "/",
            {},
            FORM,
            b"Action=ModifyListener&Version=2015-12-01",
            "ModifyListener",
        ),
        (
            "sts",
            "POST",
            "/",
            {},
            FORM,
            b"Action=GetCallerIdentity&Version=2011-06-15",
            "GetCallerIdentity",
        ),
        (
            "monitoring",
            "POST",
            "/",
            {},
            {
                "content-type": "application/x-amz-json-1.0",
                "x-amz-target": "GraniteServiceVersion20100801.DescribeAlarms",
            },
            b"{}",
            "DescribeAlarms",
        ),
    ],
)
def test_service_and_action_are_told_from_the_request(
    service: str,
    method: str,
    path: str,
    query: dict,
    headers: dict,
    body: bytes | None,
    action: str,
) -> None:
    assert service_of(AUTH.format(service), {}) == service
    assert identify(service, method, path, query, headers, body).action == action


def test_service_of_a_presigned_url_and_of_an_unsigned_request() -> None:
    assert (
        service_of(None, {"X-Amz-Credential": "AKIDEXAMPLE/20250101/us-east-1/s3/aws4_request"})
        == "s3"
    )
    assert service_of(None, {}) is None


# (service, action, the protocol botocore's client speaks) for the services golive calls
CALLS = [
    ("s3", "CopyObject", "rest-xml"),
    ("cloudfront", "UpdateDistribution", "rest-xml"),
    ("route53", "ChangeResourceRecordSets", "rest-xml"),
    ("route53", "GetChange", "rest-xml"),
    ("elasticloadbalancing", "ModifyListener", "query"),
    ("monitoring", "DescribeAlarms", "json"),
    ("monitoring", "DescribeAlarms", "query"),
    ("sts", "GetCallerIdentity", "query"),
    ("iam", "SimulatePrincipalPolicy", "query"),
]
BOTOCORE_NAMES = {"elasticloadbalancing": "elbv2", "monitoring": "cloudwatch"}
EXPECTED = {  # (service, action, kind) -> (status, code); anything else as in DEFAULT
    ("s3", "CopyObject", "throttle"): (503, "SlowDown"),
    ("route53", "ChangeResourceRecordSets", "throttle"): (400, "PriorRequestNotComplete"),
    ("s3", "CopyObject", "server_error"): (500, "InternalError"),
}
DEFAULT = {
    "throttle": (400, "Throttling"),
    "access_denied": (403, "AccessDenied"),
    "server_error": (503, "ServiceUnavailable"),
}


@pytest.mark.parametrize(("service", "action", "protocol"), CALLS)
@pytest.mark.parametrize("kind", ["throttle", "server_error", "access_denied"])
def test_botocore_parses_each_injected_error_and_retries_only_the_transient_ones(
    service: str, action: str, protocol: str, kind: str
) -> None:
    call = AwsCall(service, action, protocol)
    status, headers, body = render(error_for(kind, call), call, "application/x-amz-json-1.0")  # type: ignore[arg-type]
    operation = (
        botocore.session.get_session()
        .get_service_model(BOTOCORE_NAMES.get(service, service))
        .operation_model(action)
    )
    parsed = create_parser(protocol).parse(
        {"status_code": status, "headers": headers, "body": body}, operation.output_shape
    )
    assert (status, parsed["Error"]["Code"]) == EXPECTED.get((service, action, kind), DEFAULT[kind])
    if kind == "access_denied":
        assert f":{action} " in parsed["Error"]["Message"]  # names the action it refused
    context = RetryContext(
        attempt_number=1,
        operation_model=operation,
        parsed_response=parsed,
        http_response=SimpleNamespace(status_code=status),
    )
    assert StandardRetryConditions(max_attempts=5).is_retryable(context) == (
        kind != "access_denied"
    )


def test_a_rule_faults_count_calls_after_letting_some_through() -> None:
    book = AwsFaultBook()
    book.add(AwsFault(service="s3", kind="access_denied", action="copyobject", count=2, after=1))
    book.add(AwsFault(service="elbv2", kind="throttle", count=-1))
    outcomes = [book.take("s3", "CopyObject") for _ in range(4)]
    assert [o.kind if o else None for o in outcomes] == [
        None,
        "access_denied",
        "access_denied",
        None,
    ]
    assert book.take("s3", "PutObject") is None
    assert all(
        book.take("elasticloadbalancing", "ModifyListener") for _ in range(10)
    )  # persistent, alias
    assert [r.service for r in book.rules()] == ["elasticloadbalancing"]
    with pytest.raises(ValueError):
        AwsFault(service="s3", kind="slow")  # needs a delay
    with pytest.raises(ValueError):
        AwsFault(service="s3", kind="throttle", count=0)


def _signed_put() -> AWSRequest:
    body = b"<html>release v1.1.0</html>" * 100
    request = AWSRequest(
        method="PUT",
        url="http://127.0.0.1:4566/bucket/releases/a%20b%2Bc~%C3%BC.html?x-id=PutObject",
        data=body,
        headers={
            "Content-MD5": base64.b64encode(hashlib.md5(body).digest()).decode(),
            "x-amz-checksum-crc32": base64.b64encode(zlib.crc32(body).to_bytes(4, "big")).decode(),
            "x-amz-content-sha256": hashlib.sha256(body).hexdigest(),
            "Content-Type": "text/html; charset=utf-8",
        },
    )
    SigV4Auth(Credentials("AKIDEXAMPLE", "secret"), "s3", "us-east-1").add_auth(request)
    return request


class Chunks(httpx.AsyncByteStream):
    """A body that arrives in pieces, as moto's does (httpx reads a `content=` body eagerly)."""

    def __init__(self, data: bytes) -> None:
        self.data = data

    async def __aiter__(self):  # type: ignore[no-untyped-def]
        for start in range(0, len(self.data), 7):
            yield self.data[start : start + 7]


def test_the_proxy_forwards_the_signed_request_and_the_answer_byte_for_byte() -> None:
    seen: list[httpx.Request] = []
    answer = gzip.compress(b"<ok/>")

    async def moto(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        await request.aread()
        return httpx.Response(
            200,
            stream=Chunks(answer),
            headers=[
                ("ETag", '"abc"'),
                ("x-amz-checksum-crc32", "AAAAAA=="),
                ("Content-Encoding", "gzip"),
                ("x-amz-meta-a", "1"),
                ("x-amz-meta-a", "2"),
            ],
        )

    signed = _signed_put()

    async def send() -> httpx.Response:
        app = create_aws_proxy(
            moto_client("http://moto:5000", httpx.MockTransport(moto)), AwsFaultBook()
        )
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://127.0.0.1:4566"
        ) as c:
            for name in list(c.headers):  # send only what botocore would
                del c.headers[name]
            return await c.put(
                "/bucket/releases/a%20b%2Bc~%C3%BC.html?x-id=PutObject",
                content=signed.body,
                headers=dict(signed.headers.items()),
            )

    response = asyncio.run(send())
    forwarded = seen[0]
    signed_headers = (
        signed.headers["Authorization"].split("SignedHeaders=")[1].split(",")[0].split(";")
    )
    sent = {k.lower(): v for k, v in signed.headers.items()} | {
        "host": "127.0.0.1:4566"
    }  # as signed
    for name in signed_headers + ["authorization", "content-md5", "x-amz-checksum-crc32"]:
        assert forwarded.headers[name] == sent[name], name  # incl. Host: the signature still holds
    assert forwarded.url.raw_path == b"/bucket/releases/a%20b%2Bc~%C3%BC.html?x-id=PutObject"
    assert forwarded.content == signed.body
    assert (response.status_code, response.headers["etag"], response.content) == (
        200,
        '"abc"',
        b"<ok/>",
    )
    assert response.headers.get_list("x-amz-meta-a") == ["1", "2"]
    assert (
        "accept-encoding" not in forwarded.headers and "user-agent" not in forwarded.headers
    )  # none added


def test_a_routing_write_has_the_watcher_reread_before_the_answer_goes_back() -> None:
    """golive's weight change is what the edges serve by the time its call returns; reads, other
    services and faulted calls (which never reached moto) re-read nothing."""
    events: list[str] = []

    async def moto(request: httpx.Request) -> httpx.Response:
        await request.aread()
        events.append(f"moto {request.method}")
        return httpx.Response(200, stream=Chunks(b"<ok/>"))

    async def reread() -> None:
        events.append("reread")

    async def send() -> None:
        book = AwsFaultBook()
        app = create_aws_proxy(
            moto_client("http://moto:5000", httpx.MockTransport(moto)), book, reread
        )
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://127.0.0.1:4566"
        ) as c:
            rrset = "/2013-04-01/hostedzone/Z1/rrset/"
            await c.post(rrset, headers={"authorization": AUTH.format("route53")})
            events.append("answered")
            await c.get(rrset, headers={"authorization": AUTH.format("route53")})
            await c.put("/bucket/key", headers={"authorization": AUTH.format("s3")})
            await c.post(
                "/",
                headers={"authorization": AUTH.format("elasticloadbalancing"), **FORM},
                content=b"Action=ModifyListener&Version=2015-12-01",
            )
            book.add(AwsFault(service="cloudfront", kind="throttle"))
            faulted = await c.put(
                "/2020-05-31/distribution/E1/config",
                headers={"authorization": AUTH.format("cloudfront")},
            )
            assert faulted.status_code == 400

    asyncio.run(send())
    assert events == [
        "moto POST",
        "reread",
        "answered",
        "moto GET",
        "moto PUT",
        "moto POST",
        "reread",
    ]
