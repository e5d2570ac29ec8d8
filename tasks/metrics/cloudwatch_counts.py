"""The `cloudwatch` source's reader: what real users got, as the production ALB counted it per target group.

CloudWatch's `AWS/ApplicationELB` metrics, dimensions LoadBalancer + TargetGroup, for the router's
two target groups (`router.alb`; the canary's is the one the launch's roles make it,
`tasks/traffic/roles.py`), one GetMetricData call per time range with one period spanning it,
so CloudWatch aggregates (its percentile ranks too):

| what | metric | statistic |
|---|---|---|
| requests | RequestCount | Sum |
| 5xx answers | HTTPCode_Target_5XX_Count | Sum |
| latency count | TargetResponseTime | SampleCount (requests a target answered) |
| a mean SLO's sum | TargetResponseTime | Average × SampleCount |
| a percentile SLO's slower share | TargetResponseTime | PR(:T) in seconds: the percentage at most T |

so `slower = count × (1 − PR/100)`. Windows are whole minutes (ALB metrics have one-minute
periods): [start, end] becomes [floor(start), floor(end)) to the minute, so consecutive windows
cover every minute once; a window within one minute holds none and is unavailable.

What is zero and what is unknown, as the ALB publishes them: RequestCount and the 5XX count are
published only for a period in which they are nonzero, so no data point is zero (no requests;
no 5xx among the requests counted). A latency statistic missing while requests were counted is
unknown (that SLO inconclusive), never zero. A call that fails (unreachable, AccessDenied,
throttled past botocore's retries), a result not `Complete`, or more than one data point for a
single-period query is `CountsUnavailable`: the evaluation is inconclusive (fail closed).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from blocks.plan import LaunchPlan
from golive.core.counts_judge import ArmCounts, SloCounts
from tasks.metrics.cloudwatch import NAMESPACE, MetricsError, _dimensions
from tasks.metrics.cloudwatch_source import PERIOD_S
from tasks.metrics.counting import CountsUnavailable, WindowCounts
from tasks.traffic.roles import other_slot

if TYPE_CHECKING:
    from blocks.plan import Environment

__all__ = ["floor_minute", "percent_rank_stat", "read_window"]

REQUESTS, ERRORS, LATENCY = "RequestCount", "HTTPCode_Target_5XX_Count", "TargetResponseTime"


def floor_minute(moment: float) -> int:
    return int(moment // PERIOD_S * PERIOD_S)


def percent_rank_stat(threshold_ms: float) -> str:
    """CloudWatch's percentile rank at a latency threshold: TargetResponseTime is in seconds."""
    return f"PR(:{threshold_ms / 1000:g})"


def _statistics(plan: LaunchPlan) -> list[tuple[str, str]]:
    """(metric, statistic) read per target group and range."""
    wanted = [(REQUESTS, "Sum"), (ERRORS, "Sum")]
    if plan.slos.latency:
        wanted.append((LATENCY, "SampleCount"))
    if any(slo.stat == "mean" for slo in plan.slos.latency):
        wanted.append((LATENCY, "Average"))
    for slo in plan.slos.latency:
        if (
            slo.stat != "mean"
            and (LATENCY, stat := percent_rank_stat(float(slo.threshold))) not in wanted
        ):
            wanted.append((LATENCY, stat))
    return wanted


class _Reader:
    def __init__(self, cloudwatch: Any, load_balancer: str, plan: LaunchPlan) -> None:
        self.cloudwatch = cloudwatch
        self.load_balancer = load_balancer
        self.statistics = _statistics(plan)
        self.queries = 0

    def read(
        self, groups: Mapping[str, str], start: int, end: int
    ) -> dict[str, dict[tuple[str, str], float | None]]:
        """{role: {(metric, stat): value or None (no data point)}} over one period [start, end)."""
        period = end - start
        ids: dict[str, tuple[str, str, str]] = {}
        queries = []
        for role, group in groups.items():
            for metric, stat in self.statistics:
                query_id = f"q{len(ids)}"
                ids[query_id] = (role, metric, stat)
                queries.append(
                    {
                        "Id": query_id,
                        "ReturnData": True,
                        "MetricStat": {
                            "Stat": stat,
                            "Period": period,
                            "Metric": {
                                "Namespace": NAMESPACE,
                                "MetricName": metric,
                                "Dimensions": [
                                    {"Name": "LoadBalancer", "Value": self.load_balancer},
                                    {"Name": "TargetGroup", "Value": group},
                                ],
                            },
                        },
                    }
                )
        self.queries += len(queries)
        results = self._call(queries, start, end)
        out: dict[str, dict[tuple[str, str], float | None]] = {role: {} for role in groups}
        for query_id, (role, metric, stat) in ids.items():
            result = results.get(query_id)
            if result is None:
                raise CountsUnavailable(f"CloudWatch answered no result for {metric} {stat}")
            status = result.get("StatusCode", "Complete")
            if status != "Complete":
                raise CountsUnavailable(f"CloudWatch's {metric} {stat} is {status}, not Complete")
            values = [float(v) for v in result.get("Values", [])]
            if len(values) > 1:
                raise CountsUnavailable(
                    f"CloudWatch gave {len(values)} data points for {metric} {stat} over one "
                    f"{period} s period"
                )
            out[role][(metric, stat)] = values[0] if values else None
        return out

    def _call(self, queries: list[dict[str, Any]], start: int, end: int) -> dict[str, Any]:
        kwargs: dict[str, Any] = {
            "MetricDataQueries": queries,
            "StartTime": datetime.fromtimestamp(start, UTC),
            "EndTime": datetime.fromtimestamp(end, UTC),
            "ScanBy": "TimestampAscending",
        }
        merged: dict[str, Any] = {}
        try:
            with _action(self.load_balancer):
                while True:
                    page = self.cloudwatch.get_metric_data(**kwargs)
                    for message in page.get("Messages", []):
                        raise CountsUnavailable(
                            f"CloudWatch: {message.get('Code', '?')}: {message.get('Value', '')}"
                        )
                    for result in page["MetricDataResults"]:
                        into = merged.setdefault(
                            result["Id"], {"Values": [], "StatusCode": "Complete"}
                        )
                        into["Values"] += result.get("Values", [])
                        if result.get("StatusCode", "Complete") != "Complete":
                            into["StatusCode"] = result["StatusCode"]
                    if not page.get("NextToken"):
                        break
                    kwargs["NextToken"] = page["NextToken"]
        except MetricsError as error:
            raise CountsUnavailable(str(error)) from None
        return merged


def _action(load_balancer: str) -> Any:
    from tasks.traffic import aws_action

    return aws_action("cloudwatch:GetMetricData", f"load balancer {load_balancer}", MetricsError)


def _arm(plan: LaunchPlan, values: Mapping[tuple[str, str], float | None]) -> ArmCounts:
    requests = round(values.get((REQUESTS, "Sum")) or 0.0)  # published only when nonzero
    errors = round(values.get((ERRORS, "Sum")) or 0.0)  # likewise
    count = values.get((LATENCY, "SampleCount"))
    average = values.get((LATENCY, "Average"))
    slos: dict[str, SloCounts] = {}
    for slo in plan.slos.latency:
        if count is None:
            # no latency data point: no answers if no requests, else unknown
            slos[slo.name] = SloCounts(0, 0, 0.0) if requests == 0 else SloCounts(0, None, None)
            continue
        answered = round(count)
        if slo.stat == "mean":
            total = None if average is None else average * count * 1000
            slos[slo.name] = SloCounts(answered, None, total)
            continue
        rank = values.get((LATENCY, percent_rank_stat(float(slo.threshold))))
        slower = None if rank is None else max(0, round(count * (1 - rank / 100)))
        slos[slo.name] = SloCounts(answered, slower, None)
    return ArmCounts(requests, min(errors, requests), slos)


def read_window(
    plan: LaunchPlan,
    environment: Environment,
    *,
    canary_start: float,
    start: float,
    end: float,
    live_slot: str = "stable",
    cloudwatch: Any | None = None,
    elbv2: Any | None = None,
) -> WindowCounts:
    """The arms' counts over [start, end] and the canary's over [canary_start, end], in whole minutes."""
    from tasks.traffic.alb import AlbSettings
    from tasks.traffic.registry import settings_for

    router = environment.router
    if router is None or router.kind != "alb":
        raise CountsUnavailable("metrics.kind cloudwatch needs the environment's ALB router")
    window_start, window_end = floor_minute(start), floor_minute(end)
    since = min(floor_minute(canary_start), window_start)
    if window_end <= window_start:
        raise CountsUnavailable(
            f"the window [{start:.0f}, {end:.0f}] holds no whole minute: ALB metrics have "
            "one-minute periods"
        )
    from tasks.aws import aws_client

    alb = settings_for(router, "alb")
    assert isinstance(alb, AlbSettings)
    try:
        load_balancer, groups = _dimensions(elbv2 or aws_client("elbv2", environment), alb)
    except MetricsError as error:
        raise CountsUnavailable(str(error)) from None
    roles = {"stable": groups[live_slot], "canary": groups[other_slot(live_slot)]}
    reader = _Reader(cloudwatch or aws_client("cloudwatch", environment), load_balancer, plan)
    window = reader.read(roles, window_start, window_end)
    canary_since = (
        window["canary"]
        if since == window_start
        else reader.read({"canary": roles["canary"]}, since, window_end)["canary"]
    )
    return WindowCounts(
        canary=_arm(plan, window["canary"]),
        stable=_arm(plan, window["stable"]),
        canary_since_start=_arm(plan, canary_since),
        start=float(window_start),
        end=float(window_end),
        queries=reader.queries,
    )
