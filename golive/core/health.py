"""Daily health-check results and the runbook's "1-week performance analysis" (pure).

A health check (the scheduled `health-check` deployment) reruns production's smoke
suites and SLO probe and records one `HealthResult`; `health_week_summary` reads a
week of them back as markdown.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from golive.core.checks import CheckResult, failed
from golive.core.formatting import md_cell

__all__ = ["HealthResult", "health_week_summary"]


class HealthResult(BaseModel):
    at: datetime
    release: str  # the release production served
    status: Literal["pass", "fail"]
    checks: list[CheckResult] = Field(default_factory=list)
    metrics: dict[str, float] = Field(
        default_factory=dict
    )  # e.g. {"error_rate_pct": 0.2, "board p95_ms": 412.0}


def _number(value: float) -> str:
    return f"{value:.4g}" if abs(value) < 1000 else f"{value:.0f}"


def _trend(first: float, last: float) -> str:
    change = last - first
    if change == 0:
        return "→ unchanged"
    arrow = "↑" if change > 0 else "↓"
    relative = f" ({change / first:+.0%})" if first else ""
    return f"{arrow} {change:+.4g}{relative}"


def health_week_summary(results: Iterable[HealthResult], since: datetime) -> str:
    """Runs since `since`: pass/fail counts, failed runs and what failed, each metric's spread and trend.

    The trend compares the first run with the last (both are in the window), which is
    what the runbook's weekly review asks: did the release get slower or flakier.
    """
    runs = sorted((r for r in results if r.at >= since), key=lambda r: r.at)
    lines = [f"# Health checks since {since:%Y-%m-%d %H:%M} UTC", ""]
    if not runs:
        return "\n".join([*lines, "No health check ran in this window.", ""])
    failures = [r for r in runs if r.status == "fail"]
    releases = list(dict.fromkeys(r.release for r in runs))
    lines += [
        f"**{len(runs)} run{'s' if len(runs) != 1 else ''}**: {len(runs) - len(failures)} passed, "
        f"{len(failures)} failed; {runs[0].at:%Y-%m-%d %H:%M} to {runs[-1].at:%Y-%m-%d %H:%M} UTC; "
        f"release{'s' if len(releases) != 1 else ''} {', '.join(releases)}.",
        "",
    ]
    if failures:
        lines += [
            "## Failed runs",
            "",
            "| time (UTC) | release | failing checks |",
            "|---|---|---|",
        ]
        for run in failures:
            bad = failed(run.checks)
            what = "; ".join(
                f"{c.name}: {c.value}" + (f" ({c.detail})" if c.detail else "") for c in bad
            )
            what = what or "no failing check recorded"
            lines.append(f"| {run.at:%Y-%m-%d %H:%M} | {md_cell(run.release)} | {md_cell(what)} |")
        lines.append("")
    names = list(dict.fromkeys(name for r in runs for name in r.metrics))
    if names:
        lines += [
            "## Metrics",
            "",
            "| metric | runs | min | median | max | first → last | trend |",
            "|---|---|---|---|---|---|---|",
        ]
        for name in names:
            values = [r.metrics[name] for r in runs if name in r.metrics]
            lines.append(
                f"| {md_cell(name)} | {len(values)} | {_number(min(values))} | "
                f"{_number(statistics.median(values))} | {_number(max(values))} | "
                f"{_number(values[0])} → {_number(values[-1])} | {_trend(values[0], values[-1])} |"
            )
        lines.append("")
    return "\n".join(lines)
