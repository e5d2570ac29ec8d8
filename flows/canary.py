"""The canary gates C–F (deploy before them: flows/production_deploy.py; promotion after:
flows/promote.py).

Each canary step is its own gate (C, D, E, F, ...): shift the weight, verify the edge
serves that share, bake with an SLO evaluation every interval. Any rollback decision
rolls back at once and fails the launch in the runbook's words.
"""

from __future__ import annotations

import time
from functools import partial

import pandas as pd
from prefect import flow, get_run_logger, task
from prefect.artifacts import (
    create_markdown_artifact,
    create_progress_artifact,
    update_progress_artifact,
)
from prefect.cache_policies import NO_CACHE
from prefect.events import emit_event

from blocks.plan import Environment, LaunchPlan
from flows.approvals import request_approval
from flows.artifacts import artifact_key
from flows.counted_evaluation import evaluate_counts
from flows.errors import GateFailed
from flows.notify import announce
from flows.rollback import VERIFY_REQUESTS, rollback_in_launch, verify_share
from flows.samples import keep_samples
from flows.scribe import record
from flows.site_split import split_site
from golive.core.arms import ArmRule, with_arms
from golive.core.canary_policy import (
    StepPolicy,
    StepTracker,
    evaluation_window,
    expected_window_intervals,
    rollback_costs,
    rollback_sentence,
)
from golive.core.counts_judge import ArmCounts
from golive.core.formatting import shorten
from golive.core.judge import Verdict, judge_canary
from golive.core.messages import canary_values, measured_values
from golive.core.stage_report import stage_markdown
from golive.core.summaries import canary_letter
from tasks.aws_errors import retry_unless_denied
from tasks.metrics.cloudwatch import alarm_states
from tasks.metrics.registry import is_counting, source_for
from tasks.traffic.roles import other_slot, router_in_roles

SHARE_REQUESTS = 400


@task(
    name="shift traffic",
    retries=2,
    retry_delay_seconds=1,
    retry_condition_fn=retry_unless_denied,
    cache_policy=NO_CACHE,
)
def shift(production: Environment, percent: int, live_slot: str = "stable") -> str:
    """The canary's percent, in the launch's roles (`live_slot`: the router's name of the slot
    serving users before the launch; slot_swap alternates it)."""
    change = router_in_roles(production, live_slot).set_canary_weight(percent)
    slot = "" if live_slot == "stable" else f" (candidate slot {other_slot(live_slot)})"
    return f"canary {change.before} % -> {change.after} %{slot}" + (
        "" if change.changed else " (unchanged)"
    )


@task(name="evaluate", cache_policy=NO_CACHE)
def evaluate(
    plan: LaunchPlan,
    intervals: list[pd.DataFrame],
    percent: int,
    fresh_from: int,
    stage: str = "",
    arms: ArmRule | None = None,
) -> Verdict:
    """Measure one interval (the plan's metric source), give each sample its arm (`arms`: by the
    release it names, or the plan's header mapping) and judge the window; `fresh_from` keeps a
    confirmation to unseen samples."""
    production = plan.environments.production
    samples = source_for(plan).collect(plan, production)
    intervals.append(with_arms(samples, arms) if arms is not None else samples)
    keep_samples(stage, len(intervals), intervals[-1])
    alarms = alarm_states(production)
    window = evaluation_window(intervals, plan.slos, start=fresh_from)
    return judge_canary(
        window,
        plan.slos,
        plan.canary.compare_with_stable,
        alarms,
        step=percent,
        max_client_lag_ms=plan.max_client_lag_ms,
    )


def record_verdict(gate: str, percent: int, number: int, verdict: Verdict, decision: str) -> None:
    record(
        "verdict",
        verdict.status,
        f"evaluation {number} at {percent} %: {verdict.reason}",
        gate=gate,
        data={
            "percent": percent,
            "evaluation": number,
            "samples": verdict.samples,
            "decision": decision,
            "checks": [c.model_dump() for c in verdict.checks],
        },
    )


@flow(
    name="canary-step",
    flow_run_name="Gate {letter} — canary {percent} % · {release}",
    log_prints=True,
)
def canary_step(
    plan: LaunchPlan,
    release: str,
    driver: str,
    percent: int,
    letter: str,
    failures_before: int,
    progress_id: str | None = None,
    live_release: str | None = None,
    live_slot: str = "stable",
    live_site_release: str | None = None,
    canary_started_at: float | None = None,
) -> int:
    """One step; returns the canary's failure count so far. Raises GateFailed after rolling back.
    `live_release` is what stable serves (the backup manifest's): the arm of a response naming it;
    `live_slot` the router's name of the slot serving users; `live_site_release` what the site
    served before (default: `live_release`)."""
    gate = f"Canary {percent}%"
    gate_name = f"Gate {letter}"
    record(
        "gate",
        "started",
        f"{gate_name}: canary {percent} %",
        gate=gate_name,
        data={"percent": percent},
    )
    try:
        failures = _canary_step(
            plan,
            release,
            driver,
            percent,
            letter,
            failures_before,
            progress_id,
            gate,
            gate_name,
            live_release,
            live_slot,
            live_site_release or live_release,
            canary_started_at,
        )
    except BaseException as error:
        record("gate", "failed", shorten(error, 1000), gate=gate_name, data={"percent": percent})
        raise
    record(
        "gate",
        "passed",
        f"{gate_name}: canary {percent} % passed",
        gate=gate_name,
        data={"percent": percent},
    )
    return failures


def _canary_step(
    plan: LaunchPlan,
    release: str,
    driver: str,
    percent: int,
    letter: str,
    failures_before: int,
    progress_id: str | None,
    gate: str,
    gate_name: str,
    live_release: str | None,
    live_slot: str = "stable",
    live_site_release: str | None = None,
    canary_started_at: float | None = None,
) -> int:
    logger = get_run_logger()
    production = plan.environments.production
    arms = ArmRule.of(plan, release, live_release)
    roll_back = partial(_roll_back, live_release=live_release, live_slot=live_slot)
    if percent == 100:
        request_approval(
            f"Gate {letter}",
            "full-rollout-approval",
            "Authorize full rollout (100 %)",
            f"# Full rollout of {release}\n\nEvery step so far passed. Approve to send 100 % of traffic to {release}.",
            plan,
            driver,
        )
    shifted = shift(production, percent, live_slot)
    logger.info("%s: %s", gate, shifted)
    record("traffic", "shifted", shifted, gate=gate_name, data={"percent": percent})
    if progress_id:
        update_progress_artifact(progress_id, progress=float(percent))
    share = verify_share(plan, percent, release, live_release, SHARE_REQUESTS)
    policy = StepPolicy.from_plan(plan.canary)
    window = expected_window_intervals(plan.probe.requests_per_evaluation, percent, plan.slos)
    costs = rollback_costs(plan, VERIFY_REQUESTS)
    worst_case = rollback_sentence(policy, window_intervals=window, costs=costs)
    if not share.ok:
        roll_back(
            plan,
            release,
            gate,
            f"canary traffic not as set at {percent} % rollout — {share.value}",
            percent,
        )
    site = split_site(plan, release, live_site_release, percent)
    if site is not None:
        record(
            "traffic",
            "site",
            f"{site.name}: {site.value}",
            gate=gate_name,
            data={"percent": percent, "site": site.model_dump()},
        )
        if not site.ok:
            roll_back(
                plan,
                release,
                gate,
                f"site not split as set at {percent} % rollout — {site.value}",
                percent,
            )
    tracker = StepTracker(policy, failures_before=failures_before)
    counting = is_counting(source_for(plan))
    window_start = time.time()  # a counting source's first window starts once the share is set
    canary_start = canary_started_at if canary_started_at is not None else window_start
    intervals: list[pd.DataFrame] = []
    history: list[tuple[ArmCounts, ArmCounts]] = []  # a counting source's (canary, stable) windows
    verdicts: list[Verdict] = []
    seconds: list[
        float
    ] = []  # what each evaluation really took: the worst case's estimate, measured
    while True:
        started = time.monotonic()
        stage = f"{gate_name} — canary {percent} %"
        if counting:
            verdict, window_start = evaluate_counts(
                plan,
                percent,
                arms,
                canary_start=canary_start,
                start=window_start,
                stage=stage,
                number=len(verdicts) + 1,
                history=history,
                live_slot=live_slot,
                floor_samples=intervals,
            )
        else:
            verdict = evaluate(plan, intervals, percent, tracker.fresh_from, stage, arms)
        seconds.append(time.monotonic() - started)
        verdicts.append(verdict)
        decision = tracker.observe(verdict)
        record_verdict(gate_name, percent, decision.evaluation, verdict, decision.decision)
        logger.info(
            "%s evaluation %d: %s (%s) -> %s",
            gate,
            decision.evaluation,
            verdict.status,
            verdict.reason,
            decision.decision,
        )
        if decision.final or decision.decision == "rollback":
            break
        time.sleep(max(0.0, float(plan.canary.evaluation_interval) - (time.monotonic() - started)))
    key = artifact_key(f"gate-{letter}", release)
    create_markdown_artifact(
        key=key,
        markdown=stage_markdown(
            plan,
            release,
            percent,
            letter,
            verdicts,
            decision.decision,
            share,
            worst_case,
            seconds,
            costs.probe_seconds,
            site,
        ),
        description=f"canary {percent} %: every evaluation, the decision",
    )
    record(
        "decision",
        decision.decision,
        f"canary {percent} %: {decision.decision} - {verdicts[-1].reason}",
        gate=gate_name,
        data={
            "percent": percent,
            "evaluations": len(verdicts),
            "share": share.value,
            "worst_case": worst_case,
            "evaluation_seconds": [round(x, 2) for x in seconds],
        },
    )
    _emit(
        f"golive.canary.stage.{'passed' if decision.decision == 'advance' else decision.decision}",
        release,
        percent,
        verdicts[-1],
    )
    if decision.decision == "rollback":
        roll_back(
            plan,
            release,
            gate,
            f"SLO breach at {percent} % rollout — {verdicts[-1].reason}",
            percent,
            verdicts[-1],
        )
    if decision.decision == "ask_human":
        try:
            request_approval(
                f"Gate {letter}",
                f"canary-{percent}-inconclusive",
                f"Continue past {percent} %?",
                f"# Canary {percent} % is inconclusive\n\n{decision.reason}\n\nApprove to continue, "
                "reject to roll back.",
                plan,
                driver,
            )
        except GateFailed as refused:
            roll_back(
                plan,
                release,
                gate,
                f"inconclusive at {percent} % rollout — {refused.reason}",
                percent,
                verdicts[-1],
            )
    logger.info("Canary %s%% PASSED - %s. Advancing.", percent, verdicts[-1].reason)
    announce(
        plan,
        release,
        "canary_stage_passed",
        {
            **measured_values(plan, verdicts[-1].checks),
            **canary_values(plan, percent),
            "gate": gate_name,
        },
        gate=gate_name,
    )
    return tracker.total_failures


def _roll_back(
    plan: LaunchPlan,
    release: str,
    gate: str,
    reason: str,
    percent: int,
    verdict: Verdict | None = None,
    live_release: str | None = None,
    live_slot: str = "stable",
) -> None:
    """Emergency rollback now (the announcement goes out after: users first), then fail the launch."""
    _emit("golive.rollback.started", release, 0, None)
    rolled = rollback_in_launch(
        plan,
        release,
        reason,
        mode="emergency",
        actor=f"golive ({gate} verdict)",
        live_release=live_release,
        live_slot=live_slot,
    )
    _emit("golive.rollback.completed", release, 0, None)
    measured = measured_values(plan, verdict.checks) if verdict else {}
    announce(
        plan,
        release,
        "canary_stage_failed",
        {
            **measured,
            "percent": str(percent),
            "gate": gate,
            "reason": reason,
            "metrics": verdict.reason if verdict else reason,
        },
    )
    if rolled.ok:
        announce(plan, release, "rollback_complete", {"mode": "Emergency", "reason": reason})
    outcome = (
        "Emergency rollback COMPLETE: production serves stable to every request"
        if rolled.ok
        else "Emergency rollback ran but verification FAILED: "
        + "; ".join(f"{c.name}: {c.value}" for c in rolled.checks if not c.ok)
    )
    raise GateFailed(gate, f"{reason}. {outcome}.")


def _emit(event: str, release: str, percent: int, verdict: Verdict | None) -> None:
    emit_event(
        event=event,
        resource={
            "prefect.resource.id": f"golive.launch.{release}",
            "prefect.resource.name": release,
        },
        payload={
            "percent": percent,
            "status": verdict.status if verdict else None,
            "reason": verdict.reason if verdict else None,
        },
    )


def run_canary(
    plan: LaunchPlan,
    release: str,
    driver: str,
    live_release: str | None = None,
    live_slot: str = "stable",
    live_site_release: str | None = None,
) -> None:
    progress_id = create_progress_artifact(
        progress=0.0,
        key=artifact_key("rollout", release),
        description=f"{release}: percent of production traffic on the canary",
    )
    failures = 0
    # a counting source's sequential tests read the canary's counts since this moment, at every step
    canary_started_at = time.time()
    for index, percent in enumerate(plan.canary.steps):
        failures = canary_step(
            plan,
            release,
            driver,
            percent,
            canary_letter(index),
            failures,
            str(progress_id),
            live_release,
            live_slot,
            live_site_release,
            canary_started_at,
        )
