"""The canary stage artifact (flows/canary.py stage_markdown): every evaluation with the probe's client lag and
how long it took, the worst case from the plan's real costs, and what the evaluations measured."""

from __future__ import annotations

import numpy as np
import pandas as pd

from blocks.plan import load_plan
from golive.core.canary_policy import StepPolicy, rollback_costs, rollback_sentence
from golive.core.checks import CheckResult
from golive.core.judge import judge_canary
from golive.core.stage_report import stage_markdown
from tasks.metrics import samples_frame

PLAN = load_plan("plans/sandbox.yaml", env={})


def window(lag: float) -> pd.DataFrame:
    rows = [
        {
            "ts": 1_700_000_000.0 + i,
            "slo": slo,
            "path": "/",
            "status": 200,
            "latency_ms": 300.0 if slo == "board" else 50.0,
            "error": False,
            "version": version,
            "release": "r",
            "client_lag_ms": lag,
        }
        for version in ("canary", "stable")
        for i in range(60)
        for slo in ("board", "drawer")
    ]
    return samples_frame(rows)


def test_the_stage_artifact_shows_the_lag_the_time_taken_and_the_worst_case() -> None:
    verdicts = [
        judge_canary(
            window(lag),
            PLAN.slos,
            PLAN.canary.compare_with_stable,
            step=30,
            max_client_lag_ms=PLAN.max_client_lag_ms,
        )
        for lag in (2.0, 85.0)
    ]
    costs = rollback_costs(PLAN)
    worst = rollback_sentence(StepPolicy.from_plan(PLAN.canary), costs=costs)
    share = CheckResult(
        name="edge serves 30 % canary", status="pass", value="30.5 % canary", threshold="30 %"
    )
    markdown = stage_markdown(
        PLAN, "v1.4.0", 30, "D", verdicts, "extend", share, worst, [1.26, 2.04], costs.probe_seconds
    )
    lines = markdown.splitlines()
    header = next(line for line in lines if line.startswith("| # |"))
    assert (
        header
        == "| # | verdict | error rate | board | drawer | samples | client lag | took | reason |"
    )
    first, second = (line for line in lines if line.startswith(("| 1 |", "| 2 |")))
    assert (
        first.startswith("| 1 | pass |")
        and "| p95 2 ms, max 2 ms; drawer mean up to +2 ms | 1.3 s |" in first
    )
    assert second.startswith("| 2 | inconclusive |")
    assert "| p95 85 ms, max 85 ms; drawer mean up to +50 ms | 2.0 s | probe saturated: " in second
    assert f"Worst case: {worst}" in markdown and "traffic on stable: 16.5 s" in worst
    assert (
        "Measured: 2 evaluations took 1.3 s to 2 s, median 1.6 s, against 4 s estimated for a probe."
        in markdown
    )
    assert "beyond board p95 80 ms, drawer mean 20 ms" in markdown


def test_without_timings_or_lag_the_columns_say_so() -> None:
    frame = window(np.nan)
    verdict = judge_canary(frame, PLAN.slos, PLAN.canary.compare_with_stable, step=30)
    share = CheckResult(
        name="edge serves 30 % canary", status="pass", value="30 %", threshold="30 %"
    )
    markdown = stage_markdown(PLAN, "v1.4.0", 30, "D", [verdict], "advance", share, "3 s")
    row = next(line for line in markdown.splitlines() if line.startswith("| 1 |"))
    assert "| - | - |" in row and "Measured:" not in markdown


def test_a_stage_judged_on_counts_says_what_its_sequential_tests_guarantee() -> None:
    from golive.core.counts_judge import ArmCounts, SloCounts, judge_counts

    window = ArmCounts(
        400, 0, {"board": SloCounts(160, 1, 48_000.0), "drawer": SloCounts(160, None, 8_000.0)}
    )
    verdict = judge_counts(
        PLAN.slos, window, window, false_rollback_bound=0.01, source="prometheus"
    )
    share = CheckResult(
        name="edge serves 30 % canary", status="pass", value="30 %", threshold="30 %"
    )
    markdown = stage_markdown(PLAN, "v1.4.0", 30, "D", [verdict], "advance", share, "3 s")
    assert (
        "however often it is looked at, the chance this launch rolls back a release that meets "
        "every SLO is at most 1 % (2 tests at 0.5 % each)"
    ) in markdown
    assert all(check.source == "prometheus" for check in verdict.checks)
