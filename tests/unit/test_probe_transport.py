"""The probe's aiohttp transport against a real tiny server on 127.0.0.1: golive's httpx auths sign
its requests (a SigV4 signature that verifies against what the server received), a dead port is
an error sample, and no secret reaches an error message."""

from __future__ import annotations

import asyncio
import datetime
from collections.abc import Iterator
from pathlib import Path

import boto3
import botocore.auth
import pytest
from botocore.auth import SigV4Auth as BotoSigV4
from botocore.awsrequest import AWSRequest
from pydantic import SecretStr

from blocks.plan import LaunchPlan, read_plan_file, validate_plan
from tasks.http_auth import BearerAuth, SigV4Auth
from tasks.metrics.probe import probe
from tasks.metrics.transport import ProbeSession, TransportError, auth_headers
from tests.loopback import QuietHandler, serving

REPO = Path(__file__).resolve().parents[2]
TOKEN = "tok-" + "s3cr3t" * 4
KEY_ID, SECRET = "AKIDPROBETRANSPORT", "probe/transport/secret/key/0123456789"


class _Recorder(QuietHandler):
    seen: list[dict[str, str]] = []

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        _Recorder.seen.append(
            {"path": self.path, **{k.lower(): v for k, v in self.headers.items()}}
        )
        self.answer(200, b"{}", {"X-Golive-Version": "canary", "X-Golive-Release": "v9.9.9"})


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    with serving(_Recorder) as url:
        yield url


@pytest.fixture
def seen() -> list[dict[str, str]]:
    _Recorder.seen.clear()
    return _Recorder.seen


@pytest.fixture(scope="module")
def plan() -> LaunchPlan:
    raw = read_plan_file(REPO / "plans" / "sandbox.yaml")
    raw["slos"]["latency"] = [
        {"name": "board", "path": "/board", "stat": "p95", "threshold": "500ms"}
    ]
    raw["probe"] = {"requests_per_evaluation": 6, "concurrency": 2}
    raw["scenarios"] = []
    raw["smoke"]["suites"] = {"infrastructure": raw["smoke"]["suites"]["infrastructure"]}
    return validate_plan(raw, env={})


def test_a_bearer_probe_sends_the_token_and_reads_the_version(
    server: str, seen: list[dict[str, str]], plan: LaunchPlan
) -> None:
    samples = probe(server, plan, auth=BearerAuth(SecretStr(TOKEN)))
    assert (
        len(samples) == 6
        and set(samples["version"]) == {"canary"}
        and set(samples["release"]) == {"v9.9.9"}
    )
    requests = [each for each in seen if each["path"] == "/board"]
    assert len(requests) == 7  # six samples and the unrecorded warm-up
    assert {each["authorization"] for each in requests} == {f"Bearer {TOKEN}"}
    assert {each["user-agent"] for each in requests} == {"golive-probe"}


def test_a_sigv4_probe_request_verifies_against_what_the_server_received(
    server: str, seen: list[dict[str, str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    session = boto3.Session(
        aws_access_key_id=KEY_ID, aws_secret_access_key=SECRET, region_name="eu-central-1"
    )

    async def one() -> None:
        async with ProbeSession(1, 5.0) as probe_session:
            await probe_session.get(server + "/board?shop=7", SigV4Auth(session))

    asyncio.run(one())
    received = seen[-1]
    # Recompute the signature from the request as received, at the time it was signed.
    amz_date = received["x-amz-date"]
    when = datetime.datetime.strptime(amz_date, "%Y%m%dT%H%M%SZ").replace(tzinfo=datetime.UTC)
    again = AWSRequest(
        method="GET", url=server + "/board?shop=7", headers={"host": received["host"]}
    )
    signer = BotoSigV4(
        session.get_credentials().get_frozen_credentials(), "execute-api", "eu-central-1"
    )
    # botocore signs at get_current_datetime(): pin it to when the probe signed, or a recomputation
    # a second later (a busy machine) signs another timestamp and the test fails on the clock
    monkeypatch.setattr(botocore.auth, "get_current_datetime", lambda: when.replace(tzinfo=None))
    signer.add_auth(again)
    assert received["authorization"] == again.headers["Authorization"]
    assert received["authorization"].startswith(f"AWS4-HMAC-SHA256 Credential={KEY_ID}/")


def test_auth_headers_are_only_what_the_auth_adds() -> None:
    assert auth_headers(None, "GET", "http://127.0.0.1:1/x") == {}
    added = auth_headers(BearerAuth(SecretStr(TOKEN)), "GET", "http://127.0.0.1:1/x")
    assert added == {"authorization": f"Bearer {TOKEN}", "host": "127.0.0.1:1"}


def test_no_response_is_a_transport_error_without_the_url_or_secret(plan: LaunchPlan) -> None:
    dead = "http://127.0.0.1:9"  # discard port: nothing listens on loopback here

    async def one() -> None:
        async with ProbeSession(1, 2.0) as probe_session:
            await probe_session.get(dead + f"/board?token={TOKEN}", BearerAuth(SecretStr(TOKEN)))

    with pytest.raises(TransportError) as raised:
        asyncio.run(one())
    assert TOKEN not in str(raised.value) and "127.0.0.1" not in str(raised.value)
    samples = probe(dead, plan)  # and in a probe, every such request is an error sample
    assert len(samples) == 6 and samples["error"].all() and set(samples["status"]) == {0}


def test_a_server_that_never_answers_is_a_transport_error_within_the_timeout() -> None:
    import socket
    import time

    with socket.socket() as silent:  # accepts connections (backlog) and never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        url = f"http://127.0.0.1:{silent.getsockname()[1]}/board"

        async def one() -> None:
            async with ProbeSession(1, 0.5) as probe_session:
                await probe_session.get(url)

        started = time.monotonic()
        with pytest.raises(TransportError):
            asyncio.run(one())
        assert time.monotonic() - started < 5
