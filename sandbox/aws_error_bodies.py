"""The error a real AWS service would answer, in the wire protocol the client spoke.

botocore reads the error code from a different place per protocol (S3's bare `<Error>`,
CloudFront/Route 53's and the query protocol's `<ErrorResponse>`, the JSON protocol's
`__type` plus `x-amzn-query-error` for formerly-query services like CloudWatch, the
REST-JSON `x-amzn-ErrorType` header), and its retry logic keys on that code and the
status, so an injected fault is only realistic if it is rendered the service's way.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import Literal
from xml.sax.saxutils import escape

from sandbox.aws_calls import AwsCall, service_model

ErrorKind = Literal["throttle", "access_denied", "server_error"]
ACCOUNT = "123456789012"  # moto's default account
SANDBOX_PRINCIPAL = f"arn:aws:iam::{ACCOUNT}:user/golive-sandbox"


@dataclass(frozen=True)
class AwsError:
    status: int
    code: str  # what botocore reports as error.response["Error"]["Code"]
    message: str
    sender: bool = True  # query/XML <Type>: Sender (the caller's fault) or Receiver

    @property
    def json_type(self) -> str:
        # JSON-protocol services name the same errors with an Exception suffix
        return self.code if self.code.endswith("Exception") else self.code + "Exception"


def error_for(kind: ErrorKind, call: AwsCall) -> AwsError:
    if kind == "throttle":
        if call.service == "s3":
            return AwsError(503, "SlowDown", "Please reduce your request rate.")
        if call.service == "route53" and call.action == "ChangeResourceRecordSets":
            return AwsError(
                400,
                "PriorRequestNotComplete",
                "The request was rejected because Route 53 was still processing a prior request.",
            )
        return AwsError(400, "Throttling", "Rate exceeded")
    if kind == "access_denied":
        return AwsError(
            403,
            "AccessDenied",
            f"User: {SANDBOX_PRINCIPAL} is not authorized to perform: "
            f"{call.iam_action} (fault injected by the golive sandbox)",
        )
    if call.service == "s3":
        return AwsError(
            500,
            "InternalError",
            "We encountered an internal error. Please try again.",
            sender=False,
        )
    return AwsError(
        503, "ServiceUnavailable", "Service is unavailable. Please try again later.", sender=False
    )


def _namespace(call: AwsCall) -> str:
    model = service_model(call.service)
    namespace = model.metadata.get("xmlNamespace") if model is not None else None
    if isinstance(namespace, dict):  # rest-xml models give {"uri": ...}
        namespace = namespace.get("uri")
    return namespace or f"https://{call.service}.amazonaws.com/doc/"


def _query_compatible(call: AwsCall) -> bool:
    model = service_model(call.service)
    return model is not None and "awsQueryCompatible" in model.metadata


def render(
    error: AwsError, call: AwsCall, request_content_type: str = ""
) -> tuple[int, dict[str, str], bytes]:
    """(status, headers, body) of the error response."""
    request_id = str(uuid.uuid4())
    headers = {"x-amzn-requestid": request_id}
    kind = "Sender" if error.sender else "Receiver"
    if call.protocol == "json":
        if _query_compatible(call):  # botocore then reports the query code (e.g. Throttling)
            headers["x-amzn-query-error"] = f"{error.code};{kind}"
        headers["content-type"] = request_content_type or "application/x-amz-json-1.1"
        return (
            error.status,
            headers,
            json.dumps({"__type": error.json_type, "message": error.message}).encode(),
        )
    if call.protocol == "rest-json":
        headers |= {"content-type": "application/json", "x-amzn-errortype": error.json_type}
        return error.status, headers, json.dumps({"message": error.message}).encode()
    code, message = escape(error.code), escape(error.message)
    if call.service == "s3":
        headers = {
            "content-type": "application/xml",
            "x-amz-request-id": request_id,
            "x-amz-id-2": request_id,
        }
        body = (
            f'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>{code}</Code><Message>{message}</Message>'
            f"<RequestId>{request_id}</RequestId><HostId>{request_id}</HostId></Error>"
        )
        return error.status, headers, body.encode()
    headers["content-type"] = "text/xml"
    if call.protocol == "ec2":
        body = (
            f'<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>{code}</Code>'
            f"<Message>{message}</Message></Error></Errors><RequestID>{request_id}</RequestID></Response>"
        )
        return error.status, headers, body.encode()
    body = (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<ErrorResponse xmlns="{escape(_namespace(call))}">'
        f"<Error><Type>{kind}</Type><Code>{code}</Code><Message>{message}</Message></Error>"
        f"<RequestId>{request_id}</RequestId></ErrorResponse>"
    )
    return error.status, headers, body.encode()
