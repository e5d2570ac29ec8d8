"""The `golive` command line: the terminal face of the same things the Prefect UI shows."""

from __future__ import annotations

import typer

from golive.cli.approvals import approvals, approve
from golive.cli.iam import iam_policy
from golive.cli.launches import abort, history, launch, rollback
from golive.cli.operate import doctor, setup
from golive.cli.plan import plan_app
from golive.cli.report import report
from golive.cli.sandbox import sandbox_app
from golive.cli.status import status
from golive.core.outcomes import EXIT_CODES_HELP

app = typer.Typer(
    help="golive: the go-live runbook as a Prefect workflow.",
    epilog=EXIT_CODES_HELP,
    no_args_is_help=True,
)
app.add_typer(sandbox_app, name="sandbox")

app.add_typer(plan_app, name="plan", help="Validate and summarize launch plans.")
app.command(name="approvals")(approvals)
app.command(name="approve")(approve)
app.command(name="report")(report)
app.command(name="iam-policy")(iam_policy)
# the operator's commands, on the Prefect API PREFECT_API_URL names; each ends with golive's exit codes
for name, command in (
    ("setup", setup),
    ("doctor", doctor),
    ("launch", launch),
    ("status", status),
    ("abort", abort),
    ("rollback", rollback),
    ("history", history),
):
    app.command(name=name, epilog=EXIT_CODES_HELP)(command)


@app.command()
def demo(
    interactive: bool = typer.Option(
        False, "--interactive", help="Approve in the Prefect UI yourself."
    ),
    release: str | None = typer.Option(
        None, help="Release name (default: a fresh timestamped one)."
    ),
    plan: str = typer.Option("plans/sandbox.yaml", help="Launch plan."),
) -> None:
    """Run a launch in the embedded sandbox (what `make demo` does)."""
    from rich.console import Console

    from golive.local.demo import run_demo

    try:
        ok = run_demo(Console(), interactive=interactive, release=release, plan=plan)
    except KeyboardInterrupt:
        raise typer.Exit(130) from None  # the demo stopped its stack; no traceback
    if not ok:
        raise typer.Exit(1)


@app.command()
def stop() -> None:
    """Stop the demo's workers (and their flow runs), Prefect server and sandbox ($GOLIVE_HOME or .golive/)."""
    from golive.local.local_stack import stop_stack
    from golive.local.processes import no_interrupts

    with no_interrupts():
        stopped = stop_stack()
    typer.echo(f"Stopped: {', '.join(stopped)}" if stopped else "Nothing was running.")
