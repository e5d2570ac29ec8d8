"""One canary evaluation on a counting metric source (Prometheus): real users' counts, judged sequentially.

The window is [start, start + evaluation_interval]: the task waits for it to pass and for the
scrape after it, reads the arms' counts over it and the canary's since it started
(`tasks/metrics/prometheus.py`), reads the alarms, and judges them with
`golive.core.counts_judge`. A source that cannot count gives an inconclusive verdict (bake on,
then a human), never a pass. With `floor: probe`, a window in which the canary served fewer
than `min_samples` requests is also probed, and the probe's verdict is the floor.
"""

from __future__ import annotations

from prefect import task
from prefect.cache_policies import NO_CACHE

from blocks.plan import LaunchPlan
from flows.samples import keep_samples
from golive.core.arms import ArmRule, with_arms
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
from tasks.metrics.probe_source import PROBE_SOURCE
from tasks.metrics.prometheus import CountsUnavailable, read_window, wait_for_window
from tasks.metrics.prometheus_source import settings_of
from tasks.metrics.registry import source_for


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
) -> tuple[CountsVerdict, float]:
    """The verdict on [start, start + interval] and that window's end (the next window's start).

    `history` is this step's (canary, stable) windows so far, for the comparison with stable;
    this window is appended to it."""
    production = plan.environments.production
    settings = settings_of(plan)
    source = source_for(plan).kind
    end = start + float(plan.canary.evaluation_interval)
    wait_for_window(end, settings)
    alarms = alarm_states(production)
    bound = float(plan.canary.false_rollback_bound)
    try:
        counts = read_window(
            plan, production, arms, canary_start=canary_start, start=start, end=end
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
                f"requests in {end - start:.1f} s ({counts.queries} queries); since the canary "
                f"started {counts.canary_since_start.requests} canary requests",
            ]
        }
    )
    thin = counts.canary.requests < plan.slos.min_samples
    if settings.floor == "probe" and thin:
        samples = with_arms(PROBE_SOURCE.collect(plan, production), arms)
        keep_samples(stage, number, samples)
        floor = judge_canary(
            samples,
            plan.slos,
            plan.canary.compare_with_stable,
            alarms,
            step=percent,
            max_client_lag_ms=plan.max_client_lag_ms,
        )
        verdict = with_floor(
            verdict,
            floor,
            f"{counts.canary.requests} canary requests in the window, {plan.slos.min_samples} needed",
        )
    return verdict, end
