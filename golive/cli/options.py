"""Options the operator's commands share: `--plan` (default $GOLIVE_PLAN), `--output text|json`,
and how a command ends with one of golive's exit codes (golive/core/outcomes.py)."""

from __future__ import annotations

import json
import os
from enum import StrEnum
from typing import Any, NoReturn

import typer
from rich.console import Console

from golive.core.outcomes import Exit

PLAN_ENV = "GOLIVE_PLAN"
PLAN_HELP = (
    "The launch plan: a file (dev, sandbox) or golive-plan/<name> (a stored plan block). "
    f"Default: ${PLAN_ENV}."
)
err = Console(stderr=True)


class Output(StrEnum):
    text = "text"
    json = "json"


OUTPUT_OPTION = typer.Option(Output.text, "--output", "-o", help="text, or json for scripts.")


def plan_or_env(plan: str | None, option: str = "--plan") -> str:
    """The plan named on the command line, else $GOLIVE_PLAN; else a usage error naming both."""
    chosen = plan or os.environ.get(PLAN_ENV, "")
    if not chosen:
        fail(
            Exit.USAGE,
            f"{option}: name the launch plan (a file, or golive-plan/<name>), or set ${PLAN_ENV}",
        )
    return chosen


def fail(code: Exit, message: str) -> NoReturn:
    err.print(f"[red]{message}[/red]", soft_wrap=True)
    raise typer.Exit(int(code))


def print_json(value: Any) -> None:
    print(json.dumps(value, indent=2, default=str))
