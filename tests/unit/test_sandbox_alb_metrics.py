"""The sandbox's emulation of the ALB's CloudWatch metrics (sandbox/alb_metrics.py), on answers
recorded at set times (its clock is a parameter): what CloudWatch answers for them."""

from __future__ import annotations

import json
from typing import Any

import pytest

from sandbox.alb_metrics import AlbMetrics, CloudWatchError

LB = "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/prod/abc"
TG = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/{}/{}"
T0 = 1_800_000_000 // 60 * 60  # a minute's start


class Clock:
    now = float(T0)

    def __call__(self) -> float:
        return self.now


def _recorded() -> AlbMetrics:
    clock = Clock()
    metrics = AlbMetrics(LB, {"stable": TG.format("s", "1"), "canary": TG.format("c", "2")}, clock)
    for second, (status, latency) in enumerate([(200, 0.1), (200, 0.3), (500, 0.5), (200, 0.9)]):
        clock.now = T0 + second
        metrics.observe("canary", status, latency)
    clock.now = T0 + 61  # the next minute: two more, no 5xx
    metrics.observe("canary", 200, 0.2)
    metrics.observe("canary", 404, 0.2)
    metrics.observe("staging", 200, 0.2)  # not behind the load balancer: not counted
    return metrics


def _query(stat: str, name: str = "TargetResponseTime", period: int = 60) -> dict[str, Any]:
    return {
        "Id": "q",
        "MetricStat": {
            "Stat": stat,
            "Period": period,
            "Metric": {
                "Namespace": "AWS/ApplicationELB",
                "MetricName": name,
                "Dimensions": [
                    {"Name": "LoadBalancer", "Value": "app/prod/abc"},
                    {"Name": "TargetGroup", "Value": "targetgroup/c/2"},
                ],
            },
        },
    }


def _data(metrics: AlbMetrics, *queries: dict[str, Any], **extra: Any) -> list[dict[str, Any]]:
    body = {"MetricDataQueries": list(queries), "StartTime": T0, "EndTime": T0 + 120, **extra}
    answer = metrics.call("GetMetricData", json.dumps(body).encode())
    assert answer is not None
    return answer["MetricDataResults"]


def test_counts_per_minute_newest_first_and_no_point_for_a_zero_count() -> None:
    metrics = _recorded()
    (requests,) = _data(metrics, _query("Sum", "RequestCount"))
    assert requests["Timestamps"] == [T0 + 60, T0] and requests["Values"] == [2.0, 4.0]
    (errors,) = _data(
        metrics, _query("Sum", "HTTPCode_Target_5XX_Count"), ScanBy="TimestampAscending"
    )
    assert errors["Timestamps"] == [T0] and errors["Values"] == [1.0]  # published only when nonzero
    (whole,) = _data(metrics, _query("Sum", "RequestCount", period=120))
    assert whole["Timestamps"] == [T0] and whole["Values"] == [6.0]


def test_percentile_rank_counts_values_at_most_the_upper_bound() -> None:
    metrics = _recorded()
    (rank,) = _data(metrics, _query("PR(:0.5)"), ScanBy="TimestampAscending")
    assert rank["Values"] == [75.0, 100.0]  # 0.1, 0.3, 0.5 of 0.1, 0.3, 0.5, 0.9: the bound is in
    (between,) = _data(metrics, _query("PR(0.1:0.5)", period=120))
    assert between["Values"] == [pytest.approx(100 * 4 / 6)]  # 0.3, 0.5, 0.2, 0.2: 0.1 is out
    (p50,) = _data(metrics, _query("p50"), ScanBy="TimestampAscending")
    assert p50["Values"] == [0.3, 0.2]
    (count,) = _data(metrics, _query("SampleCount", period=120))
    assert count["Values"] == [6.0]


def test_what_cloudwatch_refuses_or_has_no_data_for() -> None:
    metrics = _recorded()
    assert _data(metrics, _query("p95", "RequestCount"))[0]["Values"] == []  # not a distribution
    with pytest.raises(CloudWatchError, match="not emulated"):
        _data(metrics, _query("tm90"))
    with pytest.raises(CloudWatchError, match="not a valid statistic"):
        _data(metrics, _query("Median"))
    with pytest.raises(CloudWatchError, match="multiple of 60"):
        _data(metrics, _query("Sum", period=90))
    other = {"MetricDataQueries": [{"Id": "x", "Expression": "SUM(METRICS())"}]}
    assert metrics.call("GetMetricData", json.dumps(other).encode()) is None  # moto's to answer
