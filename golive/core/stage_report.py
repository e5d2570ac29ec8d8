"""The canary stage's artifact: every evaluation of one step, the decision, the worst case."""

from __future__ import annotations

from blocks.plan import LaunchPlan
from golive.core.canary_policy import measured_sentence
from golive.core.checks import CheckResult, checks_markdown
from golive.core.counts_judge import CountsVerdict, guarantee
from golive.core.formatting import md_cell
from golive.core.judge import Verdict
from golive.core.probe_health import PROBE_CHECK, LagBounds


def stage_markdown(
    plan: LaunchPlan,
    release: str,
    percent: int,
    letter: str,
    verdicts: list[Verdict],
    decision: str,
    share: CheckResult,
    worst_case: str,
    seconds: list[float] | None = None,
    estimated_probe_seconds: float | None = None,
    site: CheckResult | None = None,
) -> str:
    """The stage artifact: every evaluation (with the probe's client lag and, given `seconds`, how long
    each took), the decision, the worst case from the plan and what the evaluations measured."""
    names = [s.name for s in plan.slos.latency]
    rows = [
        "| # | verdict | error rate | "
        + " | ".join(names)
        + " | samples | client lag | took | reason |",
        "|---|---|---|" + "---|" * len(names) + "---|---|---|---|",
    ]
    for number, verdict in enumerate(verdicts, 1):
        values = {c.name: c.value for c in verdict.checks}
        latency = [values.get(f"{s.name} {s.stat}", "-") for s in plan.slos.latency]
        took = f"{seconds[number - 1]:.1f} s" if seconds and number <= len(seconds) else "-"
        rows.append(
            f"| {number} | {verdict.status} | {values.get('error rate', '-')} | "
            + " | ".join(latency)
            + f" | {verdict.samples} | {values.get(PROBE_CHECK, '-')} | {took} | {md_cell(verdict.reason)} |"
        )
    last = verdicts[-1] if verdicts else None
    measured = [measured_sentence(seconds, estimated_probe_seconds), ""] if seconds else []
    counted = next((v for v in verdicts if isinstance(v, CountsVerdict)), None)
    if counted is not None:  # the sequential tests' promise, in the plan's bound
        compare = plan.canary.compare_with_stable
        measured += [
            guarantee(
                counted,
                float(plan.canary.false_rollback_bound),
                float(compare.alpha) if compare.enabled else None,
            ),
            "",
        ]
    return "\n".join(
        [
            f"# Gate {letter} — canary {percent} % · {release}",
            "",
            f"**Decision: {decision}**. {share.name}: {share.value}.",
            "",
            site_sentence(site),
            "",
            f"Worst case: {worst_case}",
            "",
            *measured,
            f"Client lag: the probe's own delay per request, p95 and max, and how much it could move an SLO's "
            f"number (saturated, and the evaluation inconclusive, beyond "
            f"{LagBounds.of(plan.slos, plan.max_client_lag_ms).describe()}).",
            "",
            *rows,
            "",
            checks_markdown("Last evaluation", last.checks, "; ".join(last.notes))
            if last
            else "No evaluation ran.",
        ]
    )


def site_sentence(site: CheckResult | None) -> str:
    """What this step did to the site: a frontend router's split, or plainly nothing."""
    if site is None:
        return (
            "The site: every viewer keeps the live release until promotion (no frontend router: "
            "the canary steps move the API only)."
        )
    return f"The site: {site.name}: {site.value} ({site.status})."
