"""Measure and judge, confirming a bad verdict on fresh samples before it stops anything.

The samples come from the plan's metric source (`tasks/metrics/registry.py`; the probe unless
the plan's `metrics.kind` says otherwise).

On this kind of evidence a single probe can land in a noisy second (a neighbour's CPU, a
GC pause) and read a healthy p95 of 500 ms as 804 ms. One failed or inconclusive probe
is therefore followed by a second, and the verdict is on both together: a real breach
fails again (with twice the evidence), noise does not. The canary does the same with its
consecutive-failures rule.

A saturated probe (its own client lag over the plan's bound) measured the machine it ran on,
not the release: its samples say nothing either way, so they are dropped and the probe runs
again, fresh, after a pause that doubles each time (1, 2, 4 s: a neighbour's burst of CPU
passes) — at most SATURATED_ATTEMPTS probes in all. Mixing them with a
second probe's would carry the first one's lag into the verdict. If every attempt is
saturated the verdict stays inconclusive ("probe saturated: ..."), and what cannot be proved
does not pass.
"""

from __future__ import annotations

import time

import pandas as pd

from blocks.plan import Environment, LaunchPlan
from golive.core.checks import CheckResult
from golive.core.judge import Verdict, judge
from tasks.id_source import IdSourceError
from tasks.metrics import empty_samples
from tasks.metrics.registry import source_for

SATURATED_ATTEMPTS = 4
SATURATED_PAUSE_S = 1.0  # the first pause; each next one doubles (1, 2, 4 s: at most 7 s in all)
DROPPED = "its samples dropped"  # in the note of each saturated probe that was measured again


def _judged(plan: LaunchPlan, samples: pd.DataFrame) -> Verdict:
    return judge(samples, plan.slos, max_client_lag_ms=plan.max_client_lag_ms)


def measure_and_judge(plan: LaunchPlan, environment: Environment) -> tuple[Verdict, pd.DataFrame]:
    source = source_for(plan)
    notes: list[str] = []
    samples = source.collect(plan, environment)
    verdict = _judged(plan, samples)
    for attempt in range(2, SATURATED_ATTEMPTS + 1):
        if not verdict.saturated:
            break
        pause = SATURATED_PAUSE_S * 2 ** (attempt - 2)
        notes.append(
            f"probe {attempt - 1} saturated ({verdict.reason}): {DROPPED}, "
            f"measured again after {pause:g} s"
        )
        time.sleep(pause)
        samples = source.collect(plan, environment)
        verdict = _judged(plan, samples)
    if not verdict.ok and not verdict.saturated:
        samples = pd.concat([samples, source.collect(plan, environment)], ignore_index=True)
        verdict = _judged(plan, samples)
        notes.append("confirmed on a second probe: judged on both together")
    verdict.notes = [*notes, *verdict.notes]
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
    dropped = [note for note in verdict.notes if DROPPED in note]
    if dropped:  # visible beside the checks: the gate was judged on a later probe than the first
        verdict.checks.append(
            CheckResult(
                name="SLO probe re-measured",
                status="pass",
                value=f"{len(dropped)} saturated probe(s) dropped",
                threshold="judged on a probe within its client-lag bound",
                detail="; ".join(dropped),
            )
        )
    return verdict.checks, samples
