"""Smoke checks without a network: golive.core.smoke judges responses, tasks.http_checks over httpx.MockTransport."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from blocks.plan import IdSource, SmokeCheck
from golive.core.smoke import Observation, assess, threshold_text
from tasks.http_auth import AuthChooser, AuthError, BearerAuth, SigV4Auth, auth_for, redact
from tasks.http_checks import run_smoke_check, run_suite
from tasks.id_source import IdPool, IdSourceError

TOKEN = "tok-0123456789-very-secret"
BASES = {"site": "https://site.example", "api": "https://api.example"}


def smoke(**fields: Any) -> SmokeCheck:
    return SmokeCheck.model_validate({"name": "api-health", "path": "/health", **fields})


def observed(
    status: int = 200,
    body: Any = None,
    headers: dict[str, str] | None = None,
    latency_ms: float = 43.0,
) -> Observation:
    raw = (
        body
        if isinstance(body, bytes)
        else json.dumps(body if body is not None else {"status": "ok"}).encode()
    )
    return Observation(status=status, latency_ms=latency_ms, headers=headers or {}, body=raw)


# --------------------------------------------------------------- golive.core.smoke


def test_a_good_response_passes_with_value_and_threshold() -> None:
    check = smoke(
        json_fields=["status"], max_latency_ms=500, headers={"Content-Type": "application/json"}
    )
    result = assess(check, observed(headers={"content-type": "application/json"}), "infrastructure")
    assert result.status == "pass" and result.ok
    assert result.name == "infrastructure/api-health"
    assert result.value == "200 in 43 ms"
    assert (
        result.threshold
        == "200, fields status, headers Content-Type contains 'application/json', < 500 ms"
    )
    assert result.detail == "" and result.samples == 1


def test_threshold_text_names_present_only_headers() -> None:
    check = smoke(headers={"X-Golive-Version": ""}, expect_status=404)
    assert threshold_text(check) == "404, headers X-Golive-Version"


def test_wrong_status_fails_and_skips_the_body() -> None:
    check = smoke(json_fields=["status"])
    result = assess(check, observed(503, {"error": "down"}), "infrastructure")
    assert result.status == "fail"
    assert result.detail == "expected status 200, got 503"
    assert result.value == "503 in 43 ms"


def test_missing_fields_are_named() -> None:
    check = smoke(json_fields=["status", "columns[0].status", "columns[*].appointments[*].id"])
    body = {"status": "ok", "columns": [{"appointments": []}, {"appointments": [{"id": 1}]}]}
    result = assess(check, observed(body=body), "features")
    assert result.detail == "missing JSON field columns[0].status"
    both = assess(check, observed(body={"columns": []}), "features")
    assert (
        both.detail
        == "missing JSON fields status, columns[0].status, columns[*].appointments[*].id"
    )


def test_a_body_that_is_not_json_fails_the_fields() -> None:
    check = smoke(json_fields=["release"])
    result = assess(
        check, observed(body=b"<html>", headers={"Content-Type": "text/html"}), "infrastructure"
    )
    assert result.status == "fail"
    assert result.detail == "body is not JSON (text/html), so fields release are missing"


def test_header_names_and_values_match_case_insensitively() -> None:
    check = smoke(headers={"strict-transport-security": "MAX-AGE=", "X-Frame-Options": "deny"})
    headers = {"Strict-Transport-Security": "max-age=63072000", "x-frame-options": "DENY"}
    assert assess(check, observed(headers=headers), "security").status == "pass"


def test_header_problems_are_named() -> None:
    check = smoke(
        headers={
            "Strict-Transport-Security": "max-age=",
            "X-Frame-Options": "DENY",
            "X-Version": "",
        }
    )
    result = assess(check, observed(headers={"X-Frame-Options": "SAMEORIGIN"}), "security")
    assert result.status == "fail"
    assert result.detail == (
        "missing header Strict-Transport-Security; header X-Frame-Options is 'SAMEORIGIN', "
        "expected it to contain 'DENY'; missing header X-Version"
    )


def test_an_empty_header_value_counts_as_present() -> None:
    assert (
        assess(smoke(headers={"X-Version": ""}), observed(headers={"X-Version": ""}), "s").status
        == "pass"
    )


def test_latency_budget_is_strict() -> None:
    check = smoke(max_latency_ms=500)
    assert assess(check, observed(latency_ms=499.4), "performance").status == "pass"
    at_budget = assess(check, observed(latency_ms=500.0), "performance")
    assert at_budget.status == "fail"
    assert at_budget.detail == "took 500 ms, over the 500 ms budget"
    just_over = assess(check, observed(latency_ms=500.4), "performance")
    assert just_over.detail == "took 500.4 ms, over the 500 ms budget"


def test_every_problem_is_listed() -> None:
    check = smoke(
        expect_status=200, headers={"X-Content-Type-Options": "nosniff"}, max_latency_ms=100
    )
    result = assess(check, observed(500, latency_ms=250), "api")
    assert result.detail == (
        "expected status 200, got 500; missing header X-Content-Type-Options; took 250 ms, over the 100 ms budget"
    )


# ------------------------------------------------------ tasks.http_checks (mock)


def client_for(handler: Callable[[httpx.Request], httpx.Response]) -> httpx.Client:
    return httpx.Client(transport=httpx.MockTransport(handler))


def test_the_request_goes_to_the_checks_target_with_method_and_body() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(409, json={"current_version": 3})

    check = smoke(
        name="stale",
        method="PATCH",
        path="/things/7/move",
        body={"version": 0},
        expect_status=409,
        json_fields=["current_version"],
    )
    with client_for(handler) as client:
        result = run_smoke_check(check, BASES, client, None, "features")
    assert result.status == "pass", result.detail
    assert str(seen[0].url) == "https://api.example/things/7/move"
    assert seen[0].method == "PATCH" and json.loads(seen[0].content) == {"version": 0}
    assert "authorization" not in seen[0].headers

    site_check = smoke(target="site", path="/")
    with client_for(lambda r: httpx.Response(200, text=str(r.url))) as client:
        assert run_smoke_check(site_check, BASES, client, None, "s").status == "pass"


@pytest.mark.parametrize(
    "error", [httpx.ConnectError("[Errno 111] Connection refused"), httpx.ReadTimeout("timed out")]
)
def test_transport_errors_fail_closed_without_credentials(error: httpx.HTTPError) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise error

    bases = {"site": "https://site.example", "api": "https://user:hunter2@api.example"}
    with client_for(handler) as client:
        result = run_smoke_check(
            smoke(max_latency_ms=500), bases, client, BearerAuth(SecretStr(TOKEN)), "infra"
        )
    assert result.status == "fail" and not result.ok
    assert result.detail.startswith(type(error).__name__ + ": ")
    assert "GET https://api.example/health" in result.detail
    assert result.value.startswith("no response after ")
    dumped = result.model_dump_json()
    assert "hunter2" not in dumped and TOKEN not in dumped


def test_ids_are_fetched_once_and_filled_in() -> None:
    calls: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request.url.path)
        if request.url.path == "/board":
            return httpx.Response(
                200, json={"columns": [{"appointments": [{"id": 11}, {"id": 12}]}]}
            )
        return httpx.Response(200, json={"id": request.url.path.rsplit("/", 1)[-1]})

    source = IdSource(path="/board", json_path="columns[*].appointments[*].id")
    checks = [
        smoke(name="a", path="/items/{id}", json_fields=["id"]),
        smoke(name="b", path="/items/{id}"),
    ]
    with client_for(handler) as client:
        results = run_suite("api", checks, BASES, client, id_source=source)
    assert [r.status for r in results] == ["pass", "pass"]
    assert calls[0] == "/board" and calls.count("/board") == 1
    assert {c for c in calls[1:]} <= {"/items/11", "/items/12"}


def test_a_path_with_id_but_no_id_source_is_not_run() -> None:
    with client_for(lambda r: httpx.Response(200)) as client:
        result = run_smoke_check(smoke(path="/items/{id}"), BASES, client, None, "api")
    assert (result.status, result.value, result.samples) == ("fail", "not run", 0)
    assert "probe.id_source" in result.detail


@pytest.mark.parametrize(
    ("response", "message"),
    [
        (httpx.Response(503), "status 503"),
        (httpx.Response(200, json={"columns": []}), "matched no ids"),
        (httpx.Response(200, text="<html>"), "not JSON"),
    ],
)
def test_an_unusable_id_source_fails_the_check(response: httpx.Response, message: str) -> None:
    source = IdSource(path="/board", json_path="columns[*].appointments[*].id")
    with client_for(lambda r: response) as client:
        result = run_smoke_check(
            smoke(path="/items/{id}"), BASES, client, None, "api", id_source=source
        )
    assert result.status == "fail" and message in result.detail
    assert "GET https://api.example/board" in result.detail


def test_the_id_source_retries_through_a_flaky_router() -> None:
    answers = iter(
        [
            httpx.Response(500),
            httpx.Response(502),
            httpx.Response(200, json={"columns": [{"appointments": [{"id": 5}]}]}),
        ]
    )
    pool = IdPool(IdSource(path="/board", json_path="columns[*].appointments[*].id"))
    with client_for(lambda r: next(answers)) as client:
        pool.load(client, "https://api.example")
    assert pool.fill("/items/{id}") == "/items/5"
    with pytest.raises(IdSourceError):
        IdPool(pool.source).fill("/items/{id}")


# ------------------------------------------------------------ tasks.http_auth


def test_bearer_auth_never_shows_its_token() -> None:
    auth = BearerAuth(SecretStr(TOKEN))
    assert TOKEN not in repr(auth) and TOKEN not in str(auth) and TOKEN not in repr(vars(auth))
    assert redact(f"echo {TOKEN}", auth) == "echo **********"
    request = httpx.Request("GET", "https://api.example/x")
    flow = auth.auth_flow(request)
    assert next(flow).headers["Authorization"] == f"Bearer {TOKEN}"
    with pytest.raises(AuthError):
        BearerAuth(SecretStr(""))


def test_a_failed_bearer_check_does_not_contain_the_token() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        # a careless server echoing the header into the body and a header
        return httpx.Response(
            401,
            json={"got": request.headers.get("authorization")},
            headers={"WWW-Authenticate": request.headers.get("authorization", "")},
        )

    check = smoke(
        auth="bearer",
        bearer_secret_block="api-token",
        json_fields=["status"],
        headers={"X-Thing": "x"},
    )
    with client_for(handler) as client:
        (result,) = run_suite(
            "api", [check], BASES, client, AuthChooser(secret_loader=lambda _: SecretStr(TOKEN))
        )
    assert result.status == "fail" and "got 401" in result.detail
    assert TOKEN not in result.model_dump_json()


def test_auth_for_picks_per_check() -> None:
    loaded: list[str] = []

    def loader(block: str) -> SecretStr:
        loaded.append(block)
        return SecretStr(TOKEN)

    class Session:
        region_name = "eu-west-1"

    assert auth_for(smoke(), None, None) is None
    assert isinstance(
        auth_for(smoke(auth="bearer", bearer_secret_block="api-token"), None, loader), BearerAuth
    )
    assert loaded == ["api-token"]
    sigv4 = auth_for(smoke(auth="sigv4"), Session, None)
    assert (
        isinstance(sigv4, SigV4Auth)
        and sigv4.region == "eu-west-1"
        and sigv4.service == "execute-api"
    )
    with pytest.raises(AuthError, match="no AWS session"):
        auth_for(smoke(auth="sigv4"), None, None)
    with pytest.raises(AuthError, match="no secret loader"):
        auth_for(smoke(auth="bearer", bearer_secret_block="api-token"), None, None)


def test_a_secret_loader_failure_fails_the_check_without_its_message() -> None:
    def loader(block: str) -> SecretStr:
        raise ValueError(f"block {block} holds {TOKEN} but is malformed")

    check = smoke(auth="bearer", bearer_secret_block="api-token")
    with client_for(lambda r: httpx.Response(200)) as client:
        (result,) = run_suite("api", [check], BASES, client, AuthChooser(secret_loader=loader))
    assert result.status == "fail" and result.value == "not run"
    assert "api-token" in result.detail and "ValueError" in result.detail
    assert TOKEN not in result.model_dump_json()


def test_the_chooser_loads_each_secret_once() -> None:
    loaded: list[str] = []

    def loader(block: str) -> SecretStr:
        loaded.append(block)
        return SecretStr(TOKEN)

    chooser = AuthChooser(secret_loader=loader)
    check = smoke(auth="bearer", bearer_secret_block="api-token")
    chooser(check), chooser(check)
    assert loaded == ["api-token"]
    assert TOKEN not in repr(chooser)


def test_sigv4_without_credentials_fails_the_check() -> None:
    class NoCredentials:
        region_name = "us-east-1"

        def get_credentials(self) -> None:
            return None

    with client_for(lambda r: httpx.Response(200)) as client:
        (result,) = run_suite(
            "api", [smoke(auth="sigv4")], BASES, client, AuthChooser(NoCredentials)
        )
    assert result.status == "fail" and "no AWS credentials" in result.detail
