"""Measure and judge, confirming a bad verdict on fresh samples before it stops anything.

The samples come from the plan's metric source (`tasks/metrics/registry.py`; the probe unless
the plan's `metrics.kind` says otherwise).

On this kind of evidence a single probe can land in a noisy second (a neighbour's CPU, a
GC pause) and read a healthy p95 of 500 ms as 804 ms. One failed or inconclusive probe
is therefore followed by a second, and the verdict is on both together: a real breach
fails again (with twice the evidence), noise does not. The canary does the same with its
consecutive-failures rule. A saturated probe (its own client lag over the plan's bound) is
inconclusive, so it too gets a second probe: a passing burst of a neighbour's CPU is not
the release's fault.
"""

from __future__ import annotations

import pandas as pd

from blocks.plan import Environment, LaunchPlan
from golive.core.checks import CheckResult
from golive.core.judge import Verdict, judge
from tasks.id_source import IdSourceError
from tasks.metrics import empty_samples
from tasks.metrics.registry import source_for


def measure_and_judge(plan: LaunchPlan, environment: Environment) -> tuple[Verdict, pd.DataFrame]:
    source = source_for(plan)
    samples = source.collect(plan, environment)
    verdict = judge(samples, plan.slos, max_client_lag_ms=plan.max_client_lag_ms)
    if not verdict.ok:
        samples = pd.concat([samples, source.collect(plan, environment)], ignore_index=True)
        verdict = judge(samples, plan.slos, max_client_lag_ms=plan.max_client_lag_ms)
        verdict.notes.append("confirmed on a second probe: judged on both together")
    return verdict, samples


def confirmed_slo_checks(
    plan: LaunchPlan, environment: Environment
) -> tuple[list[CheckResult], pd.DataFrame]:
    """measure_and_judge's checks; with no ids for {id} (the id source failed) one inconclusive check:
    without the drawer's samples the SLOs cannot be proved, and what cannot be proved does not pass."""
    try:
        verdict, samples = measure_and_judge(plan, environment)
    except IdSourceError as error:
        return [
            CheckResult(
                name="SLO probe",
                status="inconclusive",
                value="not run",
                threshold="samples",
                detail=str(error),
            )
        ], empty_samples()
    return verdict.checks, samples
