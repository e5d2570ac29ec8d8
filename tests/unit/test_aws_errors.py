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
            raise ClientError({"Error": {"Code": "AccessDenied", "Message": "not authorized"}}, "CopyObject")
    assert str(raised.value) == "s3:CopyObject on s3://bucket/releases/v2/index.html: AccessDenied: not authorized"
    with pytest.raises(TrafficError):
        with traffic_action("route53:ChangeResourceRecordSets", "record api."):
            raise ClientError({"Error": {"Code": "Throttling"}}, "ChangeResourceRecordSets")


def test_credentials_in_an_error_never_reach_the_message() -> None:
    leaky = ("AccessDenied for AKIAIOSFODNN7EXAMPLE at https://user:pw@bucket.s3.amazonaws.com/k?"
             "X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20250101&X-Amz-Signature=deadbeef&X-Amz-Security-Token=SESSIONTOKEN123")
    with pytest.raises(AwsActionError) as raised:
        with aws_action("s3:GetObject", "s3://bucket/k"):
            raise ClientError({"Error": {"Code": "AccessDenied", "Message": leaky}}, "GetObject")
    message = str(raised.value)
    for secret in ("AKIAIOSFODNN7EXAMPLE", "deadbeef", "SESSIONTOKEN123", "user:pw"):
        assert secret not in message
    with pytest.raises(AwsActionError, match="EndpointConnectionError"):
        with aws_action("cloudfront:UpdateDistribution", "distribution E1"):
            raise EndpointConnectionError(endpoint_url="http://127.0.0.1:1")
