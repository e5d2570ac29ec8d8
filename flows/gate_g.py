"""Gate G — stabilization: hold 100 % for the plan's window with a checkpoint every
interval (SLO verdict, alarms, the trend against the first checkpoint, the plan's
end-to-end scenarios; with a counting metric source, what real users got since the window
began, by its sequential tests). Instability → full rollback to the backup manifest, and the launch
fails with the runbook's words. Then the Approver's final sign-off (a rejection rolls
back too: the business said no).
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import pandas as pd
from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE

from blocks.plan import LaunchPlan
from flows.approvals import request_approval
from flows.artifacts import artifact_key
from flows.counted_evaluation import counted_checks
from flows.errors import GateFailed
from flows.notify import announce
from flows.rollback import rollback_in_launch
from flows.samples import keep_samples
from flows.scribe import record
from golive.core.alarms import alarm_checks
from golive.core.arms import ArmRule
from golive.core.checks import CheckResult, checks_markdown, failed, failure_summary
from golive.core.counts_judge import ArmCounts
from golive.core.gate_checks import api_release_check, site_release_check, trend_check
from golive.core.judge import compare_with_stable
from golive.core.messages import measured_values
from tasks.api_release.registry import kind_for
from tasks.backup import BackupManifest
from tasks.metrics.cloudwatch import alarm_states
from tasks.metrics.confirmed import measure_and_judge
from tasks.metrics.registry import is_counting, source_for
from tasks.scenarios import run_scenarios
from tasks.served import site_reader_text, site_releases

GATE = "Gate G"


@task(name="checkpoint", cache_policy=NO_CACHE)
def checkpoint(
    plan: LaunchPlan, number: int, first: pd.DataFrame | None, release: str
) -> tuple[list[CheckResult], pd.DataFrame]:
    """One checkpoint's checks, and its samples (the first checkpoint's are the trend baseline)."""
    production = plan.environments.production
    # The scenarios run while the probe measures, as users act while others read: the probe's
    # requests are reads, and the scenarios run one after another as before.
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="golive-scenarios") as pool:
        scenarios = pool.submit(run_scenarios, plan, production)
        verdict, samples = measure_and_judge(plan, production)
        scenario_checks = scenarios.result()
    keep_samples(f"{GATE} — checkpoint {number}", number, samples)
    checks = list(verdict.checks)
    checks += alarm_checks(alarm_states(production))
    if first is not None:  # "no degradation in response times": a rank test against checkpoint 1
        checks += [
            trend_check(c)
            for c in compare_with_stable(samples, first, plan.slos, plan.canary.compare_with_stable)
        ]
    checks += scenario_checks
    # through the window every user is on the release: the site, and every API answer
    checks.append(
        site_release_check(
            site_releases(plan, production, requests=10), release, site_reader_text(plan)
        )
    )
    if kind_for(plan).api_follows_release:
        checks.append(api_release_check(samples, release))
    return checks, samples


@flow(name="gate-g", flow_run_name="Gate G — stabilization · {release}", log_prints=True)
def gate_g_stabilization(
    plan: LaunchPlan, release: str, driver: str, manifest: BackupManifest
) -> list[CheckResult]:
    logger = get_run_logger()
    window = plan.stabilization
    logger.info(
        "Gate G: holding 100 %% for %s, a checkpoint every %s (%d checkpoints)",
        window.window.text,
        window.checkpoint_interval.text,
        window.checkpoints,
    )
    first: pd.DataFrame | None = None
    sections: list[str] = []
    checks: list[CheckResult] = []
    started = time.monotonic()
    # a counting source: real users' counts beside the probe at every checkpoint
    counting = is_counting(source_for(plan))
    arms = ArmRule.of(plan, release, manifest.live_release)
    counted_since = time.time()
    counted: list[ArmCounts] = []  # each checkpoint's counts: the tests judge them all together
    for number in range(1, window.checkpoints + 1):
        # Checkpoints at the end of each interval: 10, 20 and 30 minutes for the runbook's plan.
        time.sleep(
            max(0.0, number * float(window.checkpoint_interval) - (time.monotonic() - started))
        )
        checks, samples = checkpoint(plan, number, first, release)
        if counting:
            window_end = time.time()
            checks = checks + counted_checks(
                plan,
                arms,
                start=counted_since,
                end=window_end,
                history=counted,
                live_slot=manifest.live_slot,
            )
            counted_since = window_end
        first = samples if first is None else first
        bad = failed(checks)
        status = "fail" if bad else "pass"
        summary = failure_summary(bad) if bad else "all checks green"
        record(
            "verdict",
            status,
            f"checkpoint {number}: {summary}",
            gate=GATE,
            data={
                "checkpoint": number,
                "checks": [c.model_dump() for c in checks],
                "samples": int(len(samples)),
            },
        )
        sections.append(checks_markdown(f"Checkpoint {number} of {window.checkpoints}", checks))
        _publish(release, sections)
        logger.info("Gate G checkpoint %d: %s", number, summary)
        if bad:
            _instability(plan, release, manifest, f"checkpoint {number}: {summary}", checks)
    announce(
        plan,
        release,
        "stabilization_passed",
        {**measured_values(plan, checks), "checkpoints": str(window.checkpoints)},
        gate=GATE,
    )
    try:
        request_approval(
            GATE,
            "final-signoff",
            "Final launch sign-off",
            f"# Final sign-off · {release}\n\n{window.window.text} at 100 % with every checkpoint "
            f"green.\n\n" + "\n\n".join(sections[-1:]),
            plan,
            driver,
        )
    except GateFailed as refused:
        _instability(
            plan,
            release,
            manifest,
            f"final sign-off refused — {refused.reason}",
            checks,
            announce_failure=False,
        )
    return checks


def _publish(release: str, sections: list[str]) -> None:
    create_markdown_artifact(
        key=artifact_key("gate-g", release),
        markdown=f"# Gate G — stabilization · {release}\n\n" + "\n\n".join(sections),
        description="every checkpoint: SLOs, alarms, trend, scenarios",
    )


def _instability(
    plan: LaunchPlan,
    release: str,
    manifest: BackupManifest,
    reason: str,
    checks: list[CheckResult],
    announce_failure: bool = True,
) -> None:
    """Full rollback (the runbook's `./rollback.sh full`), then fail the launch."""
    if announce_failure:
        announce(
            plan,
            release,
            "stabilization_failed",
            {**measured_values(plan, checks), "reason": reason},
            gate=GATE,
        )
    outcome = rollback_in_launch(
        plan,
        release,
        f"Post-launch instability - {reason}",
        mode="full",
        manifest=manifest,
        actor=f"golive ({GATE})",
    )
    if outcome.ok:
        announce(
            plan,
            release,
            "rollback_complete",
            {"mode": "Full", "reason": reason, "restored_release": manifest.live_release},
            gate=GATE,
        )
    verdict = (
        "Full rollback COMPLETE: production serves " + manifest.live_release
        if outcome.ok
        else "Full rollback ran but verification FAILED: "
        + "; ".join(f"{c.name}: {c.value}" for c in outcome.checks if not c.ok)
    )
    raise GateFailed(GATE, f"Post-launch instability detected - {reason}. {verdict}.")
