"""`golive approvals` and `golive approve`: the paused gates, from a terminal."""

from __future__ import annotations

import typer
from rich.console import Console
from rich.markdown import Markdown

from golive.cli.options import OUTPUT_OPTION, Output, print_json
from golive.local.approvals_client import pending_approvals, resume

console = Console()


def approvals(
    details: bool = typer.Option(False, "--details", help="Also show what each approver is shown."),
    output: Output = OUTPUT_OPTION,
) -> None:
    """List paused gates waiting for someone."""
    waiting = pending_approvals()
    if output is Output.json:
        print_json([{**vars(p), "run_id": str(p.run_id), "ready": p.ready} for p in waiting])
        return
    if not waiting:
        console.print("No gate is waiting for an approval.")
        return
    console.print(f"[bold]{len(waiting)} gate(s) waiting for a decision[/bold]")
    for pending in waiting:
        console.print(f"\n⏸  [bold]{pending.run_name}[/bold]  (pause {pending.pause_key})")
        console.print(f"   run id:    {pending.run_id}", soft_wrap=True)
        console.print(
            f"   {pending.who_field}: {', '.join(pending.eligible) or '(form not ready yet)'}",
            soft_wrap=True,
        )
        console.print(
            f"   paused:    {pending.paused_since}; times out {pending.timeout_at or 'never'}"
        )
        if pending.needs_code:
            console.print("   proof:     your one-time code (--code)")
    if details:
        for pending in waiting:
            console.rule(f"{pending.run_name} · {pending.pause_key}")
            console.print(Markdown(pending.description or "(no description)"))
    console.print(
        "Resume one: [bold]golive approve RUN_ID --as NAME [--code CODE] [--reject] "
        "[--comment ...][/bold]"
    )


def approve(
    run_id: str = typer.Argument(..., help="The paused run (from `golive approvals`)."),
    who: str = typer.Option(..., "--as", help="Your name, as on the plan's list."),
    reject: bool = typer.Option(False, "--reject", help="Reject instead of approve."),
    comment: str = typer.Option("", "--comment", help="A note for the launch record."),
    code: str | None = typer.Option(
        None,
        "--code",
        help="Your one-time code, when the plan asks for one (approvals.proof: totp).",
        hide_input=True,
    ),
) -> None:
    """Resume a paused gate with your decision, exactly as the UI's Resume form does.

    The gate may still refuse the answer (the driver, a wrong or reused code): it records why and
    asks again under a new pause key, until its deadline; `golive approvals` shows the new pause."""
    decision = "reject" if reject else "approve"
    try:
        result = resume(run_id, who, decision, comment, code=code)
    except ValueError as error:
        console.print(f"[red]RUN_ID: {run_id!r} — {error}[/red]")
        raise typer.Exit(2) from None
    if not result.accepted:
        console.print(f"[red]Refused:[/red] {result.reason}")
        raise typer.Exit(1) from None
    console.print(
        f"[green]{decision}d[/green] as {who}; the gate resumes within its poll interval "
        "(and records it, or why it refused it and asks again)."
    )
