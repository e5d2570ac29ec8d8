"""`golive setup` and `golive doctor`: ready a Prefect workspace for golive, and say what a real
launch still lacks (golive/operator/setup.py and doctor.py do the work)."""

from __future__ import annotations

import typer
from rich.console import Console

from golive.cli.options import OUTPUT_OPTION, PLAN_ENV, Output, fail, print_json
from golive.core.operator_view import blocking, findings_json, setup_summary
from golive.core.outcomes import Exit

console = Console()


def setup(
    redeploy: bool = typer.Option(
        False, "--redeploy", help="Run `prefect deploy --all` even when nothing differs."
    ),
) -> None:
    """Ready the Prefect API for golive: block types, pools, deployments, automations.

    On the API PREFECT_API_URL names: golive's block types, the work pools golive-pool and
    golive-rollback-pool, the deployments of prefect.yaml (`prefect deploy --all`, with the
    rollback trigger) and the heartbeat automation. Idempotent: says what it created, updated or
    found. Workers are yours to start (golive doctor says how)."""
    from golive.operator.setup import api_url
    from golive.operator.setup import setup as run_setup

    if not api_url():
        fail(Exit.USAGE, "PREFECT_API_URL is not set: golive setup works on the server it names")
    try:
        steps = run_setup(redeploy=redeploy)
    except Exception as error:  # noqa: BLE001 - an unreachable API, a failed deploy: say it, exit 1
        fail(Exit.FAILED, f"golive setup on {api_url()} failed: {type(error).__name__}: {error}")
    for step in steps:
        console.print(step.line(), soft_wrap=True, highlight=False)
    console.print(f"golive setup on {api_url()}: {setup_summary(steps)}", highlight=False)


def doctor(
    plan: str | None = typer.Option(
        None,
        help=f"Also check a launch plan (a file or golive-plan/<name>; default ${PLAN_ENV} if set).",
    ),
    output: Output = OUTPUT_OPTION,
) -> None:
    """What a real launch still lacks: ✓ or ✗ per thing, with what to do.

    ℹ lines are advice the API cannot check. Exit 0 when nothing blocks a launch, 1 otherwise."""
    import os

    from golive.operator.doctor import doctor as run_doctor

    findings = run_doctor(plan or os.environ.get(PLAN_ENV) or None)
    if output is Output.json:
        print_json(findings_json(findings))
    else:
        for finding in findings:
            console.print(finding.line(), soft_wrap=True, highlight=False, markup=False)
        blockers = blocking(findings)
        console.print(
            f"{len(blockers)} thing(s) block a launch." if blockers else "Nothing blocks a launch."
        )
    raise typer.Exit(int(Exit.FAILED if blocking(findings) else Exit.OK))
