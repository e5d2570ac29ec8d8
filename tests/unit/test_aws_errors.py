"""AWS failures become AwsActionError naming the action and the resource, never a credential."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError

from tasks.aws_errors import AwsActionError, aws_action
from tasks.traffic import TrafficError
from tasks.traffic import aws_action as traffic_action


def test_a_client_error_names_the_action_the_resource_and_the_code() -> None:
    with pytest.raises(AwsActionError) as raised:
        with aws_action("s3:CopyObject", "s3://bucket/releases/v2/index.html"):
            raise ClientError(
                {"Error": {"Code": "AccessDenied", "Message": "not authorized"}}, "CopyObject"
            )
    assert (
        str(raised.value)
        == "s3:CopyObject on s3://bucket/releases/v2/index.html: AccessDenied: not authorized"
    )
    with pytest.raises(TrafficError):
        with traffic_action("route53:ChangeResourceRecordSets", "record api."):
            raise ClientError({"Error": {"Code": "Throttling"}}, "ChangeResourceRecordSets")


def test_credentials_in_an_error_never_reach_the_message() -> None:
    leaky = (
        "AccessDenied for AKIAIOSFODNN7EXAMPLE at https://user:pw@bucket.s3.amazonaws.com/k?"
        "X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20250101&X-Amz-Signature=deadbeef&X-Amz-Security-Token=SESSIONTOKEN123"
    )
    with pytest.raises(AwsActionError) as raised:
        with aws_action("s3:GetObject", "s3://bucket/k"):
            raise ClientError({"Error": {"Code": "AccessDenied", "Message": leaky}}, "GetObject")
    message = str(raised.value)
    for secret in ("AKIAIOSFODNN7EXAMPLE", "deadbeef", "SESSIONTOKEN123", "user:pw"):
        assert secret not in message
    with pytest.raises(AwsActionError, match="EndpointConnectionError"):
        with aws_action("cloudfront:UpdateDistribution", "distribution E1"):
            raise EndpointConnectionError(endpoint_url="http://127.0.0.1:1")


def test_denied_is_never_retried_by_prefect_but_throttling_is() -> None:
    from types import SimpleNamespace

    from tasks.aws_errors import AwsActionError, is_denied, retry_unless_denied

    def failed_with(error: BaseException) -> SimpleNamespace:
        def result() -> None:
            raise error

        return SimpleNamespace(result=result)

    denied = AwsActionError("cloudfront:UpdateDistribution", "E123", "AccessDenied: not allowed")
    throttled = AwsActionError("s3:CopyObject", "s3://b/k", "SlowDown: reduce your request rate")
    assert (
        is_denied(denied)
        and not is_denied(throttled)
        and not is_denied(RuntimeError("AccessDenied"))
    )
    assert retry_unless_denied(None, None, failed_with(denied)) is False
    assert retry_unless_denied(None, None, failed_with(throttled)) is True
