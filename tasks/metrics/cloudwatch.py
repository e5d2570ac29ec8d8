"""CloudWatch's summary of the ALB's own view of the stable and canary target groups, and the alarms.

The probe measures what a synthetic user gets; CloudWatch counts every real request
the load balancer sent to each target group. It can only give aggregates, so this is a
summary reader, not a metric source (`tasks.metrics.MetricsSource`): the judge needs one
row per request. The counting source `cloudwatch` (`cloudwatch_counts.py`) judges the canary on
these metrics' counts instead, percentiles included. `CloudWatchSummary.read()`
returns a summary frame:

| column | type | meaning |
|---|---|---|
| version | str | "stable" or "canary" (the plan's target groups) |
| metric | str | one of METRICS below, or "error_rate" (errors_5xx / requests) |
| value | float | the statistic over the period (latencies in ms) |
| period | datetime (UTC) | start of the CloudWatch period the value covers |

By default the period is the whole window, so CloudWatch does the aggregation (its
Average of TargetResponseTime is already per request) and there is one row per version
and metric; a shorter `period` gives a row per period for trend checks.

Only Average, Sum and Maximum are used here (moto's get_metric_data answers percentile
statistics with a 500; the sandbox's AWS proxy now answers the ALB's namespace itself,
sandbox/alb_metrics.py). Percentile SLOs come from the probe's samples instead. No flow reads
the summary yet; the alarms (`alarm_states`) are read by every gate that judges them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pandas as pd

from blocks.plan import Environment
from golive.core.alarms import MISSING
from tasks.aws_errors import AwsActionError
from tasks.traffic import aws_action
from tasks.traffic.alb import AlbSettings
from tasks.traffic.registry import settings_for

__all__ = [
    "METRICS",
    "MISSING",
    "SUMMARY_COLUMNS",
    "CloudWatchSummary",
    "MetricsError",
    "alarm_states",
]

NAMESPACE = "AWS/ApplicationELB"
SUMMARY_COLUMNS: dict[str, str] = {
    "version": "object",
    "metric": "object",
    "value": "float64",
    "period": "datetime64[ns, UTC]",
}
# our name -> (CloudWatch metric, statistic, factor to our unit)
METRICS: dict[str, tuple[str, str, float]] = {
    "latency_mean_ms": ("TargetResponseTime", "Average", 1000.0),  # CloudWatch reports seconds
    "latency_max_ms": ("TargetResponseTime", "Maximum", 1000.0),
    "requests": ("RequestCount", "Sum", 1.0),
    "errors_5xx": ("HTTPCode_Target_5XX_Count", "Sum", 1.0),
}


class MetricsError(AwsActionError):
    """A CloudWatch/ELB call that failed: '<service>:<Action> on <resource>: <why>'."""


@dataclass
class CloudWatchSummary:
    """A summary reader, not a MetricsSource: `read()` summarises the last `window` seconds per target group."""

    cloudwatch: Any
    load_balancer: str  # the LoadBalancer dimension: app/<name>/<id>
    target_groups: dict[str, str]  # version -> the TargetGroup dimension: targetgroup/<name>/<id>
    window: float = 300.0
    period: int | None = None  # seconds, a multiple of 60; None = the whole window
    end: datetime | None = field(default=None)  # None = now; fixed for tests and reports

    @classmethod
    def for_environment(
        cls,
        environment: Environment,
        *,
        window: float = 300.0,
        period: int | None = None,
        cloudwatch: Any | None = None,
        elbv2: Any | None = None,
    ) -> CloudWatchSummary:
        """Resolve the plan's ALB and target groups (router.alb) to CloudWatch dimensions."""
        router = environment.router
        if router is None or router.section("alb") is None:
            raise ValueError(
                "CloudWatch ALB metrics need the environment's router.alb section "
                "(load balancer and target group names)"
            )
        from tasks.aws import aws_client

        alb = settings_for(
            router, "alb"
        )  # whichever router shifts traffic: the ALB's names are read here
        assert isinstance(alb, AlbSettings)
        elbv2 = elbv2 or aws_client("elbv2", environment)
        load_balancer, groups = _dimensions(elbv2, alb)
        return cls(
            cloudwatch or aws_client("cloudwatch", environment),
            load_balancer,
            groups,
            window=window,
            period=period,
        )

    def read(self) -> pd.DataFrame:
        end = _ceil_minute(self.end or datetime.now(UTC))
        window = _whole_minutes(self.window)
        period = _whole_minutes(self.period) if self.period else window
        wanted = {
            f"q{i}": (version, key)
            for i, (version, key) in enumerate((v, k) for v in self.target_groups for k in METRICS)
        }
        queries = [
            self._query(query_id, version, key, period)
            for query_id, (version, key) in wanted.items()
        ]
        rows: list[dict[str, Any]] = []
        for result in self._metric_data(queries, end - timedelta(seconds=window), end):
            version, key = wanted[result["Id"]]
            factor = METRICS[key][2]
            rows += [
                {"version": version, "metric": key, "value": float(value) * factor, "period": ts}
                for ts, value in zip(result["Timestamps"], result["Values"], strict=True)
            ]
        return _with_error_rate(rows)

    def _query(self, query_id: str, version: str, key: str, period: int) -> dict[str, Any]:
        metric, stat, _ = METRICS[key]
        return {
            "Id": query_id,
            "Label": f"{version} {key}",
            "ReturnData": True,
            "MetricStat": {
                "Stat": stat,
                "Period": period,
                "Metric": {
                    "Namespace": NAMESPACE,
                    "MetricName": metric,
                    "Dimensions": [
                        {"Name": "TargetGroup", "Value": self.target_groups[version]},
                        {"Name": "LoadBalancer", "Value": self.load_balancer},
                    ],
                },
            },
        }

    def _metric_data(
        self, queries: list[dict[str, Any]], start: datetime, end: datetime
    ) -> list[dict[str, Any]]:
        results: list[dict[str, Any]] = []
        kwargs: dict[str, Any] = {"MetricDataQueries": queries, "StartTime": start, "EndTime": end}
        with aws_action(
            "cloudwatch:GetMetricData", f"load balancer {self.load_balancer}", MetricsError
        ):
            while True:
                page = self.cloudwatch.get_metric_data(**kwargs)
                results += page["MetricDataResults"]
                if not page.get("NextToken"):
                    break
                kwargs["NextToken"] = page["NextToken"]
        # Pages may split one query's points: merge them by query id.
        merged: dict[str, dict[str, Any]] = {}
        for result in results:
            into = merged.setdefault(
                result["Id"], {"Id": result["Id"], "Timestamps": [], "Values": []}
            )
            into["Timestamps"] += result["Timestamps"]
            into["Values"] += result["Values"]
        return list(merged.values())


def _with_error_rate(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """Add errors_5xx = 0 where there were requests but no 5XX datapoint, and error_rate per period.

    An ALB publishes HTTPCode_Target_5XX_Count only for periods that had a 5XX, so "no
    datapoint" next to a RequestCount means zero errors, not unknown. Without requests
    there is no rate (missing, which the judge treats as inconclusive, never as a pass).
    """
    values = {(r["version"], r["metric"], r["period"]): r["value"] for r in rows}
    for (version, metric, period), requests in list(values.items()):
        if metric != "requests" or requests <= 0:
            continue
        errors = values.get((version, "errors_5xx", period))
        if errors is None:
            rows.append(
                {"version": version, "metric": "errors_5xx", "value": 0.0, "period": period}
            )
            errors = 0.0
        rows.append(
            {
                "version": version,
                "metric": "error_rate",
                "value": errors / requests,
                "period": period,
            }
        )
    frame = pd.DataFrame(rows, columns=list(SUMMARY_COLUMNS))
    frame["period"] = pd.to_datetime(frame["period"], utc=True)
    frame = frame.astype(SUMMARY_COLUMNS)
    return frame.sort_values(["version", "metric", "period"], ignore_index=True)


def alarm_states(environment: Environment, cloudwatch: Any | None = None) -> dict[str, str]:
    """{alarm name: OK | ALARM | INSUFFICIENT_DATA | MISSING} for the plan's alarms, in plan order.

    A named alarm that does not exist is MISSING rather than left out, so the one alarm rule
    (`golive.core.alarms.alarm_checks`) fails closed on a typo or a deleted alarm.
    """
    names = list(environment.alarms)
    if not names:
        return {}
    if cloudwatch is None:
        from tasks.aws import aws_client

        cloudwatch = aws_client("cloudwatch", environment)
    found: dict[str, str] = {}
    for chunk in (names[i : i + 100] for i in range(0, len(names), 100)):  # the API's page limit
        with aws_action("cloudwatch:DescribeAlarms", f"alarms {', '.join(chunk)}", MetricsError):
            response = cloudwatch.describe_alarms(
                AlarmNames=chunk, MaxRecords=100, AlarmTypes=["MetricAlarm", "CompositeAlarm"]
            )
        for alarm in response.get("MetricAlarms", []) + response.get("CompositeAlarms", []):
            found[alarm["AlarmName"]] = alarm["StateValue"]
    return {name: found.get(name, MISSING) for name in names}


def _dimensions(elbv2: Any, alb: AlbSettings) -> tuple[str, dict[str, str]]:
    """ARNs -> dimension values: '...:loadbalancer/app/n/id' -> 'app/n/id', '...:targetgroup/n/id' -> itself."""
    with aws_action(
        "elbv2:DescribeLoadBalancers", f"load balancer {alb.load_balancer_name}", MetricsError
    ):
        lb_arn = elbv2.describe_load_balancers(Names=[alb.load_balancer_name])["LoadBalancers"][0][
            "LoadBalancerArn"
        ]
    groups = {}
    for version, name in (("stable", alb.stable_target_group), ("canary", alb.canary_target_group)):
        with aws_action("elbv2:DescribeTargetGroups", f"target group {name}", MetricsError):
            arn = elbv2.describe_target_groups(Names=[name])["TargetGroups"][0]["TargetGroupArn"]
        groups[version] = arn.split(":")[-1]
    return lb_arn.split(":loadbalancer/", 1)[1], groups


def _whole_minutes(seconds: float) -> int:
    """CloudWatch periods for standard-resolution metrics are multiples of 60 s."""
    return max(60, math.ceil(seconds / 60) * 60)


def _ceil_minute(moment: datetime) -> datetime:
    floor = moment.replace(second=0, microsecond=0)
    return floor if floor == moment else floor + timedelta(minutes=1)
