"""`golive iam-policy PLAN`: the least-privilege IAM policy a plan's launches need, as JSON."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from blocks.plan import PlanError, load_plan
from golive.cli.plan import _print_problems
from tasks.iam_policy import policy_for
from tasks.plugins import check_plugins

_ACCOUNT = re.compile(r"^(\*|\d{12})$")
_REGION = re.compile(r"^(\*|[a-z]{2}(-[a-z]+)+-\d)$")


def iam_policy(
    file: Annotated[Path, typer.Argument(help="The launch plan (YAML).")],
    account: Annotated[
        str, typer.Option(help="The AWS account id the ARNs name (12 digits); default any.")
    ] = "*",
    region: Annotated[str, typer.Option(help="The region of the ECS services and alarms.")] = "*",
) -> None:
    """Print the IAM policy (JSON) for the role a launch runs as: the plan's own resources where AWS
    allows it, each action from where golive takes it (its routers, its API release kind, its
    metric source, its records in S3). Environment overrides apply, as for a launch."""
    if not _ACCOUNT.match(account):
        Console(stderr=True).print(f"[red]--account: {account!r} — 12 digits, or * for any[/red]")
        raise typer.Exit(2)
    if not _REGION.match(region):
        Console(stderr=True).print(f"[red]--region: {region!r} — such as eu-west-1, or *[/red]")
        raise typer.Exit(2)
    try:
        plan = check_plugins(load_plan(file), source=file)
    except PlanError as error:
        _print_problems(Console(stderr=True), error)
        raise typer.Exit(1) from None
    print(json.dumps(policy_for(plan, region=region, account=account), indent=2))
