"""`golive demo` (what `make demo` runs): a launch of StatusBoardV2 into the embedded sandbox.

It starts the local stack (Prefect server with UI, sandbox, process worker), deploys
prefect.yaml, runs `golive/launch` through the API as `prefect deployment run` would,
and follows it gate by gate. A clearly labelled *sandbox approver* answers the sign-offs
unless --interactive, where you approve in the Prefect UI (or with `golive approve`).

When the launch ends, the stack stays up for you to look around (`golive stop` ends it).
Interrupted (Ctrl-C, SIGTERM) before that, the demo stops the whole stack it started — the
workers and their flow runs, the server, the sandbox — and exits. If the Prefect server goes
away under it, the demo says so and exits within seconds instead of retrying.
"""

from __future__ import annotations

import re
import signal
import time
from collections.abc import Mapping
from contextlib import nullcontext
from datetime import datetime
from pathlib import Path
from types import FrameType

import httpx
from rich.console import Console
from rich.table import Table

from sandbox import manager

DEMO_DRIVER = "demo-driver"
SERVER_GONE_AFTER_S = 10  # the demo gives up on a server that has not answered for this long
# The demo's own API calls (following the launch, answering sign-offs) retry a lost connection about
# 6 s, not Prefect's default of about a minute: a server that went away is noticed in seconds.
DEMO_CLIENT_ENV = {"PREFECT_CLIENT_MAX_RETRIES": "2"}


class ServerGone(RuntimeError):
    pass


def show_world(sandbox: manager.Sandbox, console: Console) -> None:
    """One look at each environment, through its edge, as a user's browser would see it."""
    routing = sandbox.routing()
    spec = sandbox.state["spec"]
    rows: dict[str, list[str]] = {
        k: [] for k in ("url", "page release", "served by", "health", "board", "router weights")
    }
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
        rows["served by"].append(
            f"{health.headers.get(spec['version_header'], '?')} ({health.headers.get(spec['release_header'], '?')})"
        )
        rows["health"].append(str(health.status_code))
        rows["board"].append(f"{cards} appointments")
        rows["router weights"].append(" / ".join(f"{k} {v}" for k, v in weights.items()) or "-")
    table = Table(title=f"{spec['app']} in the sandbox", show_header=True)
    for column in ("", "staging", "production"):
        table.add_column(column)
    for name, values in rows.items():
        table.add_row(name, *values)
    console.print(table)


def run_demo(
    console: Console,
    interactive: bool = False,
    release: str | None = None,
    plan: str = "plans/sandbox.yaml",
    home: Path | None = None,
) -> bool:
    from golive.local.local_stack import stack_home

    home = stack_home(home)
    previous_term = signal.signal(signal.SIGTERM, _interrupt)
    try:
        return _run_demo(console, interactive, release, plan, home)
    except KeyboardInterrupt:
        console.print(
            "\n[yellow]Interrupted[/yellow]: stopping the local stack (workers and their flow runs, "
            "Prefect server, sandbox)…"
        )
        _stop_everything(console, home)
        raise
    except ServerGone as gone:
        console.print(
            f"[bold red]{gone}[/bold red]\nThe launch's own process ends by itself once it notices. "
            "Stop the rest with [bold]golive stop[/bold] (or make demo-down)."
        )
        return False
    finally:
        signal.signal(signal.SIGTERM, previous_term)


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def _stop_everything(console: Console, home: Path) -> None:
    from golive.local.local_stack import stop_stack
    from golive.local.processes import no_interrupts

    with (
        no_interrupts()
    ):  # a second Ctrl-C (uv forwards the first one again) must not stop the stopping
        stopped = stop_stack(home)
    console.print(f"Stopped: {', '.join(stopped)}." if stopped else "Nothing was left running.")


def _run_demo(
    console: Console, interactive: bool, release: str | None, plan: str, home: Path
) -> bool:
    import os

    from golive.core.operator_view import setup_summary
    from golive.local.local_stack import (
        setup_workspace,
        start_stack,
        start_workers,
        use_stack_api_here,
    )

    release = release or datetime.now().strftime("v2.0.0-%Y%m%d%H%M%S")
    console.rule("[bold]golive demo[/bold]")
    console.print("Starting the local stack: sandbox world, Prefect server (UI), process worker…")
    stack = start_stack(home)
    console.print(
        f"[green]Sandbox up[/green]; its environment: [bold]source {stack.sandbox.env_file}[/bold]"
    )
    show_world(stack.sandbox, console)
    console.print(f"[green]Prefect server[/green] at [bold]{stack.server.ui_url}[/bold]")
    console.print(
        "golive setup: block types, the work pools, `prefect deploy --all`, the heartbeat automation…"
    )
    steps = setup_workspace(stack)
    console.print(f"[green]Set up[/green]: {setup_summary(steps)}")
    start_workers(stack)
    console.print(
        f"[green]Workers up[/green] on pools golive-pool and golive-rollback-pool (logs: {stack.home}/worker-*.log)"
    )
    os.environ.update(
        DEMO_CLIENT_ENV
    )  # after the workers started: it is for this process's clients only
    use_stack_api_here()
    ok = follow_launch(
        console, stack.server.ui_url, release, plan, interactive, stack.sandbox.environment()
    )
    show_world(stack.sandbox, console)
    console.print(
        "Messages: [bold]golive sandbox messages[/bold]   Pending sign-offs: [bold]golive approvals"
        "[/bold]   Stop everything: [bold]golive stop[/bold] (or make demo-down)"
    )
    return ok


def store_plan(plan: str) -> str:
    """Store the demo's plan on its server, as `golive plan push` does, so that the launch runs
    the way a production one does: from a stored plan (a stored plan is passed on as it is)."""
    from pathlib import Path

    from blocks.plan import is_stored_ref, plan_name_for
    from flows.launch_plan import REPO_ROOT
    from tasks.plan_store import push_plan, read_plan_text

    if is_stored_ref(plan):
        return plan
    text = read_plan_text(plan, REPO_ROOT)
    name = plan_name_for(Path(plan))
    push_plan(name, text)
    return f"golive-plan/{name}"


def follow_launch(
    console: Console,
    ui_url: str,
    release: str,
    plan: str,
    interactive: bool,
    sandbox_env: Mapping[str, str] | None = None,
) -> bool:
    from prefect.client.orchestration import get_client
    from prefect.deployments import run_deployment

    from golive.local.approver_bot import (
        HOLD_ENV,
        SANDBOX_APPROVER,
        ApproverBot,
        SandboxCodes,
        held_sign_offs,
        sandbox_policy,
    )
    from golive.local.prefect_server import healthy

    stored = store_plan(plan)
    console.print(f"Plan [bold]{plan}[/bold] stored on the server as [bold]{stored}[/bold]")
    run = run_deployment(
        "golive/launch",
        parameters={"release": release, "driver": DEMO_DRIVER, "plan": stored},
        timeout=0,
    )
    console.print(
        f"Launch [bold]{release}[/bold] started (driver {DEMO_DRIVER}): [link]{ui_url}/runs/flow-run/{run.id}[/link]"
    )
    if interactive:
        console.print(
            "[yellow]Interactive:[/yellow] approve each gate in the Prefect UI (Resume) or with "
            "`golive approve RUN --as NAME`."
        )
    else:
        console.print(
            f"[yellow]SANDBOX APPROVER[/yellow]: sign-offs are answered automatically as "
            f"'{SANDBOX_APPROVER}' (demo only; use --interactive to approve yourself)."
        )
        if held := held_sign_offs():
            console.print(
                f"[yellow]SANDBOX APPROVER[/yellow] leaves {', '.join(sorted(held))} to you (${HOLD_ENV})."
            )
    # with approvals.proof: totp the sandbox approver's codes come from the sandbox's secrets
    codes = SandboxCodes(aws=sandbox_env)
    approver = nullcontext() if interactive else ApproverBot(sandbox_policy, codes=codes)
    seen: dict[str, str] = {}
    api_url = ui_url + "/api"
    silent_since: float | None = None
    with approver, get_client(sync_client=True) as client:
        while True:
            try:
                flow_run = client.read_flow_run(run.id)
                _print_progress(console, client, run.id, seen)
            except httpx.TransportError:
                silent_since = silent_since or time.monotonic()
                if not healthy(api_url) and time.monotonic() - silent_since >= SERVER_GONE_AFTER_S:
                    raise ServerGone(
                        f"The Prefect server at {ui_url} stopped answering "
                        f"(for {time.monotonic() - silent_since:.0f} s): launch {release} is not "
                        "followed any more."
                    ) from None
                time.sleep(1)
                continue
            silent_since = None
            if flow_run.state and flow_run.state.is_final():
                break
            time.sleep(1)
    state = flow_run.state
    ok = bool(state and state.is_completed())
    if ok:
        console.print(f"[bold green]Launch {release}: {state.name}[/bold green]")
    else:
        console.print(
            f"[bold red]Launch {release}: {state.name if state else '?'}[/bold red] — {state.message if state else ''}"
        )
    _print_where(console, ui_url, str(run.id))
    return ok


def _print_where(console: Console, ui_url: str, launch: str) -> None:
    from tasks.report_bundle import reports_dir

    report = reports_dir(launch) / "launch-report.html"
    console.print(
        f"  the run, its gates and artifacts: [link]{ui_url}/runs/flow-run/{launch}[/link]"
    )
    console.print(f"  the report:    {report if report.exists() else '(not written: see the run)'}")
    console.print(
        f"  its siblings:  {report.parent}/ (samples.csv, uat-summary.md, playbook-summary.md, timeline.md)"
    )
    console.print(
        "  the messages:  uv run golive sandbox messages      the dashboard: uv run golive status --once"
    )


def _print_progress(console: Console, client, parent_id, seen: dict[str, str]) -> None:  # type: ignore[no-untyped-def]
    from golive.operator.runs import children, new_gate_states

    for name, state in new_gate_states(children(client, [parent_id]), seen):
        console.print(f"  {datetime.now():%H:%M:%S}  {name}: [bold]{state}[/bold]")
