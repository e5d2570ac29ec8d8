"""The `cloudwatch` counting source against the sandbox's ALB metrics (sandbox/alb_metrics.py, in
the sandbox's AWS proxy in front of moto), read with boto3 over HTTP as in AWS.

One recording for the module (about 70 s of wall time): production routed by the ALB at 50/50,
the sandbox's users at 50 requests/s through the production edge for 65 s (so across at least
one minute boundary), a 20 % error fault on the canary backend. Then:

- the reader's counts per target group are exactly what each backend served (its own
  prometheus-client counters, read before and after): requests and 5xx answers; the board's
  slower-than-800 ms count from CloudWatch's PR(:0.8) matches the backend's histogram bucket;
- GetMetricStatistics and a percentile over the same minutes agree with GetMetricData;
- an AccessDenied on GetMetricData is CountsUnavailable naming the action, no key in it.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from blocks.plan import LaunchPlan, load_plan
from sandbox import manager
from sandbox.aws import client
from tasks.metrics.cloudwatch_counts import read_window
from tasks.metrics.counting import CountsUnavailable
from tests.integration.helpers import set_alb_weights
from tests.integration.launch_helpers import plan_variant

USERS_PER_S = 50.0
USERS_FOR_S = 65.0


def _served(sandbox: manager.Sandbox, backend: str) -> dict[str, float]:
    """A backend's own counts: answers, 5xx answers, board answers and board answers <= 0.8 s."""
    text = httpx.get(sandbox.urls[f"{backend}_backend"] + "/metrics", timeout=5).text
    out = {"requests": 0.0, "errors": 0.0, "board": 0.0, "board_fast": 0.0}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == "http_requests_total":
                out["requests"] += sample.value
                out["errors"] += sample.value if sample.labels["status"].startswith("5") else 0
            board = sample.labels.get("handler") == "/api/admin/appointments/board"
            if board and sample.name == "http_request_duration_seconds_count":
                out["board"] += sample.value
            if (
                board
                and sample.name == "http_request_duration_seconds_bucket"
                and sample.labels["le"] == "0.8"
            ):
                out["board_fast"] += sample.value
    return out


@dataclass(frozen=True)
class Recording:
    sandbox: manager.Sandbox
    plan: LaunchPlan
    started: float
    stopped: float
    served: dict[str, dict[str, float]]  # backend -> what it served while the users were on


@pytest.fixture(scope="module")
def recording(
    sandbox_session: manager.Sandbox, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Recording]:
    sandbox = sandbox_session
    sandbox.reset()
    sandbox.use_router("alb")
    try:
        set_alb_weights(sandbox, 50, 50)
        sandbox.set_fault("canary", error_rate=0.2)
        path = plan_variant(
            tmp_path_factory.mktemp("cloudwatch"),
            metrics={"kind": "cloudwatch", "cloudwatch": {"lag": "1s"}},
            environments__production__router__kind="alb",
            canary__bake="120s",
            canary__evaluation_interval="60s",
        )
        plan = load_plan(path, env=sandbox.environment())
        before = {b: _served(sandbox, b) for b in ("stable", "canary")}
        started = time.time()
        sandbox.start_users(USERS_PER_S, duration_s=USERS_FOR_S)
        time.sleep(USERS_FOR_S + 1)
        sandbox.stop_users()
        time.sleep(1)  # the last answers out
        stopped = time.time()
        served = {
            b: {k: v - before[b][k] for k, v in _served(sandbox, b).items()}
            for b in ("stable", "canary")
        }
        yield Recording(sandbox, plan, started, stopped, served)
    finally:
        sandbox.stop_users()
        sandbox.use_router("route53")
        sandbox.reset()


def test_counts_per_target_group_are_what_each_backend_served(recording: Recording) -> None:
    """Measures: the reader's RequestCount/5XX sums and PR(:0.8) over every minute of the users."""
    plan = recording.plan
    counts = read_window(
        plan,
        plan.environments.production,
        canary_start=recording.started,
        start=recording.started,
        end=recording.stopped + 60,  # the window's end is rounded down to the minute: include it
    )
    stable, canary = recording.served["stable"], recording.served["canary"]
    assert stable["requests"] > 1000 and canary["requests"] > 1000, recording.served
    assert counts.stable.requests == stable["requests"]
    assert counts.canary.requests == canary["requests"]
    assert counts.stable.errors == stable["errors"] == 0
    assert counts.canary.errors == canary["errors"]
    assert 0.15 < canary["errors"] / canary["requests"] < 0.25
    assert counts.canary_since_start == counts.canary
    assert counts.start % 60 == 0 and counts.end % 60 == 0 and counts.end - counts.start >= 120
    # every latency SLO reads the whole group: TargetResponseTime counts all its answers
    board = counts.stable.slos["board"]
    assert board.requests == stable["requests"]
    assert board.slower is not None and board.slower >= 0
    drawer = counts.canary.slos["drawer"]
    assert drawer.slower is None and drawer.latency_sum_ms is not None and drawer.latency_sum_ms > 0
    # the canary's group is the router's other target: with the roles swapped, the arms swap
    swapped = read_window(
        plan,
        plan.environments.production,
        canary_start=recording.started,
        start=recording.started,
        end=recording.stopped + 60,
        live_slot="canary",
    )
    assert swapped.canary.requests == stable["requests"]
    assert swapped.stable.errors == canary["errors"]


def _dimensions(sandbox: manager.Sandbox, group: str) -> list[dict[str, str]]:
    ids = sandbox.state["ids"]
    return [
        {"Name": "LoadBalancer", "Value": ids["load_balancer_arn"].split(":loadbalancer/")[1]},
        {"Name": "TargetGroup", "Value": ids[f"{group}_target_group_arn"].rsplit(":", 1)[1]},
    ]


def test_statistics_and_percentiles_agree_with_metric_data(recording: Recording) -> None:
    """Measures: per-minute points (newest first by default), GetMetricStatistics' Sum and p95."""
    sandbox = recording.sandbox
    cloudwatch = client("cloudwatch", sandbox.urls["aws"])  # the AWS proxy, as golive's calls go
    start = datetime.fromtimestamp(recording.started // 60 * 60, UTC)
    end = datetime.fromtimestamp(recording.stopped // 60 * 60 + 60, UTC)
    metric: dict[str, Any] = {
        "Namespace": "AWS/ApplicationELB",
        "MetricName": "RequestCount",
        "Dimensions": _dimensions(sandbox, "canary"),
    }
    data = cloudwatch.get_metric_data(
        MetricDataQueries=[
            {"Id": "n", "MetricStat": {"Metric": metric, "Period": 60, "Stat": "Sum"}},
            {
                "Id": "p",
                "MetricStat": {
                    "Metric": {**metric, "MetricName": "TargetResponseTime"},
                    "Period": 60,
                    "Stat": "p95",
                },
            },
        ],
        StartTime=start,
        EndTime=end,
    )["MetricDataResults"]
    minutes = data[0]["Timestamps"]
    assert len(minutes) >= 2 and minutes == sorted(minutes, reverse=True)
    assert sum(data[0]["Values"]) == recording.served["canary"]["requests"]
    assert all(0 < value < 5 for value in data[1]["Values"])  # seconds
    stats = cloudwatch.get_metric_statistics(
        **metric, StartTime=start, EndTime=end, Period=60, Statistics=["Sum"]
    )["Datapoints"]
    assert sum(point["Sum"] for point in stats) == recording.served["canary"]["requests"]
    latency = cloudwatch.get_metric_statistics(
        **{**metric, "MetricName": "TargetResponseTime"},
        StartTime=start,
        EndTime=end,
        Period=60,
        ExtendedStatistics=["p95"],
    )["Datapoints"]
    by_minute = dict(zip(data[1]["Timestamps"], data[1]["Values"], strict=True))
    for point in latency:
        assert point["ExtendedStatistics"]["p95"] == pytest.approx(by_minute[point["Timestamp"]])


def test_access_denied_is_unavailable_and_names_no_secret(recording: Recording) -> None:
    """Measures: a denied GetMetricData fails closed (CountsUnavailable), never zero counts."""
    sandbox, plan = recording.sandbox, recording.plan
    sandbox.set_aws_fault("monitoring", "access_denied", action="GetMetricData", count=None)
    try:
        with pytest.raises(CountsUnavailable) as raised:
            read_window(
                plan,
                plan.environments.production,
                canary_start=recording.started,
                start=recording.started,
                end=recording.stopped + 60,
            )
    finally:
        sandbox.clear_aws_faults()
    message = str(raised.value)
    assert "cloudwatch:GetMetricData" in message and "AccessDenied" in message
    assert "AKIA" not in message and "Credential=" not in message
