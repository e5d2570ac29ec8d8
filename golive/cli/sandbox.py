"""`golive sandbox ...`: start, inspect, break and stop the embedded sandbox world."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from sandbox import manager
from sandbox.apps import APPS
from sandbox.aws_fault_rules import KINDS
from sandbox.faults import ENDPOINTS, TARGETS
from sandbox.routers import ROUTERS
from sandbox.routers import router as simulated_router

sandbox_app = typer.Typer(
    help="The embedded sandbox: moto + a simulated app (StatusBoardV2, PartsDesk) + edges + chat sink.",
    no_args_is_help=True,
)
console = Console()
StateDir = typer.Option(
    None,
    "--state-dir",
    envvar=manager.DEFAULT_DIR_ENV,
    help="Where the sandbox keeps its state (default ./.golive/sandbox).",
)
ROUTER_CHOICES = ", ".join(f"{kind} ({entry.title})" for kind, entry in ROUTERS.items())
APP_CHOICES = ", ".join(f"{name} ({entry.title})" for name, entry in APPS.items())


def _running(state_dir: Path | None) -> manager.Sandbox:
    running = manager.status(state_dir)
    if running is None:
        console.print(
            "[red]No sandbox is running here.[/red] Start one with [bold]golive sandbox up[/bold]."
        )
        raise typer.Exit(1)
    return running


def _print_environment(sandbox: manager.Sandbox) -> None:
    table = Table(title="Sandbox environment", show_header=True)
    table.add_column("variable")
    table.add_column("value")
    for key, value in sandbox.environment().items():
        table.add_row(key, value)
    console.print(table)
    console.print(f"Load it in your shell: [bold]source {sandbox.env_file}[/bold]")


@sandbox_app.command()
def up(
    state_dir: Path | None = StateDir,
    router: str | None = typer.Option(
        None,
        help=f"Which router the edge follows: {ROUTER_CHOICES}. Default: the app's world's "
        "(statusboard: route53, partsdesk: alb).",
    ),
    app: str = typer.Option("statusboard", help=f"The app the world simulates: {APP_CHOICES}."),
    users: float = typer.Option(
        0.0,
        help="Users on the production edge from the start, in requests per second (at most 200, "
        "for an hour at most; `golive sandbox users` changes it). Default: none.",
    ),
) -> None:
    """Start the sandbox in the background; return when it serves."""
    from sandbox.spec import WorldSpec

    if app not in APPS:
        console.print(f"[red]--app: {app!r} — expected one of {', '.join(APPS)}[/red]")
        raise typer.Exit(2) from None
    if router is not None and router not in ROUTERS:
        console.print(f"[red]--router: {router!r} — expected one of {', '.join(ROUTERS)}[/red]")
        raise typer.Exit(2) from None
    if not 0 <= users <= 200:
        console.print(f"[red]--users: {users:g} — expected requests per second from 0 to 200[/red]")
        raise typer.Exit(2) from None
    spec = WorldSpec.for_app(app, users_rate=users, **({"router": router} if router else {}))
    try:
        sandbox = manager.up(state_dir, spec)
    except manager.SandboxError as error:
        console.print(f"[red]{error}[/red]")
        raise typer.Exit(1) from None
    console.print(
        f"[green]Sandbox up[/green] (pid {sandbox.state['pid']}, state in {sandbox.state_dir})"
    )
    _print_environment(sandbox)


@sandbox_app.command()
def status(state_dir: Path | None = StateDir) -> None:
    """Show what the sandbox serves: URLs, routing weights, live releases, faults."""
    sandbox = _running(state_dir)
    routing = sandbox.routing()
    started = datetime.fromtimestamp(sandbox.state["started_at"]).isoformat(timespec="seconds")
    console.print(f"[green]Sandbox running[/green] since {started} (pid {sandbox.state['pid']})")
    table = Table(show_header=True)
    table.add_column("service")
    table.add_column("url")
    for name, url in sandbox.urls.items():
        table.add_row(name, url)
    console.print(table)
    weights, entry = routing["weights"], simulated_router(routing["router"])
    console.print(
        f"router: [bold]{entry.kind}[/bold] ({entry.title}: {entry.describe(sandbox.spec, sandbox.state['ids'])})"
    )
    spec = sandbox.spec
    names = spec.slot_names  # the app's own names for the stable and canary slots
    own = (
        ""
        if names == {"stable": "stable", "canary": "canary"}
        else f"  ({spec.app} calls them {names['stable']} and {names['canary']})"
    )
    console.print(f"app: {spec.app} (simulated {spec.api})")
    console.print(f"weights: stable {weights['stable']} / canary {weights['canary']}{own}")
    if routing.get("problem"):  # the edge serves the last weights it could read
        console.print(f"[red]routing unreadable:[/red] {routing['problem']}")
    console.print(f"staging origin: {routing['staging_origins']}")
    console.print(f"production origins: {routing['production_origins']}")
    faults = routing["faults"]
    console.print(f"faults: {faults if faults else 'none'}")
    aws_faults = routing.get("aws_faults")
    console.print(f"AWS faults: {aws_faults if aws_faults else 'none'}")


@sandbox_app.command()
def users(
    rate: float = typer.Argument(
        ..., help="Requests per second through the production edge; 0 stops them."
    ),
    minutes: float = typer.Option(10.0, help="How long, at most 60 minutes."),
    state_dir: Path | None = StateDir,
) -> None:
    """Send the app's users' request mix (board, drawers, moves, stats) through the production edge."""
    sandbox = _running(state_dir)
    try:
        shown = sandbox.stop_users() if rate == 0 else sandbox.start_users(rate, minutes * 60)
    except manager.SandboxError as error:
        console.print(f"[red]{error}[/red]")
        raise typer.Exit(2) from None
    console.print(
        f"users: {shown['rate']:g} requests/s for {shown['duration_s'] / 60:g} min"
        if shown["running"]
        else "users: none"
    )


@sandbox_app.command()
def down(state_dir: Path | None = StateDir) -> None:
    """Stop the sandbox and every process it started."""
    stopped = manager.down(state_dir)
    console.print("Sandbox stopped." if stopped else "No sandbox was running.")


@sandbox_app.command()
def reset(state_dir: Path | None = StateDir) -> None:
    """Put the world back as seeded: initial release live, weights 100/0, alarms OK, no faults."""
    _running(state_dir).reset()
    console.print("Sandbox reset to its seeded state.")


@sandbox_app.command()
def env(state_dir: Path | None = StateDir) -> None:
    """Print the env file's path and contents."""
    _print_environment(_running(state_dir))


@sandbox_app.command()
def fault(
    target: str = typer.Option(..., help=f"Backend to break: {', '.join(TARGETS)}."),
    latency_ms: float = typer.Option(0.0, help="Latency added to every request, in ms."),
    error_rate: float = typer.Option(0.0, help="Fraction of requests answered with 500 (0..1)."),
    down_: bool = typer.Option(False, "--down", help="Answer every request with 503."),
    endpoint: str | None = typer.Option(None, help=f"Only this endpoint: {', '.join(ENDPOINTS)}."),
    drop_header: list[str] = typer.Option(
        [], help="Security header the edge stops sending (repeatable)."
    ),
    clear: bool = typer.Option(False, "--clear", help="Remove the target's faults instead."),
    state_dir: Path | None = StateDir,
) -> None:
    """Inject (or --clear) a fault into the staging, stable or canary backend."""
    if target not in TARGETS:
        console.print(f"[red]--target: {target!r} — expected one of {', '.join(TARGETS)}[/red]")
        raise typer.Exit(2) from None
    if endpoint is not None and endpoint not in ENDPOINTS:
        console.print(
            f"[red]--endpoint: {endpoint!r} — expected one of {', '.join(ENDPOINTS)}[/red]"
        )
        raise typer.Exit(2) from None
    sandbox = _running(state_dir)
    if clear:
        sandbox.clear_faults(target)
        console.print(f"Faults on {target} cleared.")
        return
    try:
        applied = sandbox.set_fault(
            target,
            latency_ms=latency_ms,
            error_rate=error_rate,
            down=down_,
            endpoint=endpoint,
            drop_headers=drop_header,
        )
    except manager.SandboxError as error:
        console.print(f"[red]{error}[/red]")
        raise typer.Exit(2) from None
    console.print(f"Fault set: {applied}")


@sandbox_app.command("aws-fault")
def aws_fault(
    service: str | None = typer.Argument(
        None, help="s3, cloudfront, route53, elbv2, cloudwatch, sts, iam, ..."
    ),
    kind: str | None = typer.Argument(None, help=f"{', '.join(KINDS)}."),
    count: int = typer.Option(1, help="How many matching calls to fault; -1 for every call."),
    action: str | None = typer.Option(
        None, help="Only this action, e.g. CopyObject or UpdateDistribution."
    ),
    after: int = typer.Option(0, help="Let this many matching calls through first."),
    delay: float = typer.Option(0.0, help="For `slow`: seconds before the call is forwarded."),
    clear: bool = typer.Option(
        False, "--clear", help="Remove every AWS fault (and the record of faulted calls)."
    ),
    state_dir: Path | None = StateDir,
) -> None:
    """Make the sandbox's AWS endpoint fail (or stall) the next calls to a service, as AWS would."""
    sandbox = _running(state_dir)
    if clear:
        sandbox.clear_aws_faults()
        console.print("AWS faults cleared.")
        return
    if service is None or kind not in KINDS:
        console.print(f"[red]give a SERVICE and a KIND ({', '.join(KINDS)}), or --clear[/red]")
        raise typer.Exit(2) from None
    try:
        rule = sandbox.set_aws_fault(
            service, kind, count=count, action=action, after=after, delay_s=delay
        )
    except manager.SandboxError as error:
        console.print(f"[red]{error}[/red]")
        raise typer.Exit(2) from None
    times = "every call" if rule["count"] is None else f"the next {rule['count']} call(s)"
    console.print(
        f"AWS fault #{rule['id']}: {rule['kind']} on {times} to {rule['service']}"
        + (f" {rule['action']}" if rule["action"] else "")
        + (f", after letting {rule['after']} through" if rule["after"] else "")
    )


@sandbox_app.command()
def messages(state_dir: Path | None = StateDir) -> None:
    """List the notifications the chat sink received, oldest first."""
    received = _running(state_dir).messages()
    if not received:
        console.print("No messages yet.")
        return
    table = Table(show_header=True)
    table.add_column("#")
    table.add_column("time")
    table.add_column("channel")
    table.add_column("text")
    for message in received:
        at = datetime.fromtimestamp(message["at"]).strftime("%H:%M:%S")
        table.add_row(str(message["seq"]), at, message["channel"], message["text"])
    console.print(table)
