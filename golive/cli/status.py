"""`golive status [LAUNCH]`: a live terminal dashboard of a launch (the one in progress, else the
latest; or the one named by flow-run id or release), `--once` or `--output json` for one look."""

from __future__ import annotations

import os
import time
from typing import Any

import typer
from rich.console import Console
from rich.live import Live

from golive.cli.options import OUTPUT_OPTION, PLAN_ENV, Output, fail, print_json
from golive.core.outcomes import Exit, exit_for_launch
from golive.core.status_view import Snapshot, render, snapshot_json

console = Console()


def launch_plan_ref(run: Any, plan: str | None) -> str:
    """--plan, else the launch's own `plan` parameter, else $GOLIVE_PLAN ("" if none)."""
    return plan or str((run.parameters or {}).get("plan") or os.environ.get(PLAN_ENV, ""))


def snapshot(launch: str | None = None, plan: str | None = None) -> Snapshot:
    """The launch's picture: its Prefect state, its timeline (from the production bucket of its
    plan), the router's weights and its gates waiting for a sign-off. LookupError: no such launch."""
    from prefect.client.orchestration import get_client

    from golive.local.approvals_client import pending_approvals
    from golive.operator.runs import children, find_launch

    with get_client(sync_client=True) as client:
        run = find_launch(client, launch)
        gates = {g.id for g in children(client, [run.id])} | {run.id}
        pending = [p for p in pending_approvals(client) if p.run_id in gates]
    ref = launch_plan_ref(run, plan)
    entries, weights = _production_view(ref, str(run.id))
    return Snapshot(
        run_name=run.name,
        state=run.state.name if run.state else "?",
        entries=entries,
        weights=weights,
        pending=pending,
        run_id=str(run.id),
        state_type=run.state.type.value if run.state else "",
        release=str((run.parameters or {}).get("release", "")),
        plan=ref,
    )


def _production_view(ref: str, launch_id: str) -> tuple[list, dict[str, int]]:  # type: ignore[type-arg]
    """(timeline entries, router weights): what the plan's production holds; empty where it cannot
    be read (no plan, no credentials): the dashboard shows what it can."""
    if not ref:
        return [], {}
    from flows.launch_plan import load_launch_plan
    from tasks.aws import aws_client
    from tasks.timeline_store import read_timeline
    from tasks.traffic import router_for

    try:
        production = load_launch_plan(ref).environments.production
        entries = read_timeline(aws_client("s3", production), production.bucket, launch_id)
    except Exception:  # noqa: BLE001
        return [], {}
    try:
        weights = router_for(production).weights()
    except Exception:  # noqa: BLE001
        weights = {}
    return entries, weights


def exit_code(view: Snapshot) -> Exit:
    return exit_for_launch(view.state_type, bool(view.pending))


def status(
    launch: str | None = typer.Argument(
        None, help="Flow-run id or release (default: the launch in progress, else the latest)."
    ),
    plan: str | None = typer.Option(
        None, help="Launch plan whose production holds the timeline (default: the launch's own)."
    ),
    once: bool = typer.Option(False, "--once", help="Print one frame and exit with its code."),
    interval: float = typer.Option(2.0, help="Seconds between refreshes."),
    output: Output = OUTPUT_OPTION,
) -> None:
    """A launch's gate, rollout %, latest numbers against the SLOs, pending approvals.

    Live until Ctrl-C; with --once or --output json one look, and the exit code says where the
    launch is."""
    try:
        view = snapshot(launch, plan)
    except LookupError as error:
        if launch is None and output is Output.text:
            console.print("No golive launch on this Prefect server yet.")
            raise typer.Exit(0) from None
        fail(Exit.USAGE, str(error))
    if output is Output.json:
        print_json(snapshot_json(view))
        raise typer.Exit(int(exit_code(view)))
    if once:
        console.print(render(view))
        raise typer.Exit(int(exit_code(view)))
    with Live(render(view), console=console, refresh_per_second=4) as live:
        try:
            while True:
                time.sleep(interval)
                view = snapshot(view.run_id, plan)
                live.update(render(view))
        except KeyboardInterrupt:
            pass
