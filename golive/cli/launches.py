"""The release engineer's verbs: `golive launch`, `golive abort`, `golive rollback`, `golive history`.

Each talks to the Prefect API PREFECT_API_URL names (golive/operator/runs.py) and ends with one of
golive's exit codes (golive/core/outcomes.py)."""

from __future__ import annotations

import getpass
from datetime import datetime
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

from golive.cli.options import OUTPUT_OPTION, PLAN_HELP, Output, fail, plan_or_env, print_json
from golive.core.operator_view import format_duration
from golive.core.outcomes import Exit, exit_for_launch, exit_for_state

console = Console()


def _client():  # noqa: ANN202
    from prefect.client.orchestration import get_client

    return get_client(sync_client=True)


def _say(text: str) -> None:
    console.print(f"  {datetime.now():%H:%M:%S}  {text}", soft_wrap=True, highlight=False)


def _ui_link(run_id: Any) -> str:
    from prefect.settings import get_current_settings

    ui = get_current_settings().ui_url
    return f"{ui}/runs/flow-run/{run_id}" if ui else str(run_id)


def _state(run: Any) -> tuple[str, str, str]:
    state = run.state
    return (state.type.value, state.name, state.message or "") if state else ("", "?", "")


def launch(
    release: str = typer.Argument(..., help="The release to launch (e.g. v1.4.0)."),
    driver: str = typer.Option(..., "--driver", help="Who drives it (may not approve it)."),
    plan: str | None = typer.Option(None, help=PLAN_HELP),
    watch: bool = typer.Option(False, "--watch", help="Follow it gate by gate until it ends."),
    queue: bool = typer.Option(
        False,
        "--queue",
        help="Start it even while another launch holds the plan's production: it waits at "
        "pre-flight until that launch ends.",
    ),
) -> None:
    """Start a golive/launch run (--watch: follow it to its end).

    Without --watch the exit code is 3 (in progress) once the run is created; with --watch, the
    launch's own outcome. Refused while another launch holds the plan's production (one launch
    per production: the server's lease, which the launch's pre-flight takes), unless --queue."""
    from golive.operator.runs import create_launch, production_holder

    plan = plan_or_env(plan)
    if not queue and (holder := production_holder(plan)) is not None:
        fail(
            Exit.IN_PROGRESS,
            f"production is held by {holder.describe()}: abort it (golive abort), wait, "
            "or pass --queue",
        )
    with _client() as client:
        run = create_launch(client, release, driver, plan, queue)
    console.print(
        f"Launch [bold]{release}[/bold] (driver {driver}, plan {plan}): {run.id}", soft_wrap=True
    )
    console.print(f"  {_ui_link(run.id)}", soft_wrap=True)
    if not watch:
        raise typer.Exit(int(Exit.IN_PROGRESS))
    raise typer.Exit(int(watch_launch(run.id, plan)))


def watch_launch(run_id: Any, plan: str) -> Exit:
    """Print each gate's state change, each sign-off it waits for and each change of the rollout
    (production's router), until the launch ends. Ctrl-C stops watching, not the launch (exit 3)."""
    from golive.local.approvals_client import pending_approvals
    from golive.operator.runs import children, new_gate_states, wait_final

    seen: dict[str, str] = {}
    asked: set[str] = set()
    rollout = _rollout_reader(plan)
    shown: list[int | None] = [None]
    with _client() as client:

        def progress(run: Any) -> None:
            gates = children(client, [run.id])
            for name, state in new_gate_states(gates, seen):
                _say(f"{name}: [bold]{state}[/bold]")
            ids = {g.id for g in gates} | {run.id}
            for pending in pending_approvals(client):
                if pending.run_id in ids and pending.ready and pending.pause_key not in asked:
                    asked.add(pending.pause_key)
                    _say(
                        f"⏸  {pending.pause_key} waits for {', '.join(pending.eligible)}: "
                        f"golive approve {pending.run_id} --as NAME"
                    )
            if (weights := rollout()) and weights.get("canary") != shown[0]:
                if shown[0] is not None:  # the first reading is where it starts, not a change
                    _say(f"rollout: canary {weights.get('canary')} % (weights {weights})")
                shown[0] = weights.get("canary")

        try:
            run = wait_final(client, run_id, on_poll=progress, poll_s=2.0)
        except KeyboardInterrupt:
            console.print(f"Stopped watching; the launch goes on: golive status {run_id}")
            return Exit.IN_PROGRESS
    state_type, name, message = _state(run)
    code = exit_for_launch(state_type)
    style = "bold green" if code is Exit.OK else "bold red"
    console.print(f"[{style}]Launch {name}[/{style}] {message}", soft_wrap=True)
    return code


def _rollout_reader(plan: str) -> Any:
    """A function reading production's router weights ({} when it cannot): the plan loaded once."""
    try:
        from flows.launch_plan import load_launch_plan
        from tasks.traffic import router_for

        router = router_for(load_launch_plan(plan).environments.production)
    except Exception:  # noqa: BLE001 - the watch shows what it can; the launch judges the plan
        return dict

    def read() -> dict[str, int]:
        try:
            return router.weights()
        except Exception:  # noqa: BLE001
            return {}

    return read


def abort(
    launch_ref: str | None = typer.Argument(
        None, metavar="[LAUNCH]", help="Flow-run id or release (default: the launch in progress)."
    ),
    reason: str = typer.Option("operator abort", help="Why: recorded with the cancellation."),
    timeout: float = typer.Option(300.0, help="Seconds to wait for the launch and its rollback."),
) -> None:
    """Cancel a launch, wait for its rollback, say when users are on stable.

    The launch's on_cancellation hook dispatches rollback/full when it touched production. Exit 0
    when users are on stable (or production was never touched), 1 when the rollback failed or did
    not come, 2 when there is nothing to abort."""
    from golive.operator.runs import active_launches, cancel, find_launch, is_final, wait_final

    with _client() as client:
        try:
            if launch_ref is None:
                busy = active_launches(client)
                if not busy:
                    fail(Exit.USAGE, "no launch in progress: name one (LAUNCH)")
                if len(busy) > 1:  # several productions launching: never guess which to stop
                    named = ", ".join(
                        f"{(r.parameters or {}).get('release', '?')} ({r.id})" for r in busy
                    )
                    fail(
                        Exit.USAGE, f"{len(busy)} launches in progress: name one (LAUNCH): {named}"
                    )
                run = busy[0]
            else:
                run = find_launch(client, launch_ref)
        except LookupError as error:
            fail(Exit.USAGE, str(error))
        release = (run.parameters or {}).get("release", "?")
        if is_final(run):
            fail(Exit.USAGE, f"launch {release} ({run.id}) already ended {_state(run)[1]}")
        asked = cancel(client, run.id, f"aborted by {getpass.getuser()} (golive abort): {reason}")
        _say(f"launch {release} ({run.id}): cancelling")
        run = wait_final(client, run.id, timeout_s=timeout)
        _say(f"launch {release}: {_state(run)[1]}")
        if not is_final(run):
            fail(Exit.FAILED, f"the launch did not end within {timeout:.0f} s: see the UI")
        code = _after_abort(client, run, asked, timeout)
    raise typer.Exit(int(code))


def _after_abort(client: Any, run: Any, asked: datetime, timeout: float) -> Exit:
    """Wait for the rollback the hook dispatched after the cancellation was asked (an earlier
    rollback of the launch is not it), or its word that none was needed; then read the production
    router's weights."""
    import time

    from golive.operator.runs import rollbacks_of, wait_final

    plan = str((run.parameters or {}).get("plan", ""))
    deadline = time.monotonic() + timeout
    rollback = None
    while time.monotonic() < deadline:
        if found := rollbacks_of(client, str(run.id), since=asked):
            rollback = found[0]
            break
        if note := _hook_said_no_rollback(plan, str(run.id)):
            _say(f"no rollback: {note}")
            return _users_on_stable(plan)
        time.sleep(1)
    if rollback is None:
        _say(f"[red]no rollback/full run for this launch within {timeout:.0f} s[/red]")
        return Exit.FAILED
    _say(f"rollback/full {rollback.id}: {_state(rollback)[1]}")
    rollback = wait_final(client, rollback.id, timeout_s=max(deadline - time.monotonic(), 1))
    state_type, name, message = _state(rollback)
    _say(f"rollback/full: {name} {message}")
    if exit_for_state(state_type) is not Exit.OK:
        return Exit.FAILED
    return _users_on_stable(plan)


def _hook_said_no_rollback(plan: str, launch_id: str) -> str:
    """The hook's timeline entry when it dispatched nothing ("" when there is none yet)."""
    if not plan:
        return ""
    from flows.launch_plan import load_launch_plan
    from tasks.aws import aws_client
    from tasks.timeline_store import read_timeline

    try:
        production = load_launch_plan(plan).environments.production
        entries = read_timeline(aws_client("s3", production), production.bucket, launch_id)
    except Exception:  # noqa: BLE001 - no record yet: keep waiting for a rollback run
        return ""
    said = [
        e for e in entries if e.kind == "rollback" and e.event in ("not_needed", "not_dispatched")
    ]
    return said[-1].summary if said else ""


def _users_on_stable(plan: str) -> Exit:
    from golive.operator.runs import production_weights

    try:
        weights = production_weights(plan)
    except Exception as error:  # noqa: BLE001
        _say(f"[red]could not read production's weights: {type(error).__name__}: {error}[/red]")
        return Exit.FAILED
    if weights.get("canary", 0) == 0:
        _say(f"[bold green]users on stable[/bold green] (weights {weights})")
        return Exit.OK
    _say(f"[bold red]users NOT on stable[/bold red] (weights {weights})")
    return Exit.FAILED


def rollback(
    mode: str = typer.Argument(..., help="emergency | full | validate"),
    reason: str = typer.Option(..., "--reason", help="Why (the record and the message say it)."),
    plan: str | None = typer.Option(None, help=PLAN_HELP),
    launch_ref: str | None = typer.Option(
        None, "--launch", help="The launch it undoes (flow-run id or release); default none."
    ),
    wait: bool = typer.Option(True, "--wait/--no-wait", help="Wait for it to end (default)."),
) -> None:
    """Run rollback/MODE (emergency, full, validate), wait, report.

    The runbook's ./rollback.sh MODE --reason ...: works with no launch running. Exit 0 completed
    (and, for emergency and full, users on stable), 1 failed, 3 not waited for (--no-wait)."""
    from golive.operator.runs import ROLLBACK_MODES, create_rollback, find_launch, wait_final

    if mode not in ROLLBACK_MODES:
        fail(Exit.USAGE, f"MODE: {mode!r} — one of {', '.join(ROLLBACK_MODES)}")
    plan = plan_or_env(plan)
    with _client() as client:
        launch_id = None
        if launch_ref:
            try:
                launch_id = str(find_launch(client, launch_ref).id)
            except LookupError as error:
                fail(Exit.USAGE, f"--launch: {error}")
        run = create_rollback(
            client, mode, reason, plan, launch_id, f"golive rollback by {getpass.getuser()}"
        )
        _say(f"rollback/{mode} {run.id}: {reason}")
        if not wait:
            raise typer.Exit(int(Exit.IN_PROGRESS))
        run = wait_final(client, run.id)
    state_type, name, message = _state(run)
    code = exit_for_state(state_type)
    _say(f"rollback/{mode}: [bold]{name}[/bold] {message}")
    if code is Exit.OK and mode != "validate":
        code = _users_on_stable(plan)
    raise typer.Exit(int(code if code in (Exit.OK, Exit.IN_PROGRESS) else Exit.FAILED))


def history(
    limit: int = typer.Option(20, help="How many launches, newest first."),
    output: Output = OUTPUT_OPTION,
) -> None:
    """Past launches: release, driver, state, started, duration, where it stopped."""
    from golive.operator.runs import launch_rows

    with _client() as client:
        rows = launch_rows(client, limit)
    if output is Output.json:
        print_json([r.as_json() for r in rows])
        return
    if not rows:
        console.print("No golive launch on this Prefect server yet.")
        return
    table = Table(title=f"golive launches (newest first, {len(rows)})")
    for column in ("release", "driver", "state", "started (UTC)", "duration", "stopped at", "id"):
        table.add_column(column, overflow="fold")
    for r in rows:
        table.add_row(
            r.release,
            r.driver,
            r.state,
            f"{r.started:%Y-%m-%d %H:%M:%S}" if r.started else "-",
            format_duration(r.duration),
            r.stopped_at or "-",
            r.id,
        )
    console.print(table)
