"""The `prometheus` source's reader: what real users got, counted by the app's Prometheus metrics.

The canary is judged on counts (golive.core.counts_judge) read from the Prometheus HTTP API
(`/api/v1/query`, instant queries): every request, 5xx answer and latency-histogram bucket the
app's instrumentation exported, per arm. A counter's value at two instants is an exact count
between them (no `increase()` extrapolation), so the canary's counts since it started and
this window's are both differences of the same readings. A series absent at the start began
after it (it counted from zero); a counter that went down was reset (a restarted task): those
counts are unknown, and the evaluation says so instead of guessing.

Arms: each series' labels name the slot and the release that served it (settings
`version_label`, `release_label`); `golive.core.arms.ArmRule` decides its arm exactly as it
does for a probe's response (by release, or by the plan's header values).

Latency SLOs: the histogram of the SLO's handler (`handlers`, default the SLO's path without
its query). A percentile needs a bucket at its threshold (`buckets` states them for
`golive plan check`; at run time the bucket list Prometheus returns is used). A mean is sum
over count.

Its registry entry and plan settings are `tasks/metrics/prometheus_source.py`; `WindowCounts` and
`CountsUnavailable`, shared with the `cloudwatch` source, are `tasks/metrics/counting.py`'s
(importable from here too).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import httpx

from blocks.plan import LaunchPlan
from golive.core.arms import CANARY, STABLE, ArmRule
from golive.core.counts_judge import ArmCounts, SloCounts
from tasks.metrics.counting import CountsUnavailable, WindowCounts, sleep_until
from tasks.metrics.prometheus_source import PrometheusSettings, settings_of

if TYPE_CHECKING:
    from blocks.plan import Environment, LatencySlo

__all__ = ["CountsUnavailable", "WindowCounts", "read_window", "wait_for_window"]


Reading = dict[tuple[str, str, str], float]  # (version, release, le or "") -> counter value


class PrometheusApi:
    """Instant queries against one server (no credentials kept in messages: the URL is the plan's)."""

    def __init__(self, url: str, timeout: float) -> None:
        self._client = httpx.Client(base_url=url.rstrip("/"), timeout=timeout)
        self.queries = 0

    def __enter__(self) -> PrometheusApi:
        return self

    def __exit__(self, *exc: object) -> None:
        self._client.close()

    def instant(self, query: str, at: float) -> list[tuple[Mapping[str, str], float]]:
        self.queries += 1
        try:
            response = self._client.get(
                "/api/v1/query", params={"query": query, "time": f"{at:.3f}"}
            )
        except httpx.HTTPError as error:
            raise CountsUnavailable(f"Prometheus unreachable: {type(error).__name__}") from None
        try:
            body = response.json()
        except ValueError:
            body = {}
        if response.status_code != 200 or body.get("status") != "success":
            detail = body.get("error") or f"HTTP {response.status_code}"
            raise CountsUnavailable(f"Prometheus refused a query: {detail}")
        data = body.get("data", {})
        if data.get("resultType") != "vector":
            raise CountsUnavailable(
                f"Prometheus answered a {data.get('resultType')!r}, not a vector"
            )
        return [(item["metric"], float(item["value"][1])) for item in data.get("result", [])]


def _matchers(settings: PrometheusSettings, *extra: str) -> str:
    return "{" + ",".join(part for part in (settings.selector, *extra) if part) + "}"


def handler_of(slo: LatencySlo, settings: PrometheusSettings) -> str:
    return settings.handlers.get(slo.name, slo.path.split("?", 1)[0])


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"')


class _Queries:
    """The PromQL of one plan: requests, errors, and per latency SLO its buckets, count and sum."""

    def __init__(self, plan: LaunchPlan, settings: PrometheusSettings) -> None:
        s = settings
        by = f"{s.version_label},{s.release_label}"
        self.settings = s
        self.requests = f"sum by ({by}) ({s.requests_metric}{_matchers(s)})"
        server_errors = s.status_label + '=~"5..|5xx"'
        self.errors = f"sum by ({by}) ({s.requests_metric}{_matchers(s, server_errors)})"
        self.latency: dict[str, tuple[str, str, str]] = {}
        for slo in plan.slos.latency:
            handler = f'{s.handler_label}="{_escape(handler_of(slo, s))}"'
            self.latency[slo.name] = (
                f"sum by ({by},le) ({s.duration_metric}_bucket{_matchers(s, handler)})",
                f"sum by ({by}) ({s.duration_metric}_count{_matchers(s, handler)})",
                f"sum by ({by}) ({s.duration_metric}_sum{_matchers(s, handler)})",
            )

    def read(self, api: PrometheusApi, at: float) -> dict[str, Reading]:
        s = self.settings
        queries = {"requests": self.requests, "errors": self.errors}
        for name, (buckets, count, total) in self.latency.items():
            queries |= {f"{name}/buckets": buckets, f"{name}/count": count, f"{name}/sum": total}
        readings: dict[str, Reading] = {}
        for key, query in queries.items():
            readings[key] = {
                (
                    labels.get(s.version_label, ""),
                    labels.get(s.release_label, ""),
                    labels.get("le", ""),
                ): value
                for labels, value in api.instant(query, at)
            }
        return readings


def _delta(later: Reading, earlier: Reading, what: str) -> Reading:
    out: Reading = {}
    for key, value in later.items():
        before = earlier.get(key, 0.0)  # absent before: the series began after (from zero)
        if value < before:
            raise CountsUnavailable(f"{what} went down (a counter reset): counts unknown")
        out[key] = value - before
    return out


def _arm_counts(
    plan: LaunchPlan, delta: Mapping[str, Reading], rule: ArmRule, arm: str
) -> ArmCounts:
    def mine(key: tuple[str, str, str]) -> bool:
        return rule.arm(key[0] or None, key[1] or None) == arm

    def total(reading: Reading) -> int:
        return round(sum(v for k, v in reading.items() if mine(k)))

    requests, errors = total(delta["requests"]), total(delta["errors"])
    slos: dict[str, SloCounts] = {}
    for slo in plan.slos.latency:
        count = total(delta[f"{slo.name}/count"])
        latency_sum = sum(v for k, v in delta[f"{slo.name}/sum"].items() if mine(k)) * 1000
        faster = _bucket(delta[f"{slo.name}/buckets"], mine, float(slo.threshold) / 1000)
        slos[slo.name] = SloCounts(
            count, None if faster is None else max(0, count - faster), latency_sum
        )
    return ArmCounts(requests, min(errors, requests), slos)


def _bucket(reading: Reading, mine: Any, threshold_s: float) -> int | None:
    """How many answers were at most `threshold_s` (the bucket le == threshold), None without one."""
    found = [
        value
        for key, value in reading.items()
        if mine(key) and key[2] not in ("", "+Inf") and math.isclose(float(key[2]), threshold_s)
    ]
    if not found and any(mine(key) for key in reading):
        return None
    return round(sum(found))


def read_window(
    plan: LaunchPlan,
    environment: Environment,
    rule: ArmRule,
    *,
    canary_start: float,
    start: float,
    end: float,
) -> WindowCounts:
    """The arms' counts over [start, end] and the canary's over [canary_start, end] (epoch seconds)."""
    if environment.metrics_url is None:
        raise CountsUnavailable("the environment has no metrics_url: no Prometheus to read")
    settings = settings_of(plan)
    queries = _Queries(plan, settings)
    with PrometheusApi(str(environment.metrics_url), float(settings.timeout)) as api:
        at_end = queries.read(api, end)
        at_start = queries.read(api, start)
        at_canary_start = at_start if canary_start >= start else queries.read(api, canary_start)
        window = {key: _delta(at_end[key], at_start[key], key) for key in at_end}
        since = {key: _delta(at_end[key], at_canary_start[key], key) for key in at_end}
        canary = _arm_counts(plan, window, rule, CANARY)
        stable = _arm_counts(plan, window, rule, STABLE)
        all_requests = round(sum(window["requests"].values()))
        return WindowCounts(
            canary=canary,
            stable=stable,
            canary_since_start=_arm_counts(plan, since, rule, CANARY),
            start=start,
            end=end,
            queries=api.queries,
            other=max(0, all_requests - canary.requests - stable.requests),
        )


def wait_for_window(end: float, settings: PrometheusSettings) -> None:
    """Sleep until the scrape after `end` has landed: a reading at `end` then counts to `end`."""
    sleep_until(end + float(settings.scrape_interval) + 0.25)
