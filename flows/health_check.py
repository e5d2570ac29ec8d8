"""The 24-hour health check (deployment `golive/health-check`, scheduled daily in prefect.yaml):
production's smoke suites, the SLO probe and the alarms, the runbook's "24-hour health
check review". Each run leaves an artifact and a result in S3 (for
`golive report --health --since 7d`); a failing run fails, and says so in the chat.
With no plan (the schedule gives none), it checks every plan stored on the server
(`golive plan push`), one subflow each.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

import numpy as np
import pandas as pd
from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE

from blocks.plan import LaunchPlan
from flows.artifacts import artifact_key
from flows.errors import GateFailed
from flows.gate_a import smoke_suites
from flows.launch_plan import load_launch_plan
from flows.notify import announce
from golive.core.alarms import alarm_checks
from golive.core.checks import CheckResult, checks_markdown, failed, failure_summary
from golive.core.formatting import shorten
from golive.core.gate_checks import site_release_check
from golive.core.health import HealthResult
from golive.core.judge import latency_stat
from golive.core.messages import measured_values
from tasks.api_release.registry import kind_for
from tasks.aws import aws_client
from tasks.health_store import write_result
from tasks.metrics.cloudwatch import alarm_states
from tasks.metrics.confirmed import confirmed_slo_checks
from tasks.plan_store import stored_plan_names
from tasks.served import site_reader_text, site_releases


def metrics_of(samples: pd.DataFrame, plan: LaunchPlan) -> dict[str, float]:
    """The week's trend numbers: error rate in %, and each latency SLO's stat in ms."""
    metrics: dict[str, float] = {}
    if len(samples):
        metrics["error_rate_pct"] = round(100 * float(samples["error"].mean()), 3)
    for slo in plan.slos.latency:
        ok = samples[(samples["slo"] == slo.name) & ~samples["error"].astype(bool)][
            "latency_ms"
        ].to_numpy(float)
        ok = ok[~np.isnan(ok)]
        if len(ok):
            metrics[f"{slo.name} {slo.stat}_ms"] = round(latency_stat(ok, slo.stat), 1)
    return metrics


@task(name="production SLO probe", cache_policy=NO_CACHE)
def production_slos(plan: LaunchPlan) -> tuple[list[CheckResult], dict[str, float], str]:
    checks, samples = confirmed_slo_checks(plan, plan.environments.production)
    served = Counter(samples["release"]).most_common(1)
    return checks, metrics_of(samples, plan), served[0][0] if served else "unknown"


@flow(name="health-check", flow_run_name="Health check · {plan}", log_prints=True)
def health_check(plan: str | None = None) -> str:
    if not plan:
        return _every_stored_plan()
    launch_plan = load_launch_plan(plan, gate="Health check")
    production = launch_plan.environments.production
    checks = smoke_suites(launch_plan, production)
    slo_checks, metrics, release = production_slos(launch_plan)
    checks += slo_checks + alarm_checks(alarm_states(production))
    site = site_releases(launch_plan, production, requests=10)
    if kind_for(launch_plan).api_follows_release:  # site and API were released together
        checks.append(site_release_check(site, release, site_reader_text(launch_plan)))
    elif len(site) == 1 and release == "unknown":
        release = next(iter(site))
    bad = failed(checks)
    result = HealthResult(
        at=datetime.now(UTC),
        release=release,
        status="fail" if bad else "pass",
        checks=checks,
        metrics=metrics,
    )
    write_result(aws_client("s3", production), production.bucket, result)
    summary = failure_summary(bad) if bad else "all checks green"
    create_markdown_artifact(
        key=artifact_key("health-check"),
        description=f"{launch_plan.app}: daily health check",
        markdown=checks_markdown(
            f"Health check · {launch_plan.app} {release} · {result.at:%Y-%m-%d %H:%M} UTC",
            checks,
            summary,
        ),
    )
    get_run_logger().info("Health check of %s: %s", release, summary)
    if bad:
        announce(
            launch_plan,
            release,
            "health_check_failed",
            {**measured_values(launch_plan, slo_checks), "failed_checks": shorten(summary, 500)},
        )
        raise GateFailed("Health check", summary)
    return f"{launch_plan.app} {release}: healthy ({len(checks)} checks)"


def _every_stored_plan() -> str:
    """One check per stored plan; fails (after checking them all) if any production failed."""
    names = stored_plan_names()
    if not names:
        raise GateFailed(
            "Health check",
            "no plan given and none stored on this Prefect server: store each production's plan "
            "with `golive plan push PLAN.yaml`, or run the check with -p plan=...",
        )
    results = {name: health_check(plan=f"golive-plan/{name}", return_state=True) for name in names}
    bad = [name for name, state in results.items() if not state.is_completed()]
    if bad:
        raise GateFailed(
            "Health check", f"{len(bad)} of {len(names)} productions failed: {', '.join(bad)}"
        )
    return "; ".join(str(state.result()) for state in results.values())
