"""`golive demo` (what `make demo` runs): a launch of StatusBoardV2 into the embedded sandbox.

It starts the local stack (Prefect server with UI, sandbox, process worker), deploys
prefect.yaml, runs `golive/launch` through the API as `prefect deployment run` would,
and follows it gate by gate. A clearly labelled *sandbox approver* answers the sign-offs
unless --interactive, where you approve in the Prefect UI (or with `golive approve`).
"""

from __future__ import annotations

import re
import time
from contextlib import nullcontext
from datetime import datetime

import httpx
from rich.console import Console
from rich.table import Table

from sandbox import manager

DEMO_DRIVER = "demo-driver"


def show_world(sandbox: manager.Sandbox, console: Console) -> None:
    """One look at each environment, through its edge, as a user's browser would see it."""
    routing = sandbox.routing()
    spec = sandbox.state["spec"]
    rows: dict[str, list[str]] = {k: [] for k in ("url", "page release", "served by", "health", "board",
                                                   "router weights")}
    for environment, edge in (("staging", "staging_edge"), ("production", "production_edge")):
        url = sandbox.urls[edge]
        page = httpx.get(url + "/", timeout=10)
        release = re.search(r'name="golive-release" content="([^"]+)"', page.text)
        health = httpx.get(url + "/health", timeout=10)
        board = httpx.get(url + "/api/admin/appointments/board", timeout=10)
        cards = board.json().get("total", "?") if board.status_code == 200 else board.status_code
        weights = routing["weights"] if environment == "production" else {}
        rows["url"].append(url)
        rows["page release"].append(release.group(1) if release else "?")
        rows["served by"].append(f"{health.headers.get(spec['version_header'], '?')} "
                                 f"({health.headers.get(spec['release_header'], '?')})")
        rows["health"].append(str(health.status_code))
        rows["board"].append(f"{cards} appointments")
        rows["router weights"].append(" / ".join(f"{k} {v}" for k, v in weights.items()) or "-")
    table = Table(title=f"{spec['app']} in the sandbox", show_header=True)
    for column in ("", "staging", "production"):
        table.add_column(column)
    for name, values in rows.items():
        table.add_row(name, *values)
    console.print(table)


def run_demo(console: Console, interactive: bool = False, release: str | None = None,
             plan: str = "plans/sandbox.yaml") -> bool:
    from golive.local_stack import setup_workspace, start_stack, start_workers

    release = release or datetime.now().strftime("v2.0.0-%Y%m%d%H%M%S")
    console.rule("[bold]golive demo[/bold]")
    console.print("Starting the local stack: sandbox world, Prefect server (UI), process worker…")
    stack = start_stack()
    console.print(f"[green]Sandbox up[/green]; its environment: [bold]source {stack.sandbox.env_file}[/bold]")
    show_world(stack.sandbox, console)
    console.print(f"[green]Prefect server[/green] at [bold]{stack.server.ui_url}[/bold]")
    console.print("Registering blocks, creating the work pools, `prefect deploy --all`, the heartbeat automation…")
    setup_workspace(stack)
    start_workers(stack)
    console.print(f"[green]Workers up[/green] on pools golive-pool and golive-rollback-pool "
                  f"(logs: {stack.home}/worker-*.log)")
    ok = follow_launch(console, stack.server.ui_url, release, plan, interactive)
    show_world(stack.sandbox, console)
    console.print("Messages: [bold]golive sandbox messages[/bold]   Pending sign-offs: [bold]golive approvals"
                  "[/bold]   Stop everything: [bold]golive stop[/bold] (or make demo-down)")
    return ok


def follow_launch(console: Console, ui_url: str, release: str, plan: str, interactive: bool) -> bool:
    from prefect.client.orchestration import get_client
    from prefect.deployments import run_deployment

    from golive.approver_bot import SANDBOX_APPROVER, ApproverBot, sandbox_policy

    run = run_deployment("golive/launch", parameters={"release": release, "driver": DEMO_DRIVER, "plan": plan},
                         timeout=0)
    console.print(f"Launch [bold]{release}[/bold] started (driver {DEMO_DRIVER}): "
                  f"[link]{ui_url}/runs/flow-run/{run.id}[/link]")
    if interactive:
        console.print("[yellow]Interactive:[/yellow] approve each gate in the Prefect UI (Resume) or with "
                      "`golive approve RUN --as NAME`.")
    else:
        console.print(f"[yellow]SANDBOX APPROVER[/yellow]: sign-offs are answered automatically as "
                      f"'{SANDBOX_APPROVER}' (demo only; use --interactive to approve yourself).")
    approver = nullcontext() if interactive else ApproverBot(sandbox_policy)
    seen: dict[str, str] = {}
    with approver, get_client(sync_client=True) as client:
        while True:
            flow_run = client.read_flow_run(run.id)
            _print_progress(console, client, run.id, seen)
            if flow_run.state and flow_run.state.is_final():
                break
            time.sleep(1)
    state = flow_run.state
    ok = bool(state and state.is_completed())
    if ok:
        console.print(f"[bold green]Launch {release}: {state.name}[/bold green]")
    else:
        console.print(f"[bold red]Launch {release}: {state.name if state else '?'}[/bold red] — "
                      f"{state.message if state else ''}")
    _print_where(console, ui_url, str(run.id))
    return ok


def _print_where(console: Console, ui_url: str, launch: str) -> None:
    from tasks.report_bundle import reports_dir

    report = reports_dir(launch) / "launch-report.html"
    console.print(f"  the run, its gates and artifacts: [link]{ui_url}/runs/flow-run/{launch}[/link]")
    console.print(f"  the report:    {report if report.exists() else '(not written: see the run)'}")
    console.print(f"  its siblings:  {report.parent}/ (samples.csv, uat-summary.md, playbook-summary.md, timeline.md)")
    console.print("  the messages:  uv run golive sandbox messages      the dashboard: uv run golive status --once")


def _print_progress(console: Console, client, parent_id, seen: dict[str, str]) -> None:  # type: ignore[no-untyped-def]
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterParentFlowRunId

    children = client.read_flow_runs(flow_run_filter=FlowRunFilter(
        parent_flow_run_id=FlowRunFilterParentFlowRunId(any_=[parent_id])))
    for child in sorted(children, key=lambda r: r.created or 0):
        state = child.state.name if child.state else "?"
        if seen.get(child.name) != state:
            seen[child.name] = state
            console.print(f"  {datetime.now():%H:%M:%S}  {child.name}: [bold]{state}[/bold]")
