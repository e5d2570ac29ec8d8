"""The ALB's CloudWatch metrics, emulated in front of moto (moto publishes no ALB metrics, and answers
percentile statistics with a 500).

A real Application Load Balancer publishes, per target group and per minute, in namespace
`AWS/ApplicationELB` with dimensions LoadBalancer + TargetGroup (and LoadBalancer alone, the
whole load balancer): `RequestCount`, `HTTPCode_Target_2XX/3XX/4XX/5XX_Count` and
`TargetResponseTime` (seconds, a distribution: percentiles and percentile ranks can be asked of
it). Here the production edge is that load balancer while the world routes by ALB (`router: alb`):
each API answer it forwards from a backend is recorded against that backend's target group
(stable backend = the stable target group, canary = canary, as sandbox/seed.py names them), with
its status and the time from the request's arrival to its answer. Kept per target group per
minute (every latency, so statistics are exact), dropped after an hour.

Answered as CloudWatch answers them (`GetMetricData`, `GetMetricStatistics`, JSON protocol, the
one botocore speaks to CloudWatch):

- periods start at StartTime rounded down to the minute, every `Period` seconds (a multiple of
  60; a shorter one gives one-minute points, the metrics' resolution), up to EndTime (exclusive);
  a period holding no data gives no data point, and the count metrics are published only when
  nonzero (an ALB's reporting criterion), so a minute without 5xx answers has no 5XX data point;
- statistics: SampleCount, Sum, Average, Minimum, Maximum (a count metric's requests each count
  1, so its Average, Minimum and Maximum are 1), and for TargetResponseTime `pNN` (nearest rank)
  and `PR(n:m)`, the percentage of values v with n < v <= m (either bound may be left out);
  a percentile statistic of a count metric has no data points (they are not published as
  distributions); TM, WM, TC, TS and IQM are refused as not emulated (400), not answered wrongly;
- GetMetricData orders each result's points by `ScanBy`, newest first by default.

What is not emulated: metric math (`Expression`) and queries of other namespaces in the same call
(refused, 400: a call with none of this namespace goes to moto untouched), the query protocol
(forwarded to moto), delivery lag (a minute's points show at once and grow until it ends: AWS
shows them a minute or two late), data older than an hour, ELB-generated (HTTPCode_ELB_*) counts.
"""

from __future__ import annotations

import json
import math
import re
import time
from array import array
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

NAMESPACE = "AWS/ApplicationELB"
KEEP_S = 3600
MINUTE = 60
ACTIONS = ("GetMetricData", "GetMetricStatistics")
COUNTS = {
    "RequestCount": None,  # every answer
    "HTTPCode_Target_2XX_Count": 2,
    "HTTPCode_Target_3XX_Count": 3,
    "HTTPCode_Target_4XX_Count": 4,
    "HTTPCode_Target_5XX_Count": 5,
}
LATENCY = "TargetResponseTime"
_PERCENTILE = re.compile(r"[pP](\d{1,2}(?:\.\d{1,10})?|100)")
_RANK = re.compile(r"PR\(([0-9.]*):([0-9.]*)\)", re.IGNORECASE)
_NOT_EMULATED = re.compile(r"(tm|wm|tc|ts)\d|(tm|wm|tc|ts)\(|iqm", re.IGNORECASE)
BASIC = ("SampleCount", "Sum", "Average", "Minimum", "Maximum")


class CloudWatchError(Exception):
    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.code, self.message, self.status = code, message, status


@dataclass
class _Minute:
    latencies: array = field(default_factory=lambda: array("d"))
    classes: array = field(default_factory=lambda: array("b"))  # the status's first digit


class AlbMetrics:
    """One load balancer's target groups; `observe` from the edge, `call` from the AWS proxy."""

    def __init__(
        self,
        load_balancer_arn: str,
        target_groups: Mapping[str, str],  # backend name -> target group ARN
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.load_balancer = load_balancer_arn.split(":loadbalancer/", 1)[-1]  # app/<name>/<id>
        self.groups = {name: arn.rsplit(":", 1)[-1] for name, arn in target_groups.items()}
        self._clock = clock
        self._minutes: dict[tuple[str, int], _Minute] = {}
        self._order: deque[tuple[str, int]] = deque()

    # ------------------------------------------------------------------ recording

    def observe(self, backend: str, status: int, seconds: float) -> None:
        """One answer the load balancer forwarded from `backend`'s target group (cheap: the edge's path)."""
        group = self.groups.get(backend)
        if group is None:
            return
        minute = int(self._clock() // MINUTE * MINUTE)
        key = (group, minute)
        record = self._minutes.get(key)
        if record is None:
            record = self._minutes[key] = _Minute()
            self._order.append(key)
            while self._order and self._order[0][1] < minute - KEEP_S:
                self._minutes.pop(self._order.popleft(), None)
        record.latencies.append(max(0.0, seconds))
        record.classes.append(status // 100)

    def clear(self) -> None:
        self._minutes.clear()
        self._order.clear()

    # ------------------------------------------------------------------ the API

    def wants(self, action: str | None, content_type: str) -> bool:
        return action in ACTIONS and content_type.lower().startswith("application/x-amz-json")

    def call(self, action: str, body: bytes) -> dict[str, Any] | None:
        """The answer's JSON, or None when the call is not this namespace's (moto serves it);
        CloudWatchError for what CloudWatch would refuse."""
        try:
            request = json.loads(body or b"{}")
        except ValueError:
            raise CloudWatchError("SerializationException", "the body is not JSON") from None
        if action == "GetMetricStatistics":
            return self._statistics(request)
        return self._metric_data(request)

    def _metric_data(self, request: Mapping[str, Any]) -> dict[str, Any] | None:
        queries = request.get("MetricDataQueries") or []
        ours = [
            q
            for q in queries
            if (q.get("MetricStat") or {}).get("Metric", {}).get("Namespace") == NAMESPACE
        ]
        if not ours:
            return None
        if len(ours) != len(queries):
            raise CloudWatchError(
                "InvalidParameterValue",
                f"the golive sandbox emulates only {NAMESPACE} metric queries; this call mixes "
                "them with others or with metric math (not emulated)",
            )
        start, end = _time(request.get("StartTime")), _time(request.get("EndTime"))
        if end <= start:
            raise CloudWatchError(
                "InvalidParameterValue", "The parameter StartTime must be less than EndTime."
            )
        descending = request.get("ScanBy", "TimestampDescending") != "TimestampAscending"
        results = []
        for number, query in enumerate(queries, 1):
            stat = query["MetricStat"]
            metric = stat["Metric"]
            where = f"MetricDataQueries.member.{number}.MetricStat"
            points = self._points(
                metric.get("MetricName", ""),
                metric.get("Dimensions") or [],
                start,
                end,
                _period(stat.get("Period"), f"{where}.Period"),
                stat.get("Stat", ""),
                f"{where}.Stat",
            )
            if descending:
                points.reverse()
            if query.get("ReturnData", True):
                results.append(
                    {
                        "Id": query["Id"],
                        "Label": query.get("Label") or metric.get("MetricName", ""),
                        "Timestamps": [t for t, _ in points],
                        "Values": [v for _, v in points],
                        "StatusCode": "Complete",
                    }
                )
        return {"MetricDataResults": results, "Messages": []}

    def _statistics(self, request: Mapping[str, Any]) -> dict[str, Any] | None:
        if request.get("Namespace") != NAMESPACE:
            return None
        name = request.get("MetricName", "")
        start, end = _time(request.get("StartTime")), _time(request.get("EndTime"))
        period = _period(request.get("Period"), "Period")
        basic = list(request.get("Statistics") or [])
        extended = list(request.get("ExtendedStatistics") or [])
        for stat in basic:
            if stat not in BASIC:
                raise CloudWatchError(
                    "InvalidParameterValue", f"The parameter Statistics {stat!r} is not valid."
                )
        for stat in extended:
            if not _PERCENTILE.fullmatch(stat):
                raise CloudWatchError(
                    "InvalidParameterValue",
                    f"The parameter ExtendedStatistics {stat!r} is not a percentile (p0.0 to p100).",
                )
        dimensions = request.get("Dimensions") or []
        by_time: dict[float, dict[str, Any]] = {}
        unit = "Seconds" if name == LATENCY else "Count"
        for stat in basic + extended:
            for ts, value in self._points(name, dimensions, start, end, period, stat, "Statistics"):
                point = by_time.setdefault(ts, {"Timestamp": ts, "Unit": unit})
                if stat in BASIC:
                    point[stat] = value
                else:
                    point.setdefault("ExtendedStatistics", {})[stat] = value
        return {"Label": name, "Datapoints": [by_time[t] for t in sorted(by_time)]}

    # ------------------------------------------------------------------ statistics

    def _groups_of(self, dimensions: list[Mapping[str, str]]) -> list[str] | None:
        """The target groups a dimension set covers, None if the ALB publishes no such set."""
        given = {d.get("Name"): d.get("Value") for d in dimensions}
        if given.get("LoadBalancer") != self.load_balancer:
            return None
        if set(given) == {"LoadBalancer"}:
            return list(self.groups.values())
        if (
            set(given) == {"LoadBalancer", "TargetGroup"}
            and given["TargetGroup"] in self.groups.values()
        ):
            return [given["TargetGroup"]]
        return None

    def _points(
        self,
        name: str,
        dimensions: list[Mapping[str, str]],
        start: float,
        end: float,
        period: int,
        stat: str,
        where: str,
    ) -> list[tuple[float, float]]:
        statistic = _statistic(stat, where)
        groups = self._groups_of(dimensions)
        if groups is None or (name not in COUNTS and name != LATENCY):
            return []
        if name != LATENCY and statistic[0] in ("p", "PR"):
            return []  # counts are not published as distributions
        first = int(start // MINUTE * MINUTE)
        points = []
        for t in range(first, math.ceil(end), period):
            values = self._values(name, groups, t, min(t + period, end))
            if not values:
                continue
            value = _apply(statistic, values)
            if value is not None:
                points.append((float(t), value))
        return points

    def _values(self, name: str, groups: list[str], start: float, end: float) -> list[float]:
        values: list[float] = []
        wanted = COUNTS.get(name)
        for minute in range(int(start), math.ceil(end), MINUTE):
            for group in groups:
                record = self._minutes.get((group, minute))
                if record is None:
                    continue
                if name == LATENCY:
                    values += record.latencies.tolist()
                elif wanted is None:
                    values += [1.0] * len(record.classes)
                else:
                    values += [1.0] * record.classes.tolist().count(wanted)
        return values


def _statistic(stat: str, where: str) -> tuple[Any, ...]:
    if stat in BASIC:
        return (stat,)
    if match := _PERCENTILE.fullmatch(stat):
        return ("p", float(match.group(1)))
    if match := _RANK.fullmatch(stat):
        low, high = (float(v) if v else None for v in match.groups())
        return ("PR", low, high)
    if _NOT_EMULATED.match(stat):
        raise CloudWatchError(
            "InvalidParameterValue", f"the statistic {stat} is not emulated by the golive sandbox"
        )
    raise CloudWatchError(
        "InvalidParameterValue", f"The value {stat} for parameter {where} is not a valid statistic."
    )


def _apply(statistic: tuple[Any, ...], values: list[float]) -> float | None:
    kind = statistic[0]
    if kind == "SampleCount":
        return float(len(values))
    if kind == "Sum":
        return math.fsum(values)
    if kind == "Average":
        return math.fsum(values) / len(values)
    if kind == "Minimum":
        return min(values)
    if kind == "Maximum":
        return max(values)
    if kind == "p":
        ordered = sorted(values)
        return ordered[max(0, math.ceil(statistic[1] / 100 * len(ordered)) - 1)]
    _, low, high = statistic
    inside = sum(1 for v in values if (low is None or v > low) and (high is None or v <= high))
    return 100.0 * inside / len(values)


def _time(value: Any) -> float:
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC).timestamp()
    raise CloudWatchError("MissingParameter", "StartTime and EndTime are required.")


def _period(value: Any, where: str) -> int:
    try:
        period = int(value)
    except (TypeError, ValueError):
        raise CloudWatchError("MissingParameter", f"The parameter {where} is required.") from None
    if period <= 0 or (period % MINUTE and period not in (1, 5, 10, 20, 30)):
        raise CloudWatchError(
            "InvalidParameterValue",
            f"The parameter {where} must be 1, 5, 10, 20, 30 or a multiple of 60.",
        )
    return max(period, MINUTE)  # the ALB's resolution: one-minute points
