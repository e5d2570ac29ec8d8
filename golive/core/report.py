"""The launch report (or, when the launch failed or rolled back, the incident report) (pure).

From the timeline, the samples every evaluation recorded and the plan: a markdown body
for a Prefect artifact, one self-contained HTML file (inline CSS and hand-drawn SVG, no
scripts, every text escaped) and the samples as CSV. The sections are built once as
tables and rendered both ways, so the two never disagree.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from html import escape
from typing import Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel

from blocks.plan import LaunchPlan
from golive.core.canary_policy import rollback_costs, rollback_sentence
from golive.core.checks import CheckResult
from golive.core.counts_judge import sequential_test_count
from golive.core.formatting import budget_ms, elapsed, md_cell, percent, percent_limit
from golive.core.judge import CANARY, STABLE, judge, latency_stat
from golive.core.probe_health import LAG_COLUMN, LagBounds, client_lag
from golive.core.summaries import (
    StepSummary,
    playbook_steps,
    playbook_summary_markdown,
    step_of,
    uat_summary_markdown,
)
from golive.core.svg_chart import Boundary, Series, Threshold, line_chart
from golive.core.timeline import TimelineEntry, ordered

__all__ = [
    "Report",
    "charts",
    "evaluation_stats",
    "launch_report",
    "playbook_summary_markdown",
    "uat_summary_markdown",
]

_LAUNCH_ENDS = ("completed", "failed", "crashed", "cancelled")
_ROLLED_BACK = ("effective", "verified")
_ROLLBACK_TRIED = ("requested", "started", "effective", "verified", "failed")
_COLORS = {CANARY: "#d9480f", STABLE: "#1c7ed6"}
_OTHER_COLORS = ("#2f9e44", "#7048e8", "#868e96", "#e64980", "#0c8599")  # staging, unknown, ...
_TARGET_COLOR, _LIMIT_COLOR = "#e67700", "#b00020"
_CSS_WORD = re.compile(r"[a-z_]+")
_COMPLIANCE = "SLO compliance per stage"


class Report(BaseModel):
    kind: Literal["launch", "incident"]
    title: str
    outcome: str  # 'Launch completed', 'Launch failed — rolled back', ...
    reason: str
    markdown: str
    html: str
    csv: str


# ------------------------------------------------------------------- samples


def _normalized(samples: pd.DataFrame | None) -> pd.DataFrame:
    """The columns the report reads, also for frames read back from CSV or without stage tags."""
    frame = samples.copy() if samples is not None else pd.DataFrame()
    defaults = {
        "ts": np.nan,
        "slo": "",
        "latency_ms": np.nan,
        "error": False,
        "version": "unknown",
        "release": "unknown",
        "stage": "",
        "evaluation": 0,
        LAG_COLUMN: np.nan,
    }
    for column, default in defaults.items():
        if column not in frame.columns:
            frame[column] = default
    if frame["error"].dtype != bool:  # CSV may hand back 'True'/'False' strings
        frame["error"] = frame["error"].astype(str).str.strip().str.lower().isin(("true", "1"))
    frame["stage"] = frame["stage"].fillna("").astype(str)
    frame["evaluation"] = pd.to_numeric(frame["evaluation"], errors="coerce").fillna(0).astype(int)
    frame["version"] = frame["version"].fillna("unknown").astype(str)
    frame["release"] = frame["release"].fillna("unknown").astype(str)
    return frame


def _versions(frame: pd.DataFrame) -> list[str]:
    """Canary and stable first, then any other version the samples name (staging, unknown), as they appear."""
    seen = list(dict.fromkeys(frame["version"]))
    return [v for v in (CANARY, STABLE) if v in seen] + [
        v for v in seen if v not in (CANARY, STABLE)
    ]


def _color(version: str, versions: Sequence[str]) -> str:
    others = [v for v in versions if v not in _COLORS]
    return _COLORS.get(version) or _OTHER_COLORS[others.index(version) % len(_OTHER_COLORS)]


def _evaluation_order(frame: pd.DataFrame) -> list[tuple[str, int]]:
    """(stage, evaluation) keys in the order they happened (first sample's time)."""
    if frame.empty:
        return []
    first = frame.groupby(["stage", "evaluation"], sort=False)["ts"].min()
    keys = list(first.index)
    positions = {key: i for i, key in enumerate(keys)}  # appearance breaks ties and missing times
    return sorted(keys, key=lambda k: (np.inf if pd.isna(first[k]) else first[k], positions[k]))


def evaluation_stats(samples: pd.DataFrame | None, plan: LaunchPlan) -> pd.DataFrame:
    """One row per evaluation and version (canary, stable, then others such as staging): requests,
    error rate and each SLO's stat in ms.

    Columns: seq (1.. in time order), stage, evaluation, version, requests, errors, error_rate
    (a fraction), one column per latency SLO (its stat over successful samples; NaN if none),
    then client_lag_p95_ms: the probe's own lag over the whole evaluation (NaN if not known).
    """
    frame = _normalized(samples)
    versions = _versions(frame)
    rows = []
    for seq, (stage, number) in enumerate(_evaluation_order(frame), 1):
        group = frame[(frame["stage"] == stage) & (frame["evaluation"] == number)]
        lag = client_lag(
            group, LagBounds.of(plan.slos, plan.max_client_lag_ms)
        )  # one probe, every version
        for version in versions:
            side = group[group["version"] == version]
            if side.empty:
                continue
            row: dict[str, object] = {
                "seq": seq,
                "stage": stage,
                "evaluation": number,
                "version": version,
                "requests": len(side),
                "errors": int(side["error"].sum()),
                "error_rate": float(side["error"].mean()),
            }
            ok = side[~side["error"]]
            for slo in plan.slos.latency:
                values = ok.loc[ok["slo"] == slo.name, "latency_ms"].to_numpy(dtype=float)
                values = values[~np.isnan(values)]
                row[slo.name] = latency_stat(values, slo.stat) if len(values) else np.nan
            row["client_lag_p95_ms"] = lag.p95_ms if lag else np.nan
            rows.append(row)
    columns = [
        "seq",
        "stage",
        "evaluation",
        "version",
        "requests",
        "errors",
        "error_rate",
        *(s.name for s in plan.slos.latency),
        "client_lag_p95_ms",
    ]
    return pd.DataFrame(rows, columns=columns)


def _new_release_rows(frame: pd.DataFrame, release: str) -> pd.DataFrame:
    """The launched release's samples: by the release header if it was seen, else the canary's.

    A stage that probed one environment only (Gate A's staging probe: no canary or stable
    side) is the release's as a whole, transport errors included, as it was judged."""
    if frame.empty:
        return frame
    split = frame["version"].isin((CANARY, STABLE))
    chosen = (
        frame["release"] == release
        if (frame["release"] == release).any()
        else frame["version"] == CANARY
    )
    split_stage = split.groupby(frame["stage"]).transform("any").astype(bool)
    return frame[chosen | ~split_stage]


# ------------------------------------------------------------------- sections


@dataclass
class _Table:
    title: str
    headers: list[str]
    rows: list[list[str]] = field(default_factory=list)
    empty: str = "None recorded."
    status_column: int | None = None  # cells there get a colour in HTML

    def markdown(self) -> str:
        lines = [f"## {self.title}", ""]
        if not self.rows:
            return "\n".join([*lines, self.empty, ""])
        lines += ["| " + " | ".join(self.headers) + " |", "|" + "---|" * len(self.headers)]
        lines += ["| " + " | ".join(md_cell(c) for c in row) + " |" for row in self.rows]
        return "\n".join([*lines, ""])

    def html(self) -> str:
        out = [f"<h2>{escape(self.title)}</h2>"]
        if not self.rows:
            return "\n".join([*out, f"<p>{escape(self.empty)}</p>"])
        out.append(
            "<table><thead><tr>"
            + "".join(f"<th>{escape(h)}</th>" for h in self.headers)
            + "</tr></thead><tbody>"
        )
        for row in self.rows:
            cells = []
            for index, cell in enumerate(row):
                word = cell.split(" ")[0].lower() if cell else ""
                css = (
                    f' class="st-{word}"'
                    if index == self.status_column and _CSS_WORD.fullmatch(word)
                    else ""
                )
                cells.append(f"<td{css}>{escape(cell)}</td>")
            out.append("<tr>" + "".join(cells) + "</tr>")
        out.append("</tbody></table>")
        return "\n".join(out)


def _when(at: datetime | None) -> str:
    return f"{at:%Y-%m-%d %H:%M:%S}" if at else "-"


def _compliance(frame: pd.DataFrame, plan: LaunchPlan, release: str) -> _Table:
    table = _Table(
        _COMPLIANCE,
        ["stage", "SLO", "value", "threshold", "status", "samples"],
        empty="No samples recorded.",
        status_column=4,
    )
    new = _new_release_rows(frame, release)
    stages = list(dict.fromkeys(stage for stage, _ in _evaluation_order(new)))
    for stage in stages:
        verdict = judge(
            new[new["stage"] == stage], plan.slos, max_client_lag_ms=plan.max_client_lag_ms
        )
        for check in verdict.checks:
            table.rows.append(
                [
                    stage or "-",
                    check.name,
                    check.value,
                    check.threshold,
                    check.status,
                    "" if check.samples is None else str(check.samples),
                ]
            )
    return table


def _per_evaluation(stats: pd.DataFrame, plan: LaunchPlan) -> _Table:
    names = [s.name for s in plan.slos.latency]
    headers = [
        "#",
        "stage",
        "eval",
        "version",
        "requests",
        "error rate",
        *(f"{s.name} {s.stat}" for s in plan.slos.latency),
        "client lag p95",
    ]
    table = _Table("Every evaluation", headers, empty="No samples recorded.")
    for row in stats.itertuples(index=False):
        values = row._asdict()
        table.rows.append(
            [
                str(values["seq"]),
                values["stage"] or "-",
                str(values["evaluation"]),
                values["version"],
                str(values["requests"]),
                percent(values["error_rate"]),
                *("-" if pd.isna(values[n]) else f"{values[n]:.0f} ms" for n in names),
                "-"
                if pd.isna(values["client_lag_p95_ms"])
                else f"{values['client_lag_p95_ms']:.1f} ms",
            ]
        )
    return table


def _entries_table(
    title: str,
    headers: list[str],
    entries: list[TimelineEntry],
    columns: Sequence[str],
    status_column: int | None = None,
) -> _Table:
    def value(e: TimelineEntry, column: str) -> str:
        if column == "at":
            return _when(e.at)
        if column == "what":
            return f"{e.kind} {e.event}"
        if column.startswith("data."):
            return str(e.data.get(column[5:], "") or "-")
        return str(getattr(e, column) or "-")

    return _Table(
        title,
        headers,
        [[value(e, c) for c in columns] for e in entries],
        status_column=status_column,
    )


def _checks_of(entry: TimelineEntry) -> list[CheckResult]:
    raw = entry.data.get("checks")
    return (
        [CheckResult.model_validate(c) for c in raw if isinstance(c, dict)]
        if isinstance(raw, list)
        else []
    )


def _stopped(entries: list[TimelineEntry], steps: list[StepSummary]) -> _Table | None:
    """The step that stopped the launch and its checks that did not pass, with their numbers.

    The checks are those of the step's last entry that carries any (a gate's failure, a canary
    or Gate G verdict). None when no step failed (a completed launch, one still running)."""
    stopped = next((s for s in steps if s.status == "failed"), None)
    if stopped is None:
        return None
    table = _Table(
        f"What stopped the launch: {stopped.label}",
        ["check", "value", "threshold", "status", "samples", "detail"],
        status_column=3,
        empty="No check of this step failed: a decision or an error stopped it (the reason above).",
    )
    carrying = [e for e in entries if step_of(e.gate) == stopped.step and _checks_of(e)]
    if carrying:
        for check in _checks_of(carrying[-1]):
            if check.status != "pass":
                table.rows.append(
                    [
                        check.name,
                        check.value,
                        check.threshold,
                        check.status,
                        "" if check.samples is None else str(check.samples),
                        check.detail or "-",
                    ]
                )
    return table


def _sections(
    entries: list[TimelineEntry],
    frame: pd.DataFrame,
    stats: pd.DataFrame,
    plan: LaunchPlan,
    release: str,
) -> list[_Table]:
    of = lambda *kinds: [e for e in entries if e.kind in kinds]  # noqa: E731
    steps = _Table(
        "Steps",
        ["step", "status", "start (UTC)", "end (UTC)", "duration", "approved by"],
        status_column=1,
    )
    summaries = playbook_steps(entries, plan)
    stopped = _stopped(entries, summaries)
    for s in summaries:
        steps.rows.append(
            [
                s.label,
                s.status,
                _when(s.start),
                _when(s.end),
                elapsed(s.duration) if s.duration is not None else "-",
                ", ".join(s.approvals) or "-",
            ]
        )
    return [
        *([stopped] if stopped else []),
        steps,
        _compliance(frame, plan, release),
        _per_evaluation(stats, plan),
        _entries_table(
            "Decisions",
            ["time (UTC)", "gate", "what", "summary"],
            of("verdict", "decision"),
            ["at", "gate", "what", "summary"],
        ),
        _entries_table(
            "Sign-offs",
            ["who", "decision", "when (UTC)", "gate", "key", "comment"],
            of("approval"),
            ["actor", "event", "at", "gate", "data.key", "data.comment"],
            status_column=1,
        ),
        _entries_table(
            "Rollbacks",
            ["time (UTC)", "event", "who", "reason", "summary"],
            of("rollback"),
            ["at", "event", "actor", "data.reason", "summary"],
        ),
        _entries_table(
            "Messages",
            ["time (UTC)", "template", "channel", "sent", "summary"],
            of("message"),
            ["at", "data.template", "data.channel", "event", "summary"],
            status_column=3,
        ),
        _entries_table(
            "Timeline",
            ["time (UTC)", "gate", "what", "who", "summary"],
            entries,
            ["at", "gate", "what", "actor", "summary"],
        ),
    ]


# ------------------------------------------------------------------- outcome


def _outcome(entries: list[TimelineEntry]) -> tuple[Literal["launch", "incident"], str, str]:
    """(kind, outcome, reason): an incident when the launch did not complete or anything rolled back."""
    ends = [e for e in entries if e.kind == "launch" and e.event in _LAUNCH_ENDS]
    end = ends[-1] if ends else None
    rollbacks = [e for e in entries if e.kind == "rollback" and e.event in _ROLLBACK_TRIED]
    outcome = f"Launch {end.event}" if end else "Launch in progress"
    if rollbacks:
        events = {e.event for e in rollbacks}
        outcome += (
            " — rolled back"
            if events & set(_ROLLED_BACK)
            else " — rollback FAILED"
            if "failed" in events
            else " — rollback requested"
        )
    failed = end is not None and end.event != "completed"
    if failed and end is not None:
        # the launch's own words first: a state hook's later entry only repeats them, or says it crashed
        reasons = [
            str(e.data["reason"]) for e in ends if e.event != "completed" and e.data.get("reason")
        ]
        reason = reasons[0] if reasons else end.summary
    elif rollbacks:
        reason = str(rollbacks[0].data.get("reason") or rollbacks[0].summary)
    else:
        reason = end.summary if end else "The launch has not finished."
    return ("incident" if failed or rollbacks else "launch"), outcome, reason


def _probe_health(frame: pd.DataFrame, plan: LaunchPlan) -> tuple[str, str]:
    """One line on the probe's own lag over every recorded sample, and how many evaluations it saturated."""
    bounds = LagBounds.of(plan.slos, plan.max_client_lag_ms)
    lag = client_lag(frame, bounds)
    if lag is None:
        return "Probe health", "client lag not recorded"
    keys = _evaluation_order(frame)
    saturated = sum(
        bool(found and found.saturated)
        for found in (
            client_lag(
                frame[(frame["stage"] == stage) & (frame["evaluation"] == number)],
                bounds,
                versions=(CANARY, STABLE),
            )
            for stage, number in keys
        )
    )
    return "Probe health", (
        f"client lag p95 {lag.p95_ms:.1f} ms, max {lag.max_ms:.1f} ms over {lag.measured} "
        f"requests; {saturated} of {len(keys)} evaluation(s) saturated (judged inconclusive: "
        f"the lag could move an SLO's number by more than {bounds.describe()})"
    )


def _facts(entries: list[TimelineEntry], plan: LaunchPlan, release: str) -> list[tuple[str, str]]:
    starts = [e for e in entries if e.kind == "launch" and e.event == "started"]
    ends = [e for e in entries if e.kind == "launch" and e.event in _LAUNCH_ENDS]
    start = starts[0].at if starts else (entries[0].at if entries else None)
    end = ends[-1].at if ends else None
    messages = [e for e in entries if e.kind == "message"]
    sent = sum(e.event == "sent" for e in messages)
    facts = [
        ("App", plan.app),
        ("Release", release),
        ("Launch", entries[0].launch if entries else "-"),
        ("Driver", starts[0].actor if starts else "-"),
        ("Started (UTC)", _when(start)),
        ("Ended (UTC)", _when(end)),
    ]
    if start and end:
        facts.append(("Duration", elapsed((end - start).total_seconds())))
    facts += [
        ("Canary steps", " → ".join(f"{p} %" for p in plan.canary.steps)),
        ("The site", site_rollout_text(plan)),
        (
            "SLOs",
            ", ".join(
                [
                    f"error rate < {percent_limit(plan.slos.error_rate.target)} "
                    f"(fail at {percent_limit(plan.slos.error_rate.limit)})",
                    *(f"{s.name} {s.stat} < {budget_ms(s.threshold)}" for s in plan.slos.latency),
                ]
            ),
        ),
        ("Messages", f"{sent} sent, {len(messages) - sent} not sent"),
        ("Time to rollback", rollback_sentence(plan.canary, costs=rollback_costs(plan))),
    ]
    if counted := _counting_sources(entries):
        facts.append(("Canary judged on", _judged_on(plan, counted)))
    return facts


def _counting_sources(entries: list[TimelineEntry]) -> list[str]:
    """The metric sources named by the canary's checks (a counting source names itself on each check)."""
    named = {
        check.get("source")
        for e in entries
        if e.kind == "verdict"
        for check in (e.data or {}).get("checks", [])
        if isinstance(check, dict)
    }
    return sorted(name for name in named if name and name != "probe")


def _judged_on(plan: LaunchPlan, sources: list[str]) -> str:
    bound = float(plan.canary.false_rollback_bound)
    tests = sequential_test_count(plan.slos)
    compare = plan.canary.compare_with_stable
    versus = (
        f", and at most {percent_limit(float(compare.alpha))} more from the comparisons with stable"
        if compare.enabled
        else ""
    )
    return (
        f"{' and '.join(sources)} counts of real traffic, with anytime-valid sequential tests since "
        f"the canary started: the chance of rolling back a release that met every SLO was at most "
        f"{percent_limit(bound)}, however often it was looked at ({tests} tests at "
        f"{percent_limit(bound / tests)} each){versus}"
    )


def site_rollout_text(plan: LaunchPlan) -> str:
    """How the site reached users: plainly, since a CDN serves one origin per cache behaviour."""
    router = plan.environments.production.frontend_router
    if router is None:
        return (
            "switched at promotion, for every user at once (no frontend router: the canary "
            "steps moved the API only)"
        )
    return (
        f"its own canary by the frontend router {router.kind} (each step's share of viewers is "
        "in the stage reports), then the live distribution took the release at promotion"
    )


# ------------------------------------------------------------------- charts


def _boundaries(stats: pd.DataFrame) -> list[Boundary]:
    firsts = stats.drop_duplicates("stage")[["seq", "stage"]]
    return [
        Boundary(float(seq) - 0.5, stage or "-") for seq, stage in firsts.itertuples(index=False)
    ]


def _series(stats: pd.DataFrame, column: str, scale: float = 1.0) -> list[Series]:
    out = []
    versions = _versions(stats)
    for version in versions:
        side = stats[stats["version"] == version]
        points = [
            (float(x), float(y) * scale) for x, y in zip(side["seq"], side[column], strict=True)
        ]
        out.append(Series(version, points, _color(version, versions)))
    return out


def charts(stats: pd.DataFrame, plan: LaunchPlan) -> list[str]:
    """One SVG per latency SLO (its stat per version: canary vs stable, or staging; threshold dashed)
    and one for the error rate."""
    marks = _boundaries(stats)
    svgs = [
        line_chart(
            f"{slo.name} {slo.stat} per evaluation",
            _series(stats, slo.name),
            unit=" ms",
            thresholds=[Threshold(float(slo.threshold), f"threshold {budget_ms(slo.threshold)}")],
            boundaries=marks,
        )
        for slo in plan.slos.latency
    ]
    error = plan.slos.error_rate
    svgs.append(
        line_chart(
            "error rate per evaluation",
            _series(stats, "error_rate", 100.0),
            unit=" %",
            thresholds=[
                Threshold(
                    error.target * 100, f"target {percent_limit(error.target)}", _TARGET_COLOR
                ),
                Threshold(error.limit * 100, f"limit {percent_limit(error.limit)}", _LIMIT_COLOR),
            ],
            boundaries=marks,
        )
    )
    return svgs


# ------------------------------------------------------------------- rendering

_CSS = """
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,sans-serif;margin:2rem auto;max-width:1100px;color:#1d1d1f;
padding:0 1rem}
h1{margin-bottom:.2rem}.banner{padding:.8rem 1rem;border-radius:6px;margin:1rem 0}
.banner.launch{background:#e6f4ea;border:1px solid #34a853}.banner.incident{background:#fdecea;border:1px solid #d93025}
table{border-collapse:collapse;width:100%;margin:.5rem 0 1.5rem}th,td{border:1px solid #ddd;padding:4px 8px;
text-align:left;vertical-align:top}th{background:#f5f5f7}dl{display:grid;grid-template-columns:max-content 1fr;
gap:2px 12px}dt{font-weight:600}dd{margin:0}
.st-pass,.st-passed,.st-approved,.st-sent{color:#137333}.st-warn,.st-skipped,.st-in{color:#b06000}
.st-fail,.st-failed,.st-rejected,.st-refused,.st-timed_out,.st-not_sent{color:#c5221f;font-weight:600}
.st-inconclusive{color:#7b1fa2}
svg.chart{width:100%;max-width:760px;display:block;margin:.5rem 0 1rem}.plot{fill:#fff;stroke:#ccc}
.grid{stroke:#eee}.tick,.legend{font-size:11px;fill:#555}.chart-title{font-size:13px;font-weight:600}
.boundary{stroke:#999;stroke-dasharray:2 3}.boundary-label{font-size:10px;fill:#666}
.threshold-label{font-size:10px}
"""


def _markdown(
    title: str,
    kind: str,
    outcome: str,
    reason: str,
    facts: list[tuple[str, str]],
    tables: list[_Table],
) -> str:
    icon = "🚨" if kind == "incident" else "✅"
    lines = [
        f"# {title}",
        "",
        f"**{icon} {outcome}.** {'Reason' if kind == 'incident' else 'Result'}: {reason}",
        "",
        "| | |",
        "|---|---|",
        *(f"| {md_cell(k)} | {md_cell(v)} |" for k, v in facts),
        "",
    ]
    return "\n".join([*lines, *(t.markdown() for t in tables)])


def _html(
    title: str,
    kind: str,
    outcome: str,
    reason: str,
    facts: list[tuple[str, str]],
    tables: list[_Table],
    svgs: list[str],
) -> str:
    word = "Reason" if kind == "incident" else "Result"
    facts_html = "".join(f"<dt>{escape(k)}</dt><dd>{escape(v)}</dd>" for k, v in facts)
    # the charts go with the per-evaluation numbers; what stopped the launch, the steps and compliance come first
    after = next(i for i, t in enumerate(tables) if t.title == _COMPLIANCE) + 1
    body = [
        *(t.html() for t in tables[:after]),
        "<h2>Charts</h2>",
        *svgs,
        *(t.html() for t in tables[after:]),
    ]
    return "\n".join(
        [
            "<!DOCTYPE html>",
            '<html lang="en"><head><meta charset="utf-8">',
            f"<title>{escape(title)}</title><style>{_CSS}</style></head><body>",
            f"<h1>{escape(title)}</h1>",
            f'<div class="banner {kind}"><strong>{escape(outcome)}.</strong> {word}: {escape(reason)}</div>',
            f"<dl>{facts_html}</dl>",
            *body,
            "</body></html>",
            "",
        ]
    )


def launch_report(
    entries: Sequence[TimelineEntry],
    samples: pd.DataFrame | None,
    plan: LaunchPlan,
    release: str | None = None,
) -> Report:
    """The report of one launch; `release` defaults to the timeline's."""
    timeline = ordered(list(entries))
    release = release or (timeline[0].release if timeline else "unknown")
    frame = _normalized(samples)
    stats = evaluation_stats(frame, plan)
    kind, outcome, reason = _outcome(timeline)
    title = f"{'Incident' if kind == 'incident' else 'Launch'} report — {plan.app} {release}"
    facts = [*_facts(timeline, plan, release), _probe_health(frame, plan)]
    tables = _sections(timeline, frame, stats, plan, release)
    csv = (samples if samples is not None else frame).to_csv(index=False)
    return Report(
        kind=kind,
        title=title,
        outcome=outcome,
        reason=reason,
        markdown=_markdown(title, kind, outcome, reason, facts, tables),
        html=_html(title, kind, outcome, reason, facts, tables, charts(stats, plan)),
        csv=csv,
    )
