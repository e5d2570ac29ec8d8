"""Check results: the unit of evidence every gate reports (pure data, no I/O).

A gate's artifact is its list of checks: what was measured, against what threshold,
and whether it passed. `pass` and `warn` let a launch go on; `fail` and
`inconclusive` stop it (a launch that cannot prove it is safe does not proceed).
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel

from golive.core.formatting import shorten

Status = Literal["pass", "warn", "fail", "inconclusive"]
_ICON = {"pass": "✅", "warn": "⚠️", "fail": "❌", "inconclusive": "❔"}
_SEVERITY = {"pass": 0, "warn": 1, "inconclusive": 2, "fail": 3}


class CheckResult(BaseModel):
    name: str
    status: Status
    value: str  # what was observed, with its unit
    threshold: str  # what was required
    detail: str = ""  # why, in words an operator reads at 2 a.m.
    samples: int | None = None
    source: str | None = (
        None  # the metric source that measured it, where several judge one evaluation
    )

    @property
    def ok(self) -> bool:
        return self.status in ("pass", "warn")


def worst(statuses: list[Status]) -> Status:
    return max(statuses, key=_SEVERITY.__getitem__, default="inconclusive")


def failed(checks: list[CheckResult]) -> list[CheckResult]:
    return [c for c in checks if not c.ok]


def checks_table(checks: list[CheckResult]) -> list[dict[str, object]]:
    """Rows for a Prefect table artifact."""
    return [
        {
            "check": c.name,
            "status": c.status,
            "value": c.value,
            "threshold": c.threshold,
            "samples": c.samples if c.samples is not None else "",
            "detail": c.detail,
        }
        for c in checks
    ]


def checks_markdown(title: str, checks: list[CheckResult], summary: str = "") -> str:
    def cell(text: object) -> str:
        return str(text).replace("|", "\\|").replace("\n", " ")

    lines = [f"# {title}", ""]
    if summary:
        lines += [summary, ""]
    lines += ["| | check | value | threshold | samples | detail |", "|---|---|---|---|---|---|"]
    for c in checks:
        lines.append(
            f"| {_ICON[c.status]} {c.status} | {cell(c.name)} | {cell(c.value)} | {cell(c.threshold)} "
            f"| {c.samples if c.samples is not None else ''} | {cell(c.detail)} |"
        )
    return "\n".join(lines) + "\n"


def failure_summary(checks: list[CheckResult], detail_limit: int = 400) -> str:
    """One line per failed check for a gate's failure message: name, observed value, why."""
    parts = []
    for c in failed(checks):
        detail = shorten(c.detail, detail_limit)
        parts.append(
            f"{c.name}: {c.value}" + (f" ({detail})" if detail and detail != c.value else "")
        )
    return "; ".join(parts)
