"""`golive demo` (what `make demo` runs): bring the sandbox world up and show what it serves."""

from __future__ import annotations

import re

import httpx
from rich.console import Console
from rich.table import Table

from sandbox import manager


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


def run_demo(console: Console) -> None:
    console.rule("[bold]golive demo[/bold]")
    console.print("Starting the sandbox world (moto, StatusBoardV2 simulator, edges, chat sink)…")
    sandbox = manager.up()
    console.print(f"[green]Sandbox up[/green]; environment in [bold]{sandbox.env_file}[/bold]")
    show_world(sandbox, console)
    console.print("Try: [bold]source .golive/sandbox/sandbox.env && aws s3 ls s3://$S3_BUCKET --recursive[/bold]")
    console.print("     [bold]golive sandbox fault --target canary --latency-ms 600[/bold], "
                  "[bold]golive sandbox status[/bold], [bold]golive sandbox down[/bold]")
