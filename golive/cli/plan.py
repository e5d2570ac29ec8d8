"""`golive plan …`: validate a launch plan and show what it will do.

Mounted as `golive plan` by golive/cli.py; runs on its own as `plan_app`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from blocks.plan import (
    Environment,
    LaunchPlan,
    PlanError,
    RouterConfig,
    default_max_client_lag_ms,
    load_plan,
)
from golive.core.canary_sight import canary_sights, describe, sight_warnings
from golive.core.site_release import describe as describe_site_release
from tasks.metrics.counting import CountingSource
from tasks.metrics.registry import is_counting, source_for
from tasks.plugins import check_plugins
from tasks.traffic.registry import entry_for, settings_for

plan_app = typer.Typer(help="Launch plans: validate and summarise.", no_args_is_help=True)


@plan_app.callback()
def _plan() -> None:
    """Launch plans: validate and summarise."""
    # A callback keeps `check` a subcommand even while it is the only one.


@plan_app.command()
def check(
    file: Annotated[
        Path, typer.Argument(help="The launch plan (YAML), e.g. plans/statusboard-v2.yaml.")
    ],
    offline: Annotated[
        bool, typer.Option("--offline", help="Do not check block names against the Prefect API.")
    ] = False,
) -> None:
    """Validate FILE (with environment overrides applied) and print a summary of the plan.

    Unless --offline, every block the plan names must exist on the Prefect server
    (PREFECT_API_URL); if the server cannot be reached, that is said and not judged.
    """
    console = Console()
    try:
        plan = check_plugins(load_plan(file), source=file)
        block_note = None if offline else _check_blocks(plan, file)
    except PlanError as error:
        _print_problems(Console(stderr=True), error)
        raise typer.Exit(1) from None
    console.print(summary(plan, file))
    if block_note:
        console.print(Text(f"! {block_note}", style="yellow"))


@plan_app.command()
def push(
    file: Annotated[Path, typer.Argument(help="The launch plan (YAML) to store.")],
    name: Annotated[
        str | None,
        typer.Option(
            help="Its name on the server (default: the file's name, e.g. statusboard-v2)."
        ),
    ] = None,
) -> None:
    """Store FILE on the Prefect server as golive-plan/NAME, where every worker reads it.

    The plan is checked first (as `golive plan check`, blocks included); a bad plan is not
    stored. Launches and rollbacks then take `-p plan=golive-plan/NAME`; each launch keeps the
    exact text it ran, so storing a new version never changes a launch already under way."""
    from blocks.plan import PlanText, plan_name_for, stored_name
    from blocks.prefect_blocks import GolivePlan
    from tasks.plan_blocks import unresolvable_blocks
    from tasks.plan_store import push_plan

    console = Console()
    target = name or plan_name_for(file)
    try:
        stored_name("golive-plan/" + target)
        plan = check_plugins(load_plan(file), source=file)
        if problems := unresolvable_blocks(plan):
            raise PlanError(problems, source=file)
    except PlanError as error:
        _print_problems(Console(stderr=True), error)
        raise typer.Exit(1) from None
    except ValueError as error:
        Console(stderr=True).print(Text(f"✗ --name: {error}", style="bold red"))
        raise typer.Exit(1) from None
    text = PlanText(ref=str(file), text=file.read_text(encoding="utf-8"), file=file)
    GolivePlan.register_type_and_schema()  # idempotent: the type exists on a set-up server
    changed = push_plan(target, text)
    state = "stored" if changed else "unchanged (the server holds exactly this text)"
    console.print(f"golive-plan/{target}: {state} · {plan.app} · sha256 {text.sha256[:12]}")


def _check_blocks(plan: LaunchPlan, file: Path) -> str | None:
    """PlanError for unresolvable blocks; a note if the Prefect API is not reachable."""
    import httpx
    from prefect.settings import PREFECT_API_URL

    api = PREFECT_API_URL.value()
    try:
        if not api or httpx.get(f"{api}/health", timeout=3).status_code != 200:
            raise httpx.ConnectError("unhealthy")
    except httpx.HTTPError:
        return f"block names not checked: no Prefect API at {api or '(PREFECT_API_URL unset)'}"
    from tasks.plan_blocks import unresolvable_blocks

    if problems := unresolvable_blocks(plan):
        raise PlanError(problems, source=file)
    return None


def _print_problems(console: Console, error: PlanError) -> None:
    count = len(error.problems)
    console.print(
        Text(
            f"✗ {error.source or 'plan'}: {count} problem{'s' if count != 1 else ''}",
            style="bold red",
        )
    )
    for line in error.problems:  # Text, not markup: messages contain [brackets]
        console.print(Text(f"  {line}", style="red"))


def summary(plan: LaunchPlan, file: Path) -> Group:
    """Everything an Approver should see before saying go, as rich renderables."""
    shown = file if file.is_absolute() else f"{file} ({file.resolve()})"
    parts: list = [Text(f"✓ {shown}: {plan.app} launch plan is valid", style="bold green")]
    parts += [_environment_panel(name, env, plan) for name, env in plan.environments.items()]
    parts += [
        _roles_and_build(plan),
        _smoke_table(plan),
        _slo_table(plan),
        _timings(plan),
        _notifications(plan),
    ]
    # the plan's own, then what the canary cannot see: the probe's volume, or a counting source's own
    source = source_for(plan)
    counting = isinstance(source, CountingSource) and is_counting(source)
    warnings = plan.warnings() + (source.warnings(plan) if counting else sight_warnings(plan))
    parts += [Text(f"! {warning}", style="yellow") for warning in warnings]
    if not plan.build_working_dir.is_dir():
        parts.append(
            Text(f"! build.working_dir: {plan.build_working_dir} does not exist", style="yellow")
        )
    return Group(*parts)


def _key_values(rows: list[tuple[str, str]]) -> Table:
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold")
    grid.add_column(overflow="fold")
    for key, value in rows:
        grid.add_row(key, value)
    return grid


def _environment_panel(name: str, env: Environment, plan: LaunchPlan) -> Panel:
    def value(field: str, text: str) -> str:
        variable = plan.overrides.get(f"environments.{name}.{field}")
        return f"{text}  (from ${variable})" if variable else text

    rows = [
        ("site", value("url", env.url)),
        ("api", value("api_base_url", env.api_base_url) + f"  health {env.health_path}"),
        ("releases", value("bucket", f"s3://{env.bucket}/{env.prefix}/<release>/")),
        ("distribution", value("cloudfront_distribution_id", env.cloudfront_distribution_id)),
        ("credentials", env.aws_credentials_block or "default AWS credential chain"),
    ]
    if env.router is not None:
        rows.append(("router", _router_text(env.router)))
    if env.frontend_router is not None:
        rows.append(("site router", _frontend_text(env.frontend_router, plan)))
    if env.alarms:
        rows.append(("alarms", ", ".join(env.alarms)))
    return Panel(_key_values(rows), title=name, title_align="left")


def _router_text(router: RouterConfig) -> str:
    entry = entry_for(router)  # the plan passed check_plugins: a known kind with good settings
    return f"{entry.kind}: {entry.describe(settings_for(router))}"


def _roles_and_build(plan: LaunchPlan) -> Panel:
    return Panel(
        _key_values(
            [
                ("approvers", ", ".join(plan.roles.approvers)),
                ("UAT signers", ", ".join(plan.roles.uat_signers) or "none: UAT not required"),
                ("build", " ".join(plan.build.command) + "  --release R --out DIR"),
                ("working dir", _resolved(plan.build.working_dir, plan.build_working_dir)),
                (
                    "output dir",
                    _resolved(plan.build.output_dir, plan.build_output_dir)
                    + "  by hand only: Gate A's --out DIR is a scratch directory",
                ),
                ("API release", f"{plan.release_header} header on every API answer"),
                ("site release", describe_site_release(plan.site_release)),
                (
                    "arms",
                    "by release: the launched one is canary, the live one stable"
                    if plan.arms.by == "release"
                    else f"by {plan.version_header}: {dict(plan.arms.values)}",
                ),
                ("API rollout", _api_release_line(plan)),
            ]
        ),
        title="roles and build",
        title_align="left",
    )


def _api_release_line(plan: LaunchPlan) -> str:
    from tasks.api_release.registry import kind_for

    kind = kind_for(plan)
    line = f"{kind.kind}: {kind.describe}"
    if plan.api_release is not None and plan.api_release.image:
        line += (
            f" (image {plan.api_release.image}:<release>, container {plan.api_release.container})"
        )
    if plan.environments.production.frontend_router is not None:
        return line + "; the site follows its own router (site router, above)"
    # a real CloudFront distribution serves one origin per cache behaviour
    return line + "; the site switches at promotion (no frontend router)"


def _frontend_text(router: RouterConfig, plan: LaunchPlan) -> str:
    from tasks.frontend.registry import frontend_settings, site_share_at

    entry, settings = frontend_settings(router)
    steps = ", ".join(f"{site_share_at(plan, step):g} % at {step} %" for step in plan.canary.steps)
    return f"{entry.kind}: {entry.describe(settings)}; the site's share: {steps}"


def _resolved(written: str, path: Path) -> str:
    """A path the plan wrote, as the absolute path it resolves to (and as written, if relative)."""
    return str(path) if Path(written).is_absolute() else f"{path}  ({written!r} in the plan)"


def _smoke_table(plan: LaunchPlan) -> Table:
    table = Table(title="smoke suites", title_justify="left")
    table.add_column("suite", style="bold")
    table.add_column("checks", justify="right")
    table.add_column("names", overflow="fold")
    for name, checks in plan.smoke.suites.items():
        table.add_row(name, str(len(checks)), ", ".join(check.name for check in checks))
    return table


def _slo_table(plan: LaunchPlan) -> Table:
    slos = plan.slos
    table = Table(
        title=f"SLOs (at least {slos.min_samples} samples per version per evaluation)",
        title_justify="left",
    )
    table.add_column("SLO", style="bold")
    table.add_column("measure", overflow="fold")
    table.add_column("pass / fail")
    table.add_row(
        "error rate",
        "all probed requests",
        f"< {slos.error_rate.target.text} / ≥ {slos.error_rate.limit.text}",
    )
    for slo in slos.latency:
        table.add_row(slo.name, f"{slo.stat} of {slo.path}", f"< {slo.threshold.text}")
    return table


def _timings(plan: LaunchPlan) -> Panel:
    canary, probe, stab = plan.canary, plan.probe, plan.stabilization
    compare = canary.compare_with_stable
    id_source = (
        f", values from {probe.id_source.path}: "
        + ", ".join(f"{{{name}}} at {path}" for name, path in probe.id_source.paths.items())
        if probe.id_source
        else ""
    )
    return Panel(
        _key_values(
            [
                ("steps", " → ".join(f"{step}%" for step in canary.steps)),
                (
                    "bake",
                    f"{canary.bake.text} per step, evaluated every {canary.evaluation_interval.text} "
                    f"(≥ {_minutes(canary.minimum_duration)} in all)",
                ),
                (
                    "rollback after",
                    f"{canary.max_consecutive_failures} failed evaluations in a row "
                    f"or {canary.max_total_failures} in all",
                ),
                ("inconclusive", f"bake extended up to {canary.max_inconclusive_extensions} times"),
                ("traffic share", f"observed canary share within ±{canary.share_tolerance.text}"),
                (
                    "vs stable",
                    f"rank test α={compare.alpha:g}, max slowdown {compare.max_relative_slowdown.text}"
                    if compare.enabled
                    else "off",
                ),
                (
                    "probe",
                    f"{probe.requests_per_evaluation} requests per evaluation, concurrency {probe.concurrency}"
                    + (f", at {probe.rate.text}" if probe.rate is not None else "")
                    + id_source,
                ),
                ("probe health", _probe_health(plan)),
                ("canary sees", _canary_sight(plan)),
                ("metrics", source_for(plan).describe(plan)),
                (
                    "stabilization",
                    f"{stab.window.text} at 100%, {stab.checkpoints} checkpoints every {stab.checkpoint_interval.text}",
                ),
                ("approvals", f"time out after {plan.approvals.timeout.text} (fail closed)"),
            ]
        ),
        title="canary and timings",
        title_align="left",
    )


def _canary_sight(plan: LaunchPlan) -> str:
    """Per step: probe requests reaching the canary, and the error rate one evaluation can prove."""
    if is_counting(source_for(plan)):
        return (
            f"real traffic, counted by {plan.metrics.kind}: as many requests as users send; "
            "sequential tests since the canary started decide, so a thin step bakes on, never passes early"
        )
    return "\n".join(f"{sight.step}%: {describe(sight)}" for sight in canary_sights(plan))


def _probe_health(plan: LaunchPlan) -> str:
    bounds = plan.client_lag_bounds_ms
    if not bounds:
        bound = default_max_client_lag_ms(plan.slos, plan.max_client_lag_ms)
        return f"inconclusive if its own lag's p95 is over {bound:g} ms"
    return (
        "inconclusive if its own lag could move an SLO's number by more than "
        + ", ".join(f"{label} {bound:g} ms" for label, bound in bounds.items())
        + ("" if plan.probe.max_client_lag is not None else " (a tenth of each threshold)")
    )


def _minutes(seconds: float) -> str:
    return f"{seconds / 60:g}m" if seconds >= 60 else f"{seconds:g}s"


def _notifications(plan: LaunchPlan) -> Table:
    table = Table(title="notifications", title_justify="left")
    for column in ("name", "kind", "block"):
        table.add_column(column)
    for note in plan.notifications:
        table.add_row(note.name, note.kind, note.block)
    return table
