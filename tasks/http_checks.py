"""Run the plan's smoke checks over HTTP: one request per check, judged by `golive.core.smoke`.

Plain functions over an httpx.Client; the Prefect task wrappers live with the gates
that use them (Gate A on staging, Gate B and the health check on production). A
check that cannot be sent (timeout, refused, no credentials, no ids) fails: a gate
never passes on a check it could not run.
"""

from __future__ import annotations

import concurrent.futures
import time
from collections.abc import Callable, Mapping
from typing import Any

import httpx

from blocks.plan import PLACEHOLDER, Environment, IdSource, LaunchPlan, SmokeCheck
from golive.core.checks import CheckResult
from golive.core.smoke import Observation, assess, not_run, unreachable
from tasks.http_auth import AuthError, redact, safe_url
from tasks.id_source import IdPool, IdSourceError

__all__ = [
    "AuthSpec",
    "base_urls_of",
    "run_smoke_check",
    "run_smoke_suites",
    "run_suite",
    "smoke_client",
]

# One auth for every check, a chooser per check (tasks.http_auth.AuthChooser), or none.
AuthSpec = httpx.Auth | Callable[[SmokeCheck], httpx.Auth | None] | None
DEFAULT_TIMEOUT_S = 10.0


def smoke_client(timeout: float = DEFAULT_TIMEOUT_S) -> httpx.Client:
    """A client for smoke checks. No redirects: a 301 to a login page must not read as a 200."""
    return httpx.Client(
        timeout=httpx.Timeout(timeout),
        follow_redirects=False,
        headers={"User-Agent": "golive-smoke"},
    )


def base_urls_of(env: Environment) -> dict[str, str]:
    return {"site": env.url, "api": env.api_base_url}


def run_smoke_check(
    check: SmokeCheck,
    base_urls: Mapping[str, str],
    client: httpx.Client,
    auth: httpx.Auth | None,
    suite: str,
    *,
    id_source: IdSource | None = None,
    ids: IdPool | None = None,
) -> CheckResult:
    """Send one check's request and judge the response. `ids` shares fetched ids between checks."""
    path = check.path
    if placeholder := PLACEHOLDER.search(path):
        pool = ids or (IdPool(id_source) if id_source is not None else None)
        if pool is None:
            return not_run(
                check, suite, f"the path uses {placeholder[0]} but the plan has no probe.id_source"
            )
        try:
            pool.load(
                client, base_urls["api"], auth
            )  # ids are API data, whichever target the check hits
            path = pool.fill(path)
        except IdSourceError as error:
            return not_run(check, suite, str(error))

    url = base_urls[check.target] + path
    extra: dict[str, Any] = {"json": check.body} if check.body is not None else {}
    started = time.perf_counter()
    try:
        response = client.request(check.method, url, auth=auth, **extra)
    except (httpx.HTTPError, httpx.InvalidURL, AuthError) as error:
        return unreachable(
            check,
            suite,
            error=redact(f"{type(error).__name__}: {error}".rstrip(": "), auth),
            method=check.method,
            url=safe_url(url),
            latency_ms=_ms_since(started),
        )
    # .request() has read the whole body, so this is time to last byte, as a user waits for it.
    observed = Observation(
        response.status_code, _ms_since(started), response.headers, response.content
    )
    return assess(check, observed, suite)


def run_suite(
    suite: str,
    checks: list[SmokeCheck],
    base_urls: Mapping[str, str],
    client: httpx.Client,
    auth: AuthSpec = None,
    *,
    id_source: IdSource | None = None,
    ids: IdPool | None = None,
) -> list[CheckResult]:
    """Every check of one suite, in plan order; one failure does not stop the others."""
    ids = ids or (IdPool(id_source) if id_source is not None else None)
    results = []
    for check in checks:
        try:
            check_auth = (
                auth(check) if callable(auth) and not isinstance(auth, httpx.Auth) else auth
            )
        except AuthError as error:
            results.append(not_run(check, suite, str(error)))
            continue
        results.append(run_smoke_check(check, base_urls, client, check_auth, suite, ids=ids))
    return results


def run_smoke_suites(
    plan: LaunchPlan,
    env: Environment,
    client: httpx.Client,
    auth: AuthSpec = None,
    *,
    suites: list[str] | None = None,
) -> list[CheckResult]:
    """Every suite of the plan (or the named ones) against one environment; results in plan order.

    Suites run side by side (each its checks in order, as the runbook lists them): they are
    independent, and one after another they cost the sum of every check's latency."""
    unknown = set(suites or ()) - set(plan.smoke.suites)
    if unknown:
        raise ValueError(
            f"unknown smoke suites {sorted(unknown)}; the plan has {list(plan.smoke.suites)}"
        )
    ids = IdPool(plan.probe.id_source) if plan.probe.id_source is not None else None
    chosen = [
        (name, checks)
        for name, checks in plan.smoke.suites.items()
        if suites is None or name in suites
    ]
    if not chosen:
        return []
    with concurrent.futures.ThreadPoolExecutor(
        max_workers=len(chosen), thread_name_prefix="golive-smoke"
    ) as pool:
        running = [
            pool.submit(run_suite, name, checks, base_urls_of(env), client, auth, ids=ids)
            for name, checks in chosen
        ]
        return [result for suite in running for result in suite.result()]


def _ms_since(started: float) -> float:
    return (time.perf_counter() - started) * 1000
