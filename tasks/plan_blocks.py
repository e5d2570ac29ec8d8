"""Load a plan with its Prefect blocks resolved, and check that every block a plan names exists."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from blocks.plan import (
    LaunchPlan,
    PlanError,
    PlanText,
    Problem,
    environment_block_names,
    parse_plan_yaml,
    read_plan_file,
    validate_plan,
)


def _load_environment_block(name: str):  # type: ignore[no-untyped-def]
    from blocks.prefect_blocks import GoliveEnvironment

    return GoliveEnvironment.load(name)


def load_plan_with_blocks(
    source: Path | PlanText, env: Mapping[str, str] = os.environ
) -> LaunchPlan:
    """The plan as a launch uses it: file < GoliveEnvironment blocks < environment variables.

    `source` is a plan file or a plan's text (a stored plan has no file: its relative paths
    start at the working directory)."""
    if isinstance(source, PlanText):
        path: Path | str = source.ref
        raw, file = parse_plan_yaml(source.text, source=path), source.file
    else:
        path, raw, file = source, read_plan_file(source), source
    overlays, problems = {}, []
    for environment, block_name in environment_block_names(raw).items():
        try:
            overlays[environment] = _load_environment_block(block_name).overlay()
        except ValueError:
            problems.append(
                _missing(("environments", environment, "block"), block_name, "GoliveEnvironment")
            )
    if problems:
        raise PlanError(problems, source=path)
    from tasks.plugins import (
        check_plugins,
    )  # late: the plug-in registries import boto3-facing modules

    return check_plugins(
        validate_plan(
            raw, env=env, source=path, environment_overlays=overlays, from_file=False, file=file
        ),
        source=path,
    )


def unresolvable_blocks(plan: LaunchPlan) -> list[Problem]:
    """Every block name in the plan that the Prefect server does not have."""
    from prefect.blocks.system import Secret
    from prefect_aws import AwsCredentials

    from blocks.prefect_blocks import GoliveEnvironment
    from tasks.notify_registry import notifier_for

    wanted: list[tuple[tuple[str | int, ...], str, type]] = []
    for name, environment in plan.environments.items():
        if environment.block:
            wanted.append((("environments", name, "block"), environment.block, GoliveEnvironment))
        if environment.aws_credentials_block:
            wanted.append(
                (
                    ("environments", name, "aws_credentials_block"),
                    environment.aws_credentials_block,
                    AwsCredentials,
                )
            )
    for index, notification in enumerate(plan.notifications):
        wanted.append(
            (
                ("notifications", index, "block"),
                notification.block,
                notifier_for(notification).block_type(),
            )
        )
    for suite, index, check in plan.smoke.all_checks():
        if check.bearer_secret_block:
            wanted.append(
                (
                    ("smoke", "suites", suite, index, "bearer_secret_block"),
                    check.bearer_secret_block,
                    Secret,
                )
            )
    problems = []
    for loc, block_name, block_type in wanted:
        try:
            block_type.load(block_name)
        except ValueError:
            problems.append(_missing(loc, block_name, block_type.__name__))
    return problems


def _missing(loc: tuple[str | int, ...], name: str, type_name: str) -> Problem:
    return Problem(
        loc,
        repr(name),
        f"a {type_name} block of that name on the Prefect server (create it in the UI under Blocks)",
    )
