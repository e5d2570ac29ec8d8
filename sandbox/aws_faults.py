"""The sandbox's AWS front door: a reverse proxy to moto that can inject AWS faults.

`AWS_ENDPOINT_URL` in the sandbox env points here, so every boto3 call golive makes
passes through. A call that no fault rule covers is forwarded byte for byte (method,
raw path and query, headers including Host, Content-MD5 and the checksums, streamed
body) and moto's answer is streamed back with its status and headers, so SigV4 and S3
checksums see the request the client signed. A call a rule covers is answered with the
service's real error in its own protocol (see aws_error_bodies.py), or delayed.

CloudFront's continuous deployment calls, which moto lacks, are answered (or checked before
moto serves them) by `cloudfront_cd.ContinuousDeployment`, after the fault rules, one at a time.
CloudWatch's GetMetricData/GetMetricStatistics of the ALB's namespace, which moto has no data for,
are answered by `alb_metrics.AlbMetrics` (after the fault rules too: an AccessDenied rule denies them).

A call that may change routing (a write to CloudFront or Route 53, any ELBv2 call) has the
routing watcher re-read moto before its answer goes back, so by the time golive's call
returns the edges serve what it set. A CreateInvalidation moto accepted has its paths dropped
from that distribution's edge cache before the answer goes back (moto keeps the invalidation but
has no cache to clear); a faulted one never reached moto and clears nothing.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import uuid
import xml.etree.ElementTree as ElementTree
from collections.abc import Awaitable, Callable

import httpx
from starlette.applications import Starlette
from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response, StreamingResponse
from starlette.routing import Route

from sandbox.alb_metrics import AlbMetrics, CloudWatchError
from sandbox.aws_calls import FORM, AwsCall, identify, service_of
from sandbox.aws_error_bodies import AwsError, error_for, render
from sandbox.aws_fault_rules import AwsFault, AwsFaultBook, faulted_call
from sandbox.cloudfront_cd import ContinuousDeployment

log = logging.getLogger("golive.sandbox.aws")
METHODS = ["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"]
# Per-hop headers, not the client's to forward. Expect is one too: uvicorn already
# answered the client's 100-continue, and SigV4 never signs it.
HOP_BY_HOP = {
    b"connection",
    b"keep-alive",
    b"proxy-authenticate",
    b"proxy-authorization",
    b"te",
    b"trailer",
    b"transfer-encoding",
    b"upgrade",
    b"expect",
}
# Credential-scope services whose calls can move routing. ELBv2 speaks the query protocol (every
# call a POST, the action in the body): any of its calls counts, a describe costs one re-read.
# ECS: a deploy to an API slot changes the release its backend answers with (sandbox/slots.py).
ROUTING_SERVICES = frozenset({"cloudfront", "route53", "elasticloadbalancing", "ecs"})
# CreateInvalidation: POST /2020-05-31/distribution/{DistributionId}/invalidation
_INVALIDATION = re.compile(r"/2020-05-31/distribution/([^/]+)/invalidation/?")


def changes_routing(service: str | None, method: str) -> bool:
    return service in ROUTING_SERVICES and method not in ("GET", "HEAD")


def invalidation_paths(body: bytes) -> list[str]:
    """The paths of a CreateInvalidation body (InvalidationBatch/Paths/Items/Path, in
    CloudFront's namespace or none); none from a body that is not XML."""
    try:
        root = ElementTree.fromstring(body)
    except ElementTree.ParseError:
        log.warning("CreateInvalidation body is not XML; no paths invalidated")
        return []
    return [
        element.text or "" for element in root.iter() if element.tag.rsplit("}", 1)[-1] == "Path"
    ]


def moto_client(
    moto_url: str, transport: httpx.AsyncBaseTransport | None = None
) -> httpx.AsyncClient:
    client = httpx.AsyncClient(
        base_url=moto_url,
        transport=transport,
        trust_env=False,
        follow_redirects=False,
        timeout=httpx.Timeout(120, connect=5),
        limits=httpx.Limits(max_connections=64, max_keepalive_connections=32),
    )
    for name in list(
        client.headers
    ):  # no httpx defaults (Accept-Encoding, User-Agent) added to the client's
        del client.headers[name]
    return client


def create_aws_proxy(
    moto: httpx.AsyncClient,
    book: AwsFaultBook,
    on_routing_change: Callable[[], Awaitable[object]] | None = None,
    on_invalidation: Callable[[str, list[str]], object] | None = None,
    continuous_deployment: ContinuousDeployment | None = None,
    alb_metrics: AlbMetrics | None = None,
) -> Starlette:
    """`on_routing_change` is awaited after moto accepted a call that may change routing, before the
    answer; `on_invalidation(distribution_id, paths)` is called after moto accepted a CreateInvalidation;
    `continuous_deployment` answers the CloudFront calls moto lacks (none answered without it);
    `alb_metrics` the ALB's CloudWatch metrics (moto's own answers without it)."""
    emulating = asyncio.Lock()  # one emulated call at a time, its moto forward included

    async def proxy(request: Request) -> Response:
        service = service_of(request.headers.get("authorization"), request.query_params)
        body: bytes | None = None
        if service is not None and book.wants(service):
            if request.headers.get("content-type", "").lower().startswith(FORM):
                body = await request.body()  # small; the query protocol's Action is in it
            call = identify(
                service,
                request.method,
                request.url.path,
                request.query_params,
                request.headers,
                body,
            )
            rule = book.take(call.service, call.action)
            if rule is not None and rule.kind != "slow":
                await request.body()  # read what was sent, so the connection stays usable
                return _fault(request, call, rule, book)
            if rule is not None:
                book.record(
                    faulted_call(rule, call.service, call.action, request.method, request.url.path)
                )
                await asyncio.sleep(rule.delay_s)
        invalidation = (
            _INVALIDATION.fullmatch(request.url.path)
            if on_invalidation and service == "cloudfront" and request.method == "POST"
            else None
        )
        if invalidation is not None and body is None:
            body = await request.body()  # a few paths; its Content-Length is forwarded as sent
        cd_action = (
            continuous_deployment.action_of(
                request.method, request.url.path, request.query_params, request.headers
            )
            if continuous_deployment is not None and service == "cloudfront"
            else None
        )
        metrics_action = (request.headers.get("x-amz-target") or "").rsplit(".", 1)[-1]
        if (
            alb_metrics is not None
            and service == "monitoring"
            and alb_metrics.wants(metrics_action, request.headers.get("content-type", ""))
        ):
            if body is None:
                body = await request.body()  # a few queries
            answered = await _alb_metrics(alb_metrics, metrics_action, body, request)
            if answered is not None:
                return answered
            response = await _forward(moto, request, body)  # not the ALB's namespace
        elif continuous_deployment is not None and cd_action is not None:
            async with emulating:
                response = await _emulate(continuous_deployment, cd_action, moto, request)
        else:
            response = await _forward(moto, request, body)
        if response.status_code >= 400:
            return response
        if invalidation is not None and on_invalidation is not None and body:
            on_invalidation(invalidation.group(1), invalidation_paths(body))
        if on_routing_change and changes_routing(service, request.method):
            await on_routing_change()
        return response

    return Starlette(routes=[Route("/{path:path}", proxy, methods=METHODS)])


async def _emulate(
    emulation: ContinuousDeployment, action: str, moto: httpx.AsyncClient, request: Request
) -> Response:
    body = await request.body()  # a small XML document
    path, query, headers = request.url.path, request.query_params, request.headers
    answer = await asyncio.to_thread(emulation.call, action, path, query, headers, body)
    if answer is not None:
        return Response(answer.body, status_code=answer.status, headers=answer.headers)
    response = await _forward(moto, request, body)  # checked; moto serves it
    if response.status_code < 400:
        await asyncio.to_thread(emulation.forwarded, action, path, headers, body)
    return response


async def _alb_metrics(
    metrics: AlbMetrics, action: str, body: bytes, request: Request
) -> Response | None:
    try:
        answer = await asyncio.to_thread(metrics.call, action, body)
    except CloudWatchError as error:
        call = AwsCall("monitoring", action, "json")
        status, headers, payload = render(
            AwsError(error.status, error.code, error.message),
            call,
            request.headers.get("content-type", ""),
        )
        return Response(payload, status_code=status, headers=headers)
    if answer is None:
        return None
    return Response(
        json.dumps(answer).encode(),
        status_code=200,
        headers={
            "content-type": "application/x-amz-json-1.0",
            "x-amzn-requestid": str(uuid.uuid4()),
        },
    )


def _fault(request: Request, call: AwsCall, rule: AwsFault, book: AwsFaultBook) -> Response:
    error = error_for(rule.kind, call)  # type: ignore[arg-type]  # `slow` never gets here
    status, headers, payload = render(error, call, request.headers.get("content-type", ""))
    book.record(
        faulted_call(
            rule,
            call.service,
            call.action,
            request.method,
            request.url.path,
            status=status,
            code=error.code,
        )
    )
    log.info(
        "AWS fault %s: %s %s -> %s %s", rule.kind, call.service, call.action, status, error.code
    )
    return Response(payload, status_code=status, headers=headers)


async def _forward(moto: httpx.AsyncClient, request: Request, body: bytes | None) -> Response:
    target = request.scope["raw_path"] + (
        b"?" + request.scope["query_string"] if request.scope["query_string"] else b""
    )
    headers = [(k, v) for k, v in request.headers.raw if k.lower() not in HOP_BY_HOP]
    content = body
    if content is None and (
        "content-length" in request.headers or "transfer-encoding" in request.headers
    ):
        content = request.stream()  # type: ignore[assignment]  # streamed; Content-Length stays as sent
    outgoing = moto.build_request(
        request.method, moto.base_url.copy_with(raw_path=target), headers=headers, content=content
    )
    try:
        upstream = await moto.send(outgoing, stream=True)
    except httpx.HTTPError as error:
        log.warning("moto unreachable: %s", type(error).__name__)
        return PlainTextResponse(
            f"sandbox AWS proxy: moto unreachable ({type(error).__name__})", status_code=502
        )
    response = StreamingResponse(
        upstream.aiter_raw(),
        status_code=upstream.status_code,
        background=BackgroundTask(upstream.aclose),
    )
    response.raw_headers = [
        (k.lower(), v) for k, v in upstream.headers.raw if k.lower() not in HOP_BY_HOP
    ]
    return response
