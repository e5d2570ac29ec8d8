"""Smoke suites, the SLO probe and the judge against the running sandbox (and a tiny local server for auth)."""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler

import boto3
import pytest
from pydantic import SecretStr

from blocks.plan import LaunchPlan, SmokeCheck
from golive.core.checks import CheckResult
from golive.core.judge import judge
from sandbox import manager
from tasks.http_auth import AuthChooser
from tasks.http_checks import run_smoke_suites, run_suite, smoke_client
from tasks.id_source import IdSourceError
from tasks.metrics import SAMPLE_COLUMNS, MetricsSource
from tasks.metrics.probe import probe
from tasks.metrics.probe_source import PROBE_SOURCE
from tasks.metrics.registry import source_for
from tests.loopback import serving

PROBE_REQUESTS = (
    160  # 80 per latency SLO: well above the sandbox plan's min_samples (20), about a second
)
TOKEN = "sandbox-bearer-token-5f1c2e"


def by_name(results: list[CheckResult]) -> dict[str, CheckResult]:
    return {r.name: r for r in results}


def staging_smoke(plan: LaunchPlan, suites: list[str] | None = None) -> dict[str, CheckResult]:
    with smoke_client() as client:
        return by_name(run_smoke_suites(plan, plan.environments.staging, client, suites=suites))


def staging_probe(plan: LaunchPlan, requests: int = PROBE_REQUESTS):  # type: ignore[no-untyped-def]
    return probe(plan.environments.staging.api_base_url, plan, requests=requests)


# ---------------------------------------------------------------- smoke suites


def test_all_smoke_suites_pass_on_healthy_staging(plan: LaunchPlan) -> None:
    with smoke_client() as client:
        results = run_smoke_suites(plan, plan.environments.staging, client)
    expected = [f"{suite}/{check.name}" for suite, _, check in plan.smoke.all_checks()]
    assert [r.name for r in results] == expected  # every check, in plan order
    assert [r for r in results if r.status != "pass"] == []
    assert all(" in " in r.value and r.value.endswith(" ms") for r in results)


def test_the_same_suites_pass_on_production(plan: LaunchPlan) -> None:
    with smoke_client() as client:
        results = run_smoke_suites(
            plan, plan.environments.production, client, suites=["infrastructure", "api"]
        )
    assert {r.status for r in results} == {"pass"}, [r for r in results if r.status != "pass"]


def test_staging_down_fails_the_infrastructure_checks(
    sandbox: manager.Sandbox, plan: LaunchPlan
) -> None:
    sandbox.set_fault("staging", down=True)
    results = staging_smoke(plan, ["infrastructure"])
    assert results["infrastructure/api-health"].status == "fail"
    assert results["infrastructure/api-health"].detail == "expected status 200, got 503"
    assert results["infrastructure/served-by-version"].status == "fail"
    # the edge still serves the static site from S3: only the API checks go red
    assert results["infrastructure/site-index"].status == "pass"


def test_a_dropped_hsts_header_fails_the_security_suite(
    sandbox: manager.Sandbox, plan: LaunchPlan
) -> None:
    sandbox.set_fault("staging", drop_headers=["Strict-Transport-Security"])
    results = staging_smoke(plan, ["security"])
    assert results["security/hsts"].status == "fail"
    assert results["security/hsts"].detail == "missing header Strict-Transport-Security"
    assert [name for name, r in results.items() if r.status != "pass"] == ["security/hsts"]


def test_a_slow_board_fails_its_budget_and_the_judge(
    sandbox: manager.Sandbox, plan: LaunchPlan
) -> None:
    sandbox.set_fault("staging", latency_ms=900, endpoint="board")
    performance = staging_smoke(plan, ["performance"])
    board = performance["performance/board-latency"]
    assert board.status == "fail" and "over the 800 ms budget" in board.detail
    assert performance["performance/drawer-latency"].status == "pass"

    verdict = judge(
        staging_probe(plan, requests=100), plan.slos
    )  # 50 slow boards: ~2 s at concurrency 32
    assert verdict.status == "fail", verdict.reason
    failed = [c.name for c in verdict.checks if c.status == "fail"]
    assert failed == ["board p95"]
    assert verdict.reason.startswith("board p95 ") and ">= 800 ms" in verdict.reason


def test_a_staging_error_rate_fails_the_judge(sandbox: manager.Sandbox, plan: LaunchPlan) -> None:
    sandbox.set_fault("staging", error_rate=0.2)
    samples = staging_probe(plan)
    verdict = judge(samples, plan.slos)
    rate = next(c for c in verdict.checks if c.name == "error rate")
    assert rate.status == "fail" and verdict.status == "fail"
    assert verdict.reason.startswith("error rate ") and ">= 1 %" in verdict.reason
    assert set(samples.loc[samples["error"], "status"]) == {500}


# ---------------------------------------------------------------------- probe


def test_a_healthy_probe_passes_the_judge(plan: LaunchPlan) -> None:
    samples = staging_probe(plan)
    assert list(samples.columns) == list(SAMPLE_COLUMNS)
    assert {c: str(t) for c, t in samples.dtypes.items()} == SAMPLE_COLUMNS
    assert len(samples) == PROBE_REQUESTS
    assert samples["slo"].value_counts().to_dict() == {"board": 80, "drawer": 80}  # round-robin
    assert set(samples["version"]) == {"staging"} and set(samples["release"]) == {"v1.0.0"}
    drawer_paths = set(samples.loc[samples["slo"] == "drawer", "path"])
    assert len(drawer_paths) > 1 and all(
        p.rsplit("/", 1)[-1].isdigit() for p in drawer_paths
    )  # random ids
    assert not samples["error"].any() and (samples["status"] == 200).all()
    assert samples["ts"].is_monotonic_increasing

    verdict = judge(samples, plan.slos, version="staging")
    assert verdict.status == "pass", verdict.reason
    assert all(c.samples is not None and c.samples >= plan.slos.min_samples for c in verdict.checks)


def test_probe_concurrency_is_bounded(plan: LaunchPlan) -> None:
    """With one request in flight the probe is sequential: its samples never overlap."""
    samples = probe(plan.environments.staging.api_base_url, plan, requests=8, concurrency=1)
    starts = samples["ts"].to_numpy()
    ends = starts + samples["latency_ms"].to_numpy() / 1000
    assert all(ends[:-1] <= starts[1:] + 0.002)


def test_probe_works_inside_a_running_event_loop(plan: LaunchPlan) -> None:
    async def from_async_code() -> int:
        return len(staging_probe(plan, requests=10))

    assert asyncio.run(from_async_code()) == 10


def test_the_probe_is_the_plans_metric_source(plan: LaunchPlan) -> None:
    source = source_for(plan)  # the sandbox plan has no metrics: section
    assert source is PROBE_SOURCE and isinstance(source, MetricsSource)
    few = plan.model_copy(
        update={
            "probe": plan.probe.model_copy(update={"requests_per_evaluation": 20, "concurrency": 4})
        }
    )
    assert len(source.collect(few, plan.environments.staging)) == 20


def test_an_unreachable_backend_is_all_errors(plan: LaunchPlan) -> None:
    closed = f"http://127.0.0.1:{free_port()}"
    board_only = plan.model_copy(
        update={"slos": plan.slos.model_copy(update={"latency": plan.slos.latency[:1]})}
    )
    samples = probe(closed, board_only, requests=10)
    assert (samples["status"] == 0).all() and samples["error"].all()
    assert set(samples["version"]) == {"unknown"}
    assert judge(samples, plan.slos.model_copy(update={"min_samples": 10})).status == "fail"
    with pytest.raises(IdSourceError, match=f"GET {closed}/api/admin/appointments/board"):
        probe(closed, plan, requests=10)


# ---------------------------------------------------------------------- auth


class _Recorder(BaseHTTPRequestHandler):
    """Answers 200 to `Authorization: Bearer TOKEN`, 401 otherwise; records every request's headers."""

    seen: list[dict[str, str]]

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        type(self).seen.append(dict(self.headers.items()))
        ok = self.headers.get("Authorization") == f"Bearer {TOKEN}"
        body = json.dumps({"status": "ok"} if ok else {"error": "unauthorized"}).encode()
        self.send_response(200 if ok else 401)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def auth_server() -> Iterator[tuple[str, list[dict[str, str]]]]:
    handler = type("Recorder", (_Recorder,), {"seen": []})
    with serving(handler) as url:
        yield url, handler.seen


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def secured(auth: str) -> SmokeCheck:
    extra = {"bearer_secret_block": "statusboard-api-token"} if auth == "bearer" else {}
    return SmokeCheck.model_validate(
        {
            "name": "secured-health",
            "path": "/health",
            "json_fields": ["status"],
            "auth": auth,
            **extra,
        }
    )


def test_bearer_auth_passes_with_the_token_and_fails_without(
    auth_server: tuple[str, list[dict[str, str]]],
) -> None:
    base, seen = auth_server
    bases = {"site": base, "api": base}
    right = AuthChooser(secret_loader=lambda block: SecretStr(TOKEN))
    wrong = AuthChooser(secret_loader=lambda block: SecretStr("not-the-token"))
    with smoke_client() as client:
        (passed,) = run_suite("api", [secured("bearer")], bases, client, right)
        (anonymous,) = run_suite("api", [secured("none")], bases, client, right)
        (refused,) = run_suite("api", [secured("bearer")], bases, client, wrong)
    assert passed.status == "pass", passed.detail
    assert anonymous.status == "fail" and anonymous.detail == "expected status 200, got 401"
    assert refused.status == "fail" and "got 401" in refused.detail
    assert [h.get("Authorization") for h in seen] == [
        f"Bearer {TOKEN}",
        None,
        "Bearer not-the-token",
    ]
    for result in (passed, anonymous, refused):
        assert (
            TOKEN not in result.model_dump_json()
            and "not-the-token" not in result.model_dump_json()
        )


def test_sigv4_signs_with_aws4_hmac_sha256(auth_server: tuple[str, list[dict[str, str]]]) -> None:
    base, seen = auth_server
    session = boto3.Session(
        aws_access_key_id="AKIDSANDBOXEXAMPLE",
        aws_secret_access_key="sandbox-secret-key-xyz",
        aws_session_token="sandbox-session-token",
        region_name="eu-central-1",
    )
    with smoke_client() as client:
        (result,) = run_suite(
            "api",
            [secured("sigv4")],
            {"site": base, "api": base},
            client,
            AuthChooser(lambda: session),
        )
    # the local server wants a bearer token, so 401: what matters is what was sent
    headers = {k.lower(): v for k, v in seen[0].items()}
    authorization = headers["authorization"]
    assert authorization.startswith("AWS4-HMAC-SHA256 Credential=AKIDSANDBOXEXAMPLE/")
    assert "/eu-central-1/execute-api/aws4_request" in authorization
    assert "SignedHeaders=host;x-amz-date;x-amz-security-token" in authorization
    assert headers["x-amz-security-token"] == "sandbox-session-token" and headers["x-amz-date"]
    assert "sandbox-secret-key-xyz" not in json.dumps(seen) + result.model_dump_json()
