"""boto3 clients for the sandbox's moto server (the same client code that talks to AWS)."""

from __future__ import annotations

from typing import Any

import boto3
from botocore.config import Config

DUMMY_KEY_ID = "sandbox-access-key"
DUMMY_SECRET = "sandbox-secret-key"


def client(service: str, endpoint_url: str, region: str = "us-east-1") -> Any:
    return boto3.session.Session().client(
        service,
        endpoint_url=endpoint_url,
        region_name=region,
        aws_access_key_id=DUMMY_KEY_ID,
        aws_secret_access_key=DUMMY_SECRET,
        config=Config(
            retries={"max_attempts": 3, "mode": "standard"}, connect_timeout=5, read_timeout=30
        ),
    )
