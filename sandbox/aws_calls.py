"""Which AWS service and action an HTTP request calls, and in which wire protocol.

The sandbox's AWS fault proxy uses this only to match fault rules and to record the
calls it faulted; requests are forwarded to moto unchanged whatever this says. The
service is the SigV4 credential scope's (s3, cloudfront, route53, elasticloadbalancing,
monitoring, sts, iam, ...); the action comes from where each protocol puts it: the query
protocol's `Action=`, the JSON protocol's `X-Amz-Target`, or for REST services the
method and path matched against botocore's own service model.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from urllib.parse import parse_qsl

import botocore.session
from botocore.exceptions import UnknownServiceError

# credential-scope (signing) names whose botocore model has another name
BOTOCORE_NAMES = {
    "monitoring": "cloudwatch",
    "elasticloadbalancing": "elbv2",
    "email": "ses",
    "execute-api": "apigateway",
    "states": "stepfunctions",
}
# the IAM action prefix, where it differs from the signing name (for "not authorized to perform: x:Y")
IAM_PREFIXES = {"monitoring": "cloudwatch"}
_CREDENTIAL = re.compile(r"Credential=([^,\s]+)")
FORM = "application/x-www-form-urlencoded"


@dataclass(frozen=True)
class AwsCall:
    service: str  # the credential scope's service, e.g. "s3", "monitoring"
    action: str | None  # e.g. "CopyObject"; None when it could not be told cheaply
    protocol: str  # the protocol the client speaks: rest-xml, rest-json, query, json

    @property
    def iam_action(self) -> str:
        return f"{IAM_PREFIXES.get(self.service, self.service)}:{self.action or '*'}"


def service_of(authorization: str | None, query: Mapping[str, str]) -> str | None:
    """`Credential=AKID/date/region/<service>/aws4_request` (header, or a presigned URL's query)."""
    match = _CREDENTIAL.search(authorization or "")
    scope = match.group(1) if match else query.get("X-Amz-Credential", "")
    parts = scope.split("/")
    return parts[-2].lower() if len(parts) >= 5 else None


@lru_cache(maxsize=1)
def _session() -> botocore.session.Session:
    return botocore.session.get_session()


@lru_cache(maxsize=64)
def service_model(service: str) -> Any | None:
    try:
        return _session().get_service_model(BOTOCORE_NAMES.get(service, service))
    except UnknownServiceError:
        return None


def protocol_of(service: str, headers: Mapping[str, str]) -> str:
    """The request's own shape first (CloudWatch speaks JSON or query), then the model's protocol."""
    content_type = headers.get("content-type", "").lower()
    if content_type.startswith("application/x-amz-json"):
        return "json"
    if content_type.startswith(FORM):
        return "query"
    model = service_model(service)
    if model is None:
        return "rest-xml"
    protocol = model.resolved_protocol
    return protocol if protocol in ("rest-xml", "rest-json", "query", "ec2") else "json"


def identify(
    service: str,
    method: str,
    path: str,
    query: Mapping[str, str],
    headers: Mapping[str, str],
    body: bytes | None,
) -> AwsCall:
    """`path` is the decoded path; `body` is needed only for form-encoded (query protocol) requests."""
    protocol = protocol_of(service, headers)
    action: str | None = None
    if target := headers.get("x-amz-target"):
        action = target.rsplit(".", 1)[-1]
    elif "Action" in query:
        action = query["Action"]
    elif protocol == "query" and body:
        action = dict(parse_qsl(body.decode("utf-8", "replace"))).get("Action")
    elif protocol in ("rest-xml", "rest-json"):
        action = rest_action(service, method, path, query, headers)
    return AwsCall(service, action, protocol)


@dataclass(frozen=True)
class _Route:
    action: str
    method: str
    path: re.Pattern[str]
    literal_query: tuple[tuple[str, str], ...]  # e.g. (("list-type", "2"),) or (("uploads", ""),)
    required_query: tuple[str, ...]
    required_headers: tuple[str, ...]
    literal_length: int

    def matches(
        self, method: str, path: str, query: Mapping[str, str], headers: Mapping[str, str]
    ) -> bool:
        return (
            method == self.method
            and self.path.fullmatch(path) is not None
            and all(k in query and (not v or query[k] == v) for k, v in self.literal_query)
            and all(k in query for k in self.required_query)
            and all(h in headers for h in self.required_headers)
        )

    @property
    def specificity(self) -> tuple[int, int]:
        # PUT /{Bucket}/{Key+} is PutObject, CopyObject (x-amz-copy-source) or UploadPart
        # (?partNumber&uploadId): the operation that needs the most of what was sent wins.
        return (
            len(self.literal_query) + len(self.required_query) + len(self.required_headers),
            self.literal_length,
        )


def _path_pattern(template: str) -> tuple[re.Pattern[str], int]:
    pattern, literal = "", 0
    for piece in re.split(r"(\{[^}]+\})", template.rstrip("/") or "/"):
        if piece.startswith("{"):
            pattern += "(.+)" if piece.endswith("+}") else "([^/]+)"
        else:
            pattern += re.escape(piece)
            literal += len(piece)
    return re.compile(pattern.rstrip("/") + "/?"), literal


@lru_cache(maxsize=16)
def _rest_routes(service: str) -> tuple[_Route, ...]:
    model = service_model(service)
    if model is None:
        return ()
    routes = []
    for name in model.operation_names:
        operation = model.operation_model(name)
        path, _, literal = operation.http.get("requestUri", "/").partition("?")
        required_query, required_headers = [], []
        shape = operation.input_shape
        for member in shape.required_members if shape is not None else []:
            serialization = shape.members[member].serialization
            if serialization.get("location") == "querystring":
                required_query.append(serialization.get("name", member))
            elif serialization.get("location") == "header":
                required_headers.append(serialization.get("name", member).lower())
        pattern, length = _path_pattern(path)
        routes.append(
            _Route(
                name,
                operation.http.get("method", "POST"),
                pattern,
                tuple(parse_qsl(literal, keep_blank_values=True)),
                tuple(required_query),
                tuple(required_headers),
                length,
            )
        )
    return tuple(routes)


def rest_action(
    service: str, method: str, path: str, query: Mapping[str, str], headers: Mapping[str, str]
) -> str | None:
    """The REST operation whose method and URI template fit the request best (path-style S3 only)."""
    lowered = {k.lower(): v for k, v in headers.items()}
    found = [r for r in _rest_routes(service) if r.matches(method.upper(), path, query, lowered)]
    return max(found, key=lambda r: r.specificity).action if found else None
