"""`golive status`: a live terminal dashboard of the current (or latest) launch."""

from __future__ import annotations

import os
import time

import typer
from rich.console import Console
from rich.live import Live

from golive.core.status_view import Snapshot, render

console = Console()


def snapshot(plan: str) -> Snapshot | None:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import (
        FlowFilter,
        FlowFilterName,
        FlowRunFilter,
        FlowRunFilterParentTaskRunId,
    )
    from prefect.client.schemas.sorting import FlowRunSort

    from blocks.plan import load_plan
    from flows.launch_plan import resolve_plan_path
    from golive.local.approvals_client import pending_approvals
    from tasks.aws import aws_client
    from tasks.timeline_store import read_timeline
    from tasks.traffic import router_for

    launch_plan = load_plan(resolve_plan_path(plan), env=os.environ)
    production = launch_plan.environments.production
    with get_client(sync_client=True) as client:
        runs = client.read_flow_runs(
            flow_filter=FlowFilter(name=FlowFilterName(any_=["golive"])),
            flow_run_filter=FlowRunFilter(
                parent_task_run_id=FlowRunFilterParentTaskRunId(is_null_=True)
            ),
            sort=FlowRunSort.START_TIME_DESC,
            limit=5,
        )
        if not runs:
            return None
        active = [r for r in runs if r.state and not r.state.is_final()]
        run = (active or runs)[0]
        pending = pending_approvals(client)
    entries = read_timeline(aws_client("s3", production), production.bucket, str(run.id))
    try:
        weights = router_for(production).weights()
    except Exception:  # noqa: BLE001 - the dashboard shows what it can
        weights = {}
    return Snapshot(
        run_name=run.name,
        state=run.state.name if run.state else "?",
        entries=entries,
        weights=weights,
        pending=pending,
    )


def status(
    plan: str = typer.Option("plans/sandbox.yaml", help="Launch plan (where the timeline lives)."),
    once: bool = typer.Option(False, "--once", help="Print one frame and exit."),
    interval: float = typer.Option(2.0, help="Seconds between refreshes."),
) -> None:
    """Current gate, rollout %, latest numbers against the SLOs, pending approvals (Ctrl-C to leave)."""
    view = snapshot(plan)
    if view is None:
        console.print("No golive launch on this Prefect server yet.")
        raise typer.Exit(0)
    if once:
        console.print(render(view))
        return
    with Live(render(view), console=console, refresh_per_second=4) as live:
        try:
            while True:
                time.sleep(interval)
                view = snapshot(plan) or view
                live.update(render(view))
        except KeyboardInterrupt:
            pass
