"""The `golive` command line: the terminal face of the same things the Prefect UI shows."""

from __future__ import annotations

import typer

from golive.approvals_cli import approvals, approve
from golive.plan_cli import plan_app
from golive.sandbox_cli import sandbox_app

app = typer.Typer(help="golive: the go-live runbook as a Prefect workflow.", no_args_is_help=True)
app.add_typer(sandbox_app, name="sandbox")

app.add_typer(plan_app, name="plan", help="Validate and summarize launch plans.")
app.command(name="approvals")(approvals)
app.command(name="approve")(approve)


@app.command()
def demo() -> None:
    """Run the demo in the embedded sandbox (what `make demo` does)."""
    from rich.console import Console

    from golive.demo import run_demo

    run_demo(Console())


if __name__ == "__main__":
    app()
