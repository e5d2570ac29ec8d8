"""boto3 sessions for an environment of the plan.

With `aws_credentials_block` set (or a GoliveEnvironment `block` holding credentials),
the prefect-aws AwsCredentials block configured in the Prefect UI supplies the
credentials; otherwise boto3's default chain does (which honours
AWS_ENDPOINT_URL, so the sandbox is used when its env is loaded: its AWS proxy, then moto).
"""

from __future__ import annotations

import os
import threading
from functools import lru_cache
from typing import Any

import boto3
from botocore.config import Config

from blocks.plan import Environment

# botocore's `max_attempts` counts *retries* (it becomes total_max_attempts = n + 1), so the
# totals are spelled out. Standard mode retries throttling (SlowDown, Throttling,
# PriorRequestNotComplete, ...) and 500/502/503/504 with jittered exponential backoff, and
# never AccessDenied; adaptive mode (experimental in botocore) would add a client-side rate
# limiter that delays a client's later calls after a throttle.
RETRY_CONFIG = Config(
    retries={"total_max_attempts": 5, "mode": "standard"}, connect_timeout=5, read_timeout=60
)


@lru_cache(maxsize=16)
def _block_session(block_name: str) -> boto3.Session:
    from prefect_aws import AwsCredentials

    return AwsCredentials.load(block_name).get_boto3_session()


@lru_cache(maxsize=16)
def _environment_block_session(block_name: str) -> boto3.Session | None:
    from blocks.prefect_blocks import GoliveEnvironment

    credentials = GoliveEnvironment.load(block_name).aws_credentials
    return credentials.get_boto3_session() if credentials else None


def session_for(environment: Environment) -> boto3.Session:
    """An explicit AwsCredentials block wins, then the environment block's, then boto3's chain."""
    if environment.aws_credentials_block:
        return _block_session(environment.aws_credentials_block)
    if environment.block and (session := _environment_block_session(environment.block)):
        return session
    return _default_session(
        tuple(sorted((k, v) for k, v in os.environ.items() if k.startswith("AWS_")))
    )


@lru_cache(maxsize=16)
def _default_session(aws_environment: tuple[tuple[str, str], ...]) -> boto3.Session:
    """boto3's default chain, one session per set of AWS_* variables (a test or the sandbox changes them).

    Cached because a new session parses botocore's service models and endpoints again: about
    0.2 s of CPU per client, 41 clients in a rehearsal launch. A session refreshes its own
    credentials (instance role, SSO, IRSA), so keeping it is what boto3 itself does."""
    return boto3.Session()


# A boto3 Session is not thread-safe while it creates clients (the clients are): one at a time.
_creating = threading.Lock()


# For probes where an error is an answer (e.g. "IAM simulation is not allowed here"): one attempt.
NO_RETRY_CONFIG = Config(
    retries={"total_max_attempts": 1, "mode": "standard"}, connect_timeout=5, read_timeout=30
)


# Clients kept per session, service, region and retry mode: boto3 clients are thread-safe and
# read their session's (refreshing) credentials on each call, and a new one costs ~20 ms of CPU
# (about 40 per launch). The sessions themselves are cached above, so a changed AWS_* variable or
# block gives a new session and so new clients.
_clients: dict[tuple[boto3.Session, str, str, bool], Any] = {}  # the session itself: no id reuse


def aws_client(service: str, environment: Environment) -> Any:
    """A client for `service`; `<service>-no-retry` gives one that does not retry."""
    session = session_for(environment)
    region = session.region_name or "us-east-1"
    name = service.removesuffix("-no-retry")
    retrying = name == service
    key = (session, name, region, retrying)
    with _creating:
        if key not in _clients:
            _clients[key] = session.client(
                name, region_name=region, config=RETRY_CONFIG if retrying else NO_RETRY_CONFIG
            )
        return _clients[key]
