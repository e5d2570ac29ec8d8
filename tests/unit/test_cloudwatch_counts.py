"""The `cloudwatch` reader's arithmetic on what CloudWatch answers (pure parts: no AWS call is made)."""

from __future__ import annotations

from pathlib import Path

import pytest

from blocks.plan import read_plan_file, validate_plan
from golive.core.counts_judge import SloCounts
from tasks.metrics.cloudwatch_counts import (
    ERRORS,
    LATENCY,
    REQUESTS,
    _arm,
    floor_minute,
    percent_rank_stat,
    read_window,
)
from tasks.metrics.counting import CountsUnavailable

REPO = Path(__file__).resolve().parents[2]


def _plan():  # type: ignore[no-untyped-def]
    raw = read_plan_file(REPO / "plans" / "sandbox.yaml")  # board p95 < 800ms, drawer mean < 200ms
    raw["metrics"] = {"kind": "cloudwatch"}
    raw["environments"]["production"]["router"]["kind"] = "alb"
    raw["canary"] |= {"evaluation_interval": "60s", "bake": "120s"}
    return validate_plan(raw, env={})


def test_percent_rank_is_asked_in_seconds() -> None:
    assert percent_rank_stat(800.0) == "PR(:0.8)" and percent_rank_stat(250.0) == "PR(:0.25)"
    assert (
        floor_minute(1_799_999_999.9) == 1_799_999_940
        and floor_minute(1_800_000_000) == 1_800_000_000
    )


def test_slower_is_count_times_the_share_over_the_threshold_and_a_mean_is_average_times_count() -> (
    None
):
    counts = _arm(
        _plan(),
        {
            (REQUESTS, "Sum"): 1000.0,
            (ERRORS, "Sum"): 12.0,
            (LATENCY, "SampleCount"): 990.0,
            (LATENCY, "Average"): 0.15,
            (LATENCY, "PR(:0.8)"): 97.0,
        },
    )
    assert (counts.requests, counts.errors) == (1000, 12)
    assert counts.slos["board"] == SloCounts(990, round(990 * 0.03), None)
    assert counts.slos["drawer"].latency_sum_ms == pytest.approx(0.15 * 990 * 1000)


def test_no_count_data_point_is_zero_but_a_missing_latency_statistic_is_unknown() -> None:
    # the ALB publishes RequestCount and the 5XX count only when nonzero
    quiet = _arm(_plan(), {(REQUESTS, "Sum"): None, (ERRORS, "Sum"): None})
    assert (quiet.requests, quiet.errors) == (0, 0)
    no_errors = _arm(_plan(), {(REQUESTS, "Sum"): 50.0, (LATENCY, "SampleCount"): 50.0})
    assert no_errors.errors == 0
    assert no_errors.slos["board"].slower is None  # no PR(:0.8) point: unknown, never "none slower"
    assert no_errors.slos["drawer"].latency_sum_ms is None
    blind = _arm(_plan(), {(REQUESTS, "Sum"): 50.0})
    assert blind.slos["board"] == SloCounts(0, None, None)


def test_a_window_within_one_minute_is_unavailable_before_any_call() -> None:
    plan = _plan()
    start = 1_800_000_000 // 60 * 60 + 5
    with pytest.raises(CountsUnavailable, match="holds no whole minute"):
        read_window(
            plan, plan.environments.production, canary_start=start, start=start, end=start + 30
        )


def test_no_aws_to_ask_is_unavailable_and_names_the_action() -> None:
    """boto3 against a closed port on 127.0.0.1 (nothing listens): fail closed, no key in the message."""
    from golive.local.prefect_server import free_port
    from sandbox.aws import client

    plan = _plan()
    dead = f"http://127.0.0.1:{free_port()}"
    start = 1_800_000_000 // 60 * 60
    with pytest.raises(CountsUnavailable) as raised:
        read_window(
            plan,
            plan.environments.production,
            canary_start=start,
            start=start,
            end=start + 120,
            elbv2=client("elbv2", dead),
            cloudwatch=client("cloudwatch", dead),
        )
    message = str(raised.value)
    assert message.startswith("elbv2:DescribeLoadBalancers on load balancer statusboard-prod: ")
    assert "EndpointConnectionError" in message and "sandbox-secret-key" not in message
