"""`golive report LAUNCH` and `golive report --health --since 7d`: the post-launch documents
and the week's health checks, rebuilt from what the production bucket holds."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import typer
from rich.console import Console
from rich.markdown import Markdown

from golive.cli.options import PLAN_HELP, plan_or_env

console = Console()


def _production(plan: str):  # noqa: ANN202 - (LaunchPlan, s3 client)
    from blocks.plan import PlanError, load_plan_text
    from flows.launch_plan import REPO_ROOT
    from tasks.aws import aws_client
    from tasks.plan_store import read_plan_text

    try:  # a stored plan (golive-plan/NAME) or a file
        launch_plan = load_plan_text(read_plan_text(plan, REPO_ROOT), env=os.environ)
    except PlanError as error:
        console.print(f"[red]{error}[/red]")
        raise typer.Exit(2) from None
    return launch_plan, aws_client("s3", launch_plan.environments.production)


def report(
    launch: str | None = typer.Argument(
        None, help="The launch's flow-run id, or a release (its latest launch)."
    ),
    health: bool = typer.Option(False, "--health", help="Summarize the health checks instead."),
    since: str = typer.Option("7d", help="With --health: how far back, e.g. 24h, 7d."),
    plan: str | None = typer.Option(
        None, help=PLAN_HELP + " Its production bucket holds the record."
    ),
    out: Path | None = typer.Option(
        None, help="Directory for the files (default .golive/reports/<launch>)."
    ),
) -> None:
    """Regenerate a launch's report, UAT and playbook summaries — or the week's health-check summary."""
    from blocks.plan import PlanValueError, parse_duration

    launch_plan, s3 = _production(plan_or_env(plan))
    bucket = launch_plan.environments.production.bucket
    if health:
        from golive.core.health import health_week_summary
        from tasks.health_store import read_results

        try:
            window = parse_duration(since).timedelta
        except PlanValueError as error:
            console.print(f"[red]--since: {error}[/red]")
            raise typer.Exit(2) from None
        start = datetime.now(UTC) - window
        console.print(Markdown(health_week_summary(read_results(s3, bucket, start), start)))
        return
    if not launch:
        console.print("[red]Name a launch (flow-run id or release), or use --health.[/red]")
        raise typer.Exit(2)
    from tasks.report_bundle import build_bundle, find_launch, reports_dir, write_bundle

    try:
        launch_id = find_launch(s3, bucket, launch)
        bundle = build_bundle(launch_plan, s3, bucket, launch_id)
    except LookupError as error:
        console.print(f"[red]{error}[/red]")
        raise typer.Exit(1) from None
    written = write_bundle(bundle, out or reports_dir(launch_id), s3, bucket)
    console.print(f"[bold]{bundle.report.title}[/bold] — {bundle.report.outcome}")
    for name, path in written.items():
        console.print(f"  {name:22} {path}")
