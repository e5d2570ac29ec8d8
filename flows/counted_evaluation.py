"""One canary evaluation on a counting metric source (Prometheus, CloudWatch): real users' counts, judged sequentially.

The window is [start, start + evaluation_interval]: the task waits for it to pass and for its
data to land (Prometheus: the scrape after it; CloudWatch: the plan's `lag`), reads the arms'
counts over it and the canary's since it started through the source's entry
(`tasks.metrics.counting.CountingSource`: `tasks/metrics/prometheus.py`,
`tasks/metrics/cloudwatch_counts.py`), reads the alarms, and judges them with
`golive.core.counts_judge`. A source that cannot count gives an inconclusive verdict (bake on,
then a human), never a pass. With `floor: probe`, a window in which the canary served fewer
than `min_samples` requests is also probed, and the probe's verdict is the floor.
"""

from __future__ import annotations

import pandas as pd
from prefect import task
from prefect.cache_policies import NO_CACHE

from blocks.plan import LaunchPlan
from flows.samples import keep_samples
from golive.core.arms import ArmRule, with_arms
from golive.core.canary_policy import evaluation_window
from golive.core.checks import CheckResult
from golive.core.counts_judge import (
    ArmCounts,
    CountsVerdict,
    comparison_alpha,
    judge_counts,
    unavailable,
    with_floor,
)
from golive.core.judge import judge_canary
from tasks.metrics.cloudwatch import alarm_states
from tasks.metrics.counting import CountingSource, CountsUnavailable
from tasks.metrics.probe_source import PROBE_SOURCE
from tasks.metrics.registry import source_for


def counting_source(plan: LaunchPlan) -> CountingSource:
    entry = source_for(plan)
    if not isinstance(entry, CountingSource):
        raise TypeError(f"metrics.kind {entry.kind!r} is not a counting source")
    return entry


@task(name="evaluate (counts)", cache_policy=NO_CACHE)
def evaluate_counts(
    plan: LaunchPlan,
    percent: int,
    arms: ArmRule,
    *,
    canary_start: float,
    start: float,
    stage: str = "",
    number: int = 1,
    history: list[tuple[ArmCounts, ArmCounts]] | None = None,
    live_slot: str = "stable",
    floor_samples: list[pd.DataFrame] | None = None,
) -> tuple[CountsVerdict, float]:
    """The verdict on [start, start + interval] and that window's end (the next window's start).

    `history` is this step's (canary, stable) windows so far, for the comparison with stable;
    this window is appended to it. `live_slot`: the router's target that served users before
    the launch (a source that tells the arms apart by target group, CloudWatch, needs it; one
    that reads labels does not). `floor_samples` is this step's floor probes so far (appended to)."""
    production = plan.environments.production
    entry = counting_source(plan)
    source = entry.kind
    end = start + float(plan.canary.evaluation_interval)
    entry.wait_for_window(plan, end)
    alarms = alarm_states(production)
    bound = float(plan.canary.false_rollback_bound)
    try:
        counts = entry.read_window(
            plan,
            production,
            arms,
            canary_start=canary_start,
            start=start,
            end=end,
            live_slot=live_slot,
        )
    except CountsUnavailable as error:
        return unavailable(
            plan.slos, str(error), false_rollback_bound=bound, alarms=alarms, source=source
        ), end
    if history is None:
        history = []
    history.append((counts.canary, counts.stable))
    verdict = judge_counts(
        plan.slos,
        counts.canary,
        counts.canary_since_start,
        false_rollback_bound=bound,
        alarms=alarms,
        stable=counts.stable,
        source=source,
        versus=history if percent < 100 else (),
        compare=plan.canary.compare_with_stable,
        compare_alpha=comparison_alpha(plan.slos, plan.canary),
    )
    verdict = verdict.model_copy(
        update={
            "notes": [
                *verdict.notes,
                f"{source}: {counts.canary.requests} canary and {counts.stable.requests} stable "
                f"requests in {counts.end - counts.start:.1f} s ({counts.queries} queries); since the canary "
                f"started {counts.canary_since_start.requests} canary requests",
            ]
        }
    )
    # thin: too few requests in this window, in all or at one latency SLO's endpoint
    needed = plan.slos.min_samples
    thin = counts.canary.requests < needed or any(
        slo.requests < needed for slo in counts.canary.slos.values()
    )
    if entry.floor(plan) == "probe" and thin:
        samples = with_arms(PROBE_SOURCE.collect(plan, production), arms)
        keep_samples(stage, number, samples)
        floor_intervals = floor_samples if floor_samples is not None else []
        floor_intervals.append(samples)
        # the step's floor probes pooled as the probe's own evaluations are, newest first
        floor = judge_canary(
            evaluation_window(floor_intervals, plan.slos),
            plan.slos,
            plan.canary.compare_with_stable,
            alarms,
            step=percent,
            max_client_lag_ms=plan.max_client_lag_ms,
        )
        verdict = with_floor(
            verdict,
            floor,
            f"{counts.canary.requests} canary requests in the window (fewer at an SLO's endpoint), "
            f"{needed} needed",
        )
    return verdict, end


@task(name="real traffic (counts)", cache_policy=NO_CACHE)
def counted_checks(
    plan: LaunchPlan,
    arms: ArmRule,
    *,
    start: float,
    end: float,
    history: list[ArmCounts],
    live_slot: str = "stable",
) -> list[CheckResult]:
    """Gate G's checkpoint on what real users got over [start, end]: all of production (every
    user is on the release now), judged by the same sequential tests on the counts since the
    first checkpoint (`history`, this window appended), each check named after its source.
    A source that cannot count is one inconclusive check: the checkpoint cannot pass."""
    production = plan.environments.production
    entry = counting_source(plan)
    entry.wait_for_window(plan, end)
    bound = float(plan.canary.false_rollback_bound)
    try:
        counts = entry.read_window(
            plan, production, arms, canary_start=start, start=start, end=end, live_slot=live_slot
        )
    except CountsUnavailable as error:
        verdict = unavailable(plan.slos, str(error), false_rollback_bound=bound)
    else:
        everyone = counts.canary.plus(counts.stable)
        history.append(everyone)
        since = history[0]
        for window in history[1:]:
            since = since.plus(window)
        verdict = judge_counts(plan.slos, everyone, since, false_rollback_bound=bound)
    return [
        check.model_copy(update={"name": f"{entry.kind}: {check.name}", "source": entry.kind})
        for check in verdict.checks
    ]
