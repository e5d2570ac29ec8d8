"""The Prometheus reader's arithmetic and failure modes, against a loopback server speaking the HTTP
API's instant-query format (the real server is in tests/integration/test_prometheus_canary.py).

The stand-in holds counter values at two instants (before = t 100, after = t 110) and answers
each query at the `time` it is asked for, as Prometheus does with the newest sample then.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest

from blocks.plan import LaunchPlan, read_plan_file, validate_plan
from golive.core.arms import ArmRule
from golive.core.counts_judge import judge_counts
from tasks.metrics.prometheus import CountsUnavailable, read_window
from tests.loopback import QuietHandler, serving

REPO = Path(__file__).resolve().parents[2]
BOARD = "/api/admin/appointments/board"

Series = dict[str, Any]  # labels + "value"
# what each kind of query returns at t 100 and at t 110
WORLD: dict[str, dict[int, list[Series]]] = {}


def _healthy_world() -> dict[str, dict[int, list[Series]]]:
    stable = {"version": "stable", "release": "v1.0.0"}
    canary = {"version": "canary", "release": "v2.0.0"}
    return {
        "requests": {
            100: [{**stable, "value": 1000}],  # the canary's series did not exist yet
            110: [{**stable, "value": 1450}, {**canary, "value": 50}],
        },
        "errors": {
            100: [{**stable, "value": 2}],
            110: [{**stable, "value": 3}, {**canary, "value": 1}],
        },
        "buckets": {
            100: [{**stable, "le": "0.8", "value": 395}, {**stable, "le": "+Inf", "value": 400}],
            110: [
                {**stable, "le": "0.8", "value": 575},
                {**stable, "le": "+Inf", "value": 580},
                {**canary, "le": "0.8", "value": 18},
                {**canary, "le": "+Inf", "value": 20},
            ],
        },
        "count": {
            100: [{**stable, "value": 400}],
            110: [{**stable, "value": 580}, {**canary, "value": 20}],
        },
        "sum": {
            100: [{**stable, "value": 80.0}],
            110: [{**stable, "value": 116.0}, {**canary, "value": 5.0}],
        },
    }


def _kind(query: str) -> str:
    if "_bucket" in query:
        return "buckets"
    if "_count" in query:
        return "count"
    if "_sum" in query:
        return "sum"
    return "errors" if '=~"5' in query else "requests"


class _Prometheus(QuietHandler):
    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        asked = parse_qs(urlparse(self.path).query)
        if WORLD.get("refuse"):
            body = {"status": "error", "errorType": "bad_data", "error": "parse error at char 7"}
            self.answer(400, json.dumps(body).encode(), {"Content-Type": "application/json"})
            return
        at = round(float(asked["time"][0]))
        series = WORLD[_kind(asked["query"][0])][at]
        result = [
            {
                "metric": {k: v for k, v in s.items() if k != "value"},
                "value": [at, str(s["value"])],
            }
            for s in series
        ]
        body = {"status": "success", "data": {"resultType": "vector", "result": result}}
        self.answer(200, json.dumps(body).encode(), {"Content-Type": "application/json"})


@pytest.fixture
def prometheus() -> Iterator[str]:
    WORLD.clear()
    WORLD.update(_healthy_world())
    with serving(_Prometheus) as url:
        yield url


def _plan(url: str, **settings: Any) -> LaunchPlan:
    raw = read_plan_file(REPO / "plans" / "sandbox.yaml")
    raw["metrics"] = {"kind": "prometheus", "prometheus": settings}
    raw["environments"]["production"]["metrics_url"] = url
    return validate_plan(raw, env={})


def _read(plan: LaunchPlan) -> Any:
    rule = ArmRule.of(plan, "v2.0.0", "v1.0.0")
    return read_window(
        plan, plan.environments.production, rule, canary_start=100, start=100, end=110
    )


def test_counts_are_counter_differences_per_arm(prometheus: str) -> None:
    counts = _read(_plan(prometheus))
    assert (counts.stable.requests, counts.stable.errors) == (450, 1)
    assert (counts.canary.requests, counts.canary.errors) == (50, 1)  # absent at 100: from zero
    board = counts.canary.slos["board"]
    assert (board.requests, board.slower, board.latency_sum_ms) == (20, 2, 5000.0)
    assert counts.stable.slos["board"].slower == 0  # 180 answered, all within 0.8 s
    assert counts.canary_since_start == counts.canary  # the canary started with the window


def test_a_counter_that_went_down_is_unknown_not_a_count(prometheus: str) -> None:
    WORLD["requests"][110][0]["value"] = 10  # stable restarted: its counter began again
    with pytest.raises(CountsUnavailable, match="counter reset"):
        _read(_plan(prometheus))


def test_a_refused_query_says_what_prometheus_said(prometheus: str) -> None:
    WORLD["refuse"] = [{}]
    with pytest.raises(CountsUnavailable, match="refused a query: parse error at char 7"):
        _read(_plan(prometheus))


def test_no_server_is_unavailable(prometheus: str) -> None:
    from golive.local.prefect_server import free_port

    with pytest.raises(CountsUnavailable, match="unreachable"):
        _read(_plan(f"http://127.0.0.1:{free_port()}"))


def test_no_bucket_at_the_threshold_makes_the_percentile_inconclusive(prometheus: str) -> None:
    for at in (100, 110):
        for series in WORLD["buckets"][at]:
            if series["le"] == "0.8":
                series["le"] = "0.75"
    plan = _plan(prometheus)
    counts = _read(plan)
    assert counts.canary.slos["board"].slower is None
    verdict = judge_counts(
        plan.slos, counts.canary, counts.canary_since_start, false_rollback_bound=0.01
    )
    board = next(c for c in verdict.checks if c.name == "board p95")
    assert board.status == "inconclusive" and "no histogram bucket at 800" in board.detail


def test_the_queries_carry_the_plans_selector_and_handlers(prometheus: str) -> None:
    from tasks.metrics.prometheus import _Queries
    from tasks.metrics.prometheus_source import settings_of

    plan = _plan(
        prometheus, selector='job="api"', handlers={"drawer": "/api/admin/appointments/:id"}
    )
    queries = _Queries(plan, settings_of(plan))
    assert queries.requests == 'sum by (version,release) (http_requests_total{job="api"})'
    assert queries.errors == (
        'sum by (version,release) (http_requests_total{job="api",status=~"5..|5xx"})'
    )
    assert queries.latency["board"][0] == (
        f'sum by (version,release,le) (http_request_duration_seconds_bucket{{job="api",handler="{BOARD}"}})'
    )
    assert 'handler="/api/admin/appointments/:id"' in queries.latency["drawer"][1]
