"""Reports: launch vs incident framing, numbers in every form, charts, escaping, CSV, summaries, health."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from blocks.plan import LaunchPlan, RouterConfig, load_plan
from golive.core.checks import CheckResult
from golive.core.health import HealthResult, health_week_summary
from golive.core.report import (
    evaluation_stats,
    launch_report,
    playbook_summary_markdown,
    uat_summary_markdown,
)
from golive.core.summaries import playbook_steps
from golive.core.svg_chart import Series, Threshold, line_chart
from golive.core.timeline import Kind, TimelineEntry

PLANS = Path(__file__).resolve().parents[2] / "plans"
RELEASE = "v1.4.0"
T0 = datetime(2025, 3, 1, 14, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def plan() -> LaunchPlan:
    return load_plan(PLANS / "statusboard-v2.yaml", env={})


def entry(
    minute: float,
    kind: Kind,
    event: str,
    summary: str,
    gate: str = "",
    actor: str = "golive",
    **data: Any,
) -> TimelineEntry:
    return TimelineEntry(
        at=T0 + timedelta(minutes=minute),
        launch="run-1",
        release=RELEASE,
        kind=kind,
        event=event,
        summary=summary,
        gate=gate,
        actor=actor,
        data=data,
    )


SMOKE = [
    CheckResult(
        name="infrastructure/health", status="pass", value="200", threshold="200"
    ).model_dump(),
    CheckResult(name="api/board", status="pass", value="200", threshold="200").model_dump(),
    CheckResult(name="api/drawer", status="fail", value="500", threshold="200").model_dump(),
    CheckResult(name="build", status="pass", value="12 files", threshold="exit 0").model_dump(),
]


def common_start() -> list[TimelineEntry]:
    return [
        entry(0, "launch", "started", "Launch of v1.4.0 started", actor="dana"),
        entry(0.1, "gate", "started", "Pre-flight started", "Pre-flight"),
        entry(
            1,
            "approval",
            "approved",
            "Green light",
            "Pre-flight",
            actor="erin",
            key="preflight-green-light",
        ),
        entry(1.5, "gate", "passed", "Pre-flight passed", "Pre-flight"),
        entry(2, "gate", "started", "Gate A started", "Gate A"),
        entry(
            5,
            "approval",
            "approved",
            "UAT 1",
            "Gate A",
            actor="uma",
            key="uat-signoff-1",
            comment="board looks right",
        ),
        entry(
            6,
            "approval",
            "approved",
            "UAT 2",
            "Gate A",
            actor="vic",
            key="uat-signoff-2",
            comment="",
        ),
        entry(
            7,
            "approval",
            "approved",
            "Gate A passed",
            "Gate A",
            actor="erin",
            key="gate-a-approval",
        ),
        entry(7.5, "gate", "passed", "Gate A PASSED", "Gate A", checks=SMOKE),
        entry(
            7.6,
            "message",
            "sent",
            "Gate A PASSED - ...",
            "Gate A",
            channel="launch-slack",
            template="gate_passed",
        ),
        entry(8, "gate", "started", "Gate B started", "Gate B"),
        entry(10, "gate", "passed", "Gate B PASSED", "Gate B"),
        entry(10.5, "gate", "started", "deploy", "Production deploy"),
        entry(11, "gate", "passed", "deployed", "Production deploy"),
        entry(11.5, "gate", "started", "canary 10 %", "Gate C — canary 10 %"),
        entry(
            12, "traffic", "shifted", "10 % to canary", "Gate C — canary 10 %", before=0, after=10
        ),
        entry(13, "verdict", "pass", "all SLOs met", "Gate C — canary 10 %", percent=10),
        entry(13.1, "decision", "advance", "advance to 30 %", "Gate C — canary 10 %"),
        entry(13.2, "gate", "passed", "Canary 10% PASSED", "Gate C — canary 10 %"),
        entry(
            13.3,
            "message",
            "not_sent",
            "webhook refused",
            "Gate C — canary 10 %",
            channel="launch-hook",
            template="canary_stage_passed",
        ),
    ]


def failed_timeline() -> list[TimelineEntry]:
    reason = "SLO breach at 30 % rollout — board p95 1210 ms >= 800 ms"
    return [
        *common_start(),
        entry(14, "gate", "started", "canary 30 %", "Gate D — canary 30 %"),
        entry(
            15, "verdict", "fail", "board p95 1210 ms >= 800 ms", "Gate D — canary 30 %", percent=30
        ),
        entry(15.1, "decision", "rollback", "two failures in a row", "Gate D — canary 30 %"),
        entry(
            15.2, "rollback", "started", "emergency rollback", "Gate D — canary 30 %", reason=reason
        ),
        entry(15.5, "rollback", "verified", "stable serves every request", "Gate D — canary 30 %"),
        entry(15.6, "gate", "failed", "Canary 30% FAILED", "Gate D — canary 30 %"),
        entry(
            15.7,
            "message",
            "sent",
            "🚨 SLO breach",
            "Gate D — canary 30 %",
            channel="launch-slack",
            template="canary_stage_failed",
        ),
        entry(16, "launch", "failed", "Launch failed", reason=reason),
    ]


def completed_timeline() -> list[TimelineEntry]:
    out = common_start()
    for i, (letter, pct) in enumerate([("D", 30), ("E", 50), ("F", 100)]):
        gate = f"Gate {letter} — canary {pct} %"
        out += [
            entry(14 + 2 * i, "gate", "started", f"canary {pct} %", gate),
            entry(15 + 2 * i, "gate", "passed", f"Canary {pct}% PASSED", gate),
        ]
    out += [
        entry(
            21,
            "approval",
            "approved",
            "full rollout",
            "Gate F — canary 100 %",
            actor="erin",
            key="full-rollout-approval",
        ),
        entry(22, "gate", "started", "stabilization", "Gate G"),
        entry(52, "gate", "passed", "Gate G PASSED", "Gate G"),
        entry(53, "launch", "completed", "StatusBoardV2 v1.4.0 launch COMPLETE"),
    ]
    return out


def samples(
    stages: list[tuple[str, int]], *, slow_canary_from: str | None = None, per: int = 40
) -> pd.DataFrame:
    """Deterministic samples: board ~400 ms, drawer ~50 ms; canary board 1200 ms from a stage on."""
    rng = np.random.default_rng(7)
    rows, ts, slow = [], 1_700_000_000.0, False
    for stage, evaluations in stages:
        slow = slow or stage == slow_canary_from
        for number in range(1, evaluations + 1):
            for version in ("stable", "canary"):
                for i in range(per):
                    slo = "board" if i % 2 == 0 else "drawer"
                    base = 400.0 if slo == "board" else 50.0
                    if slow and version == "canary" and slo == "board":
                        base = 1200.0
                    error = version == "canary" and i == 0 and number % 2 == 0
                    rows.append(
                        {
                            "ts": ts,
                            "slo": slo,
                            "path": f"/api/{slo}",
                            "status": 500 if error else 200,
                            "latency_ms": base * float(rng.uniform(0.8, 1.2)),
                            "error": error,
                            "version": version,
                            "release": RELEASE if version == "canary" else "v1.3.9",
                            "stage": stage,
                            "evaluation": number,
                        }
                    )
                    ts += 0.5
    return pd.DataFrame(rows)


@pytest.fixture(scope="module")
def failed_samples() -> pd.DataFrame:
    stages = [("Gate C — canary 10 %", 3), ("Gate D — canary 30 %", 2)]
    return samples(stages, slow_canary_from="Gate D — canary 30 %", per=120)


# ------------------------------------------------------------------ framing


def test_failed_launch_is_an_incident_report_with_the_reason_up_top(
    plan: LaunchPlan, failed_samples: pd.DataFrame
) -> None:
    report = launch_report(failed_timeline(), failed_samples, plan)
    assert report.kind == "incident"
    assert report.title == "Incident report — StatusBoardV2 v1.4.0"
    assert report.outcome == "Launch failed — rolled back"
    assert report.reason == "SLO breach at 30 % rollout — board p95 1210 ms >= 800 ms"
    head = report.markdown.splitlines()[:3]
    assert head[0] == "# Incident report — StatusBoardV2 v1.4.0"
    assert (
        "Launch failed — rolled back" in head[2] and "board p95 1210 ms &gt;= 800 ms" not in head[2]
    )
    assert "Reason: SLO breach at 30 % rollout" in head[2]
    assert "<title>Incident report — StatusBoardV2 v1.4.0</title>" in report.html
    assert 'class="banner incident"' in report.html
    assert "board p95 1210 ms &gt;= 800 ms" in report.html  # escaped in HTML
    assert "Launch report" not in report.markdown


def test_completed_launch_is_a_launch_report(plan: LaunchPlan) -> None:
    frame = samples([("Gate C — canary 10 %", 2), ("Gate G — checkpoint 1", 1)])
    report = launch_report(completed_timeline(), frame, plan)
    assert report.kind == "launch"
    assert report.title == "Launch report — StatusBoardV2 v1.4.0"
    assert report.outcome == "Launch completed"
    assert "Incident" not in report.markdown and "Incident" not in report.html
    assert 'class="banner launch"' in report.html
    # the sandbox plan has no frontend router: the report says plainly when the site moved
    assert "switched at promotion, for every user at once" in report.markdown


def test_a_canary_judged_on_counts_says_what_its_tests_guaranteed(plan: LaunchPlan) -> None:
    counted = CheckResult(
        name="error rate", status="pass", value="0.00 % (0 of 400)", threshold="< 1 %"
    ).model_copy(update={"source": "prometheus"})
    timeline = completed_timeline() + [
        entry(9, "verdict", "pass", "evaluation 1 at 10 %", checks=[counted.model_dump()])
    ]
    report = launch_report(timeline, None, plan)
    assert (
        "prometheus counts of real traffic, with anytime-valid sequential tests since the canary "
        "started: the chance of rolling back a release that met every SLO was at most 1 %"
    ) in report.markdown
    assert "Canary judged on" not in launch_report(completed_timeline(), None, plan).markdown


def test_a_frontend_router_is_named_where_the_site_moved(plan: LaunchPlan) -> None:
    production = plan.environments.production.model_copy(
        update={
            "frontend_router": RouterConfig.model_validate(
                {"kind": "cloudfront_continuous", "cloudfront_continuous": {"max_percent": 10}}
            )
        }
    )
    environments = plan.environments.model_copy(update={"production": production})
    routed = plan.model_copy(update={"environments": environments})
    report = launch_report(completed_timeline(), None, routed)
    assert "its own canary by the frontend router cloudfront_continuous" in report.markdown


def test_a_rollback_after_completion_makes_it_an_incident(plan: LaunchPlan) -> None:
    timeline = [
        *completed_timeline(),
        entry(
            60,
            "rollback",
            "effective",
            "rolled back by hand",
            actor="erin",
            reason="users report missing appointments",
        ),
    ]
    report = launch_report(timeline, None, plan)
    assert report.kind == "incident"
    assert report.reason == "users report missing appointments"


def test_unfinished_launch_says_so(plan: LaunchPlan) -> None:
    report = launch_report(common_start(), None, plan)
    assert report.kind == "launch" and report.outcome == "Launch in progress"
    assert "No samples recorded." in report.markdown


# ------------------------------------------------------------------ numbers


def test_evaluation_stats_match_the_samples(plan: LaunchPlan, failed_samples: pd.DataFrame) -> None:
    stats = evaluation_stats(failed_samples, plan)
    assert list(stats["seq"].unique()) == [1, 2, 3, 4, 5]
    assert len(stats) == 10  # five evaluations, canary and stable each
    row = stats[(stats["seq"] == 5) & (stats["version"] == "canary")].iloc[0]
    rows = failed_samples[
        (failed_samples["stage"] == "Gate D — canary 30 %")
        & (failed_samples["evaluation"] == 2)
        & (failed_samples["version"] == "canary")
    ]
    board = rows[(rows["slo"] == "board") & ~rows["error"]]["latency_ms"]
    assert row["board"] == pytest.approx(np.percentile(board, 95))
    drawer = rows[(rows["slo"] == "drawer") & ~rows["error"]]["latency_ms"]
    assert row["drawer"] == pytest.approx(drawer.mean())
    assert row["error_rate"] == pytest.approx(1 / 120)


def test_the_report_shows_the_probes_client_lag(
    plan: LaunchPlan, failed_samples: pd.DataFrame
) -> None:
    # Gate C's probe was healthy (2 ms); Gate D's second evaluation ran on a starved client (90 ms)
    starved = (failed_samples["stage"] == "Gate D — canary 30 %") & (
        failed_samples["evaluation"] == 2
    )
    lagged = failed_samples.assign(client_lag_ms=np.where(starved, 90.0, 2.0))
    stats = evaluation_stats(lagged, plan)
    assert list(stats.drop_duplicates("seq")["client_lag_p95_ms"]) == pytest.approx(
        [2, 2, 2, 2, 90]
    )
    report = launch_report(failed_timeline(), lagged, plan)
    per_evaluation = report.markdown.split("## Every evaluation")[1].split("## ")[0]
    assert "client lag p95" in per_evaluation.splitlines()[2]
    assert per_evaluation.count("| 90.0 ms |") == 2 and per_evaluation.count("| 2.0 ms |") == 8
    health = next(
        line for line in report.markdown.splitlines() if line.startswith("| Probe health |")
    )
    assert (
        "client lag p95 90.0 ms, max 90.0 ms over 1200 requests; 1 of 5 evaluation(s) saturated (judged "
        "inconclusive: the lag could move an SLO's number by more than board p95 80 ms, drawer mean 20 ms)"
    ) in health
    assert "Probe health" in report.html and "client lag p95" in report.html
    # re-judged per stage, Gate D (half its samples from a saturated probe) is inconclusive, not failed
    compliance = report.markdown.split("## SLO compliance per stage")[1].split("## ")[0]
    bounds = "each SLO's number moved <= board p95 80 ms, drawer mean 20 ms"
    assert (
        f"| Gate D — canary 30 % | probe client lag | p95 90 ms, max 90 ms; drawer mean up to +26 ms | {bounds} "
        "| inconclusive |"
    ) in compliance
    assert re.search(
        r"\| Gate D — canary 30 % \| board p95 \| \d+ ms \| < 800 ms \| inconclusive \|", compliance
    )
    assert (
        f"| Gate C — canary 10 % | probe client lag | p95 2 ms, max 2 ms; drawer mean up to +2 ms | {bounds} | pass |"
    ) in compliance
    csv = pd.read_csv(io.StringIO(report.csv))
    assert "client_lag_ms" in csv.columns


def test_samples_without_lag_say_so(plan: LaunchPlan, failed_samples: pd.DataFrame) -> None:
    report = launch_report(failed_timeline(), failed_samples, plan)
    assert "| Probe health | client lag not recorded |" in report.markdown
    assert evaluation_stats(failed_samples, plan)["client_lag_p95_ms"].isna().all()


def test_numbers_appear_in_markdown_and_html(
    plan: LaunchPlan, failed_samples: pd.DataFrame
) -> None:
    report = launch_report(failed_timeline(), failed_samples, plan)
    stats = evaluation_stats(failed_samples, plan)
    slow = stats[(stats["seq"] == 5) & (stats["version"] == "canary")].iloc[0]
    shown = f"{slow['board']:.0f} ms"
    assert shown in report.markdown and shown in report.html
    assert "0.83 %" in report.markdown  # 1 error in 120 canary requests
    # compliance per stage: Gate D's canary board p95 fails, Gate C's passes
    compliance = report.markdown.split("## SLO compliance per stage")[1].split("## ")[0]
    gate_d = [
        line
        for line in compliance.splitlines()
        if line.startswith("| Gate D") and "board p95" in line
    ]
    gate_c = [
        line
        for line in compliance.splitlines()
        if line.startswith("| Gate C") and "board p95" in line
    ]
    assert len(gate_d) == 1 and "| fail |" in gate_d[0] and "< 800 ms" in gate_d[0]
    assert len(gate_c) == 1 and "| pass |" in gate_c[0]
    assert '<td class="st-fail">fail</td>' in report.html


def test_sections_list_decisions_signoffs_rollbacks_messages_and_timeline(plan: LaunchPlan) -> None:
    report = launch_report(failed_timeline(), None, plan)
    md = report.markdown
    for title in (
        "Steps",
        "SLO compliance per stage",
        "Decisions",
        "Sign-offs",
        "Rollbacks",
        "Messages",
        "Timeline",
    ):
        assert f"## {title}" in md and f"<h2>{title}</h2>" in report.html
    assert (
        "| uma | approved | 2025-03-01 14:05:00 | Gate A | uat-signoff-1 | board looks right |"
        in md
    )
    assert (
        "| 2025-03-01 14:15:06 | Gate D — canary 30 % | decision rollback | two failures in a row |"
        in md
    )
    assert "| 2025-03-01 14:15:12 | started | golive | SLO breach at 30 % rollout" in md
    assert "| canary_stage_passed | launch-hook | not_sent | webhook refused |" in md
    assert "2 sent, 1 not sent" in md
    assert md.count("| 2025-03-01 ") >= len(failed_timeline())  # every entry in the timeline table
    assert "| Gate D — canary 30 % | failed |" in md
    assert "| Gate E — canary 50 % | not reached |" in md


# ------------------------------------------------------------------ charts


def test_one_polyline_per_series_and_chart(plan: LaunchPlan, failed_samples: pd.DataFrame) -> None:
    html = launch_report(failed_timeline(), failed_samples, plan).html
    svgs = re.findall(r"<svg.*?</svg>", html, flags=re.S)
    assert len(svgs) == len(plan.slos.latency) + 1  # board, drawer, error rate
    for svg in svgs:
        series = re.findall(r'<polyline class="series" data-series="(\w+)"', svg)
        assert sorted(series) == ["canary", "stable"]
        assert 'stroke-dasharray="6 4"' in svg  # the threshold
        assert svg.count('class="boundary"') == 2  # Gate C and Gate D begin
        points = re.search(r'data-series="canary"[^>]*points="([^"]+)"', svg)
        assert points and len(points[1].split()) == 5  # five evaluations
    assert "threshold 800 ms" in svgs[0] and "target 0.5 %" in svgs[2] and "limit 1 %" in svgs[2]


def test_chart_skips_gaps_and_empty_series() -> None:
    svg = line_chart(
        "t",
        [
            Series("canary", [(1, 10.0), (2, float("nan")), (3, 30.0)], "#f00"),
            Series("stable", [(1, float("nan"))], "#00f"),
        ],
        thresholds=[Threshold(20.0, "limit")],
    )
    assert svg.count("<polyline") == 1
    assert re.search(r'points="(\S+) (\S+)"', svg)  # two points, the NaN left out
    assert "no samples" in line_chart("t", [])


def test_all_text_is_escaped(plan: LaunchPlan) -> None:
    nasty = '<script>alert("x")</script>'
    timeline = [
        *failed_timeline(),
        entry(17, "note", "observed", nasty, "Gate <D>", actor="a&b", comment=nasty),
    ]
    frame = samples([(nasty, 1)])
    report = launch_report(timeline, frame, plan)
    assert "<script>" not in report.html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in report.html
    assert "Gate &lt;D&gt;" in report.html and "a&amp;b" in report.html
    assert "<script" not in report.html.lower()


def test_csv_round_trips_with_every_sample(plan: LaunchPlan, failed_samples: pd.DataFrame) -> None:
    report = launch_report(failed_timeline(), failed_samples, plan)
    back = pd.read_csv(io.StringIO(report.csv))
    assert len(back) == len(failed_samples)
    assert list(back.columns) == list(failed_samples.columns)
    assert back["latency_ms"].to_numpy() == pytest.approx(failed_samples["latency_ms"].to_numpy())
    # and a report built from the CSV (as read back from S3) shows the same numbers
    again = launch_report(failed_timeline(), back, plan)
    assert evaluation_stats(back, plan).equals(evaluation_stats(failed_samples, plan))
    assert again.markdown == report.markdown


# ------------------------------------------------------------------ summaries


def test_uat_summary(plan: LaunchPlan) -> None:
    md = uat_summary_markdown(failed_timeline(), signers=["uma", "vic", "walt"])
    assert "**UAT NOT approved — missing: walt** (2 of 3 required sign-offs)." in md
    assert "| uma | approved | 2025-03-01 14:05:00 | board looks right |" in md
    assert "| vic | approved | 2025-03-01 14:06:00 | - |" in md
    assert "erin" not in md  # the Gate A approver is not a UAT signer
    assert "| api | 1 of 2 | api/drawer: 500 |" in md
    assert "| infrastructure | 1 of 1 | - |" in md
    assert "build" not in md  # not a smoke check
    assert "No UAT sign-off recorded." in uat_summary_markdown([])


def test_playbook_summary(plan: LaunchPlan) -> None:
    md = playbook_summary_markdown(failed_timeline(), plan)
    lines = {
        line.split(" | ")[0].strip("| "): line for line in md.splitlines() if line.startswith("| ")
    }
    assert (
        "✅ passed | 2025-03-01 14:02:00 | 2025-03-01 14:07:30 | 5 min 30 s | uma, vic, erin |"
        in lines["Gate A"]
    )
    assert "❌ failed" in lines["Gate D — canary 30 %"]
    assert "not reached" in lines["Gate E — canary 50 %"] and "not reached" in lines["Gate G"]
    assert "erin" in lines["Pre-flight"]
    assert list(lines)[1:] == [
        "Pre-flight",
        "Gate A",
        "Gate B",
        "Production deploy",
        "Gate C — canary 10 %",
        "Gate D — canary 30 %",
        "Gate E — canary 50 %",
        "Gate F — canary 100 %",
        "Gate G",
        "Post-launch",
    ]


def test_playbook_without_plan_and_skipped_steps() -> None:
    timeline = [e for e in completed_timeline() if e.gate != "Gate B"]
    steps = {s.step: s for s in playbook_steps(timeline)}
    assert steps["Gate B"].status == "skipped"  # a later step ran
    assert steps["Gate F"].approvals == ("erin",)
    assert steps["Gate G"].duration == 30 * 60
    assert steps["Post-launch"].status == "not reached"
    running = playbook_steps(common_start()[:5])
    assert {s.step: s.status for s in running}["Gate A"] == "in progress"


# ------------------------------------------------------------------ health


def health(
    day: int, status: str, error: float, board: float, failing: list[CheckResult] | None = None
) -> HealthResult:
    return HealthResult(
        at=T0 + timedelta(days=day),
        release=RELEASE,
        status=status,  # type: ignore[arg-type]
        checks=failing
        or [CheckResult(name="api/board", status="pass", value="200", threshold="200")],
        metrics={"error_rate_pct": error, "board p95_ms": board},
    )


def test_health_week_summary() -> None:
    bad = CheckResult(
        name="api/drawer", status="fail", value="503", threshold="200", detail="upstream down"
    )
    results = [
        health(-3, "pass", 9.0, 100.0),
        health(0, "pass", 0.2, 400.0),
        health(1, "fail", 1.4, 900.0, [bad]),
        health(2, "pass", 0.3, 430.0),
        health(3, "pass", 0.1, 440.0),
    ]
    md = health_week_summary(results, since=T0)
    assert "**4 runs**: 3 passed, 1 failed" in md
    assert "| 2025-03-02 14:00 | v1.4.0 | api/drawer: 503 (upstream down) |" in md
    assert "| board p95_ms | 4 | 400 | 435 | 900 | 400 → 440 | ↑ +40 (+10%) |" in md
    assert "| error_rate_pct | 4 | 0.1 | 0.25 | 1.4 | 0.2 → 0.1 | ↓ -0.1 (-50%) |" in md
    assert "No health check ran" in health_week_summary(results, since=T0 + timedelta(days=30))


def test_canary_steps_are_lettered_c_to_f_and_never_g() -> None:
    from golive.core.summaries import canary_gate

    assert [canary_gate(i) for i in range(7)] == [
        "Gate C",
        "Gate D",
        "Gate E",
        "Gate F",
        "Gate F2",
        "Gate F3",
        "Gate F4",
    ]


# ------------------------------------------------------------------ a launch stopped at a gate


def staging_samples(board_ms: float = 976.0, per: int = 400) -> pd.DataFrame:
    """Gate A's staging probe as it is kept: version 'staging' (the staging backend), one evaluation."""
    rng = np.random.default_rng(3)
    rows = []
    for i in range(per):
        slo = "board" if i % 2 == 0 else "drawer"
        base = board_ms if slo == "board" else 60.0
        rows.append(
            {
                "ts": 1_700_000_000.0 + i,
                "slo": slo,
                "path": f"/api/{slo}",
                "status": 200,
                "latency_ms": base * float(rng.uniform(0.9, 1.1)),
                "error": False,
                "version": "staging",
                "release": RELEASE,
                "stage": "Gate A — staging probe",
                "evaluation": 1,
            }
        )
    rows.append(
        {
            "ts": 1_700_000_100.0,
            "slo": "board",
            "path": "/api/board",
            "status": 0,
            "latency_ms": 10_000.0,
            "error": True,
            "version": "unknown",
            "release": "unknown",
            "stage": "Gate A — staging probe",
            "evaluation": 1,
        }
    )
    return pd.DataFrame(rows)


def stopped_at_gate_a(board: CheckResult) -> list[TimelineEntry]:
    checks = [
        CheckResult(name="security/hsts", status="pass", value="present", threshold="present"),
        board,
        CheckResult(
            name="drawer mean", status="pass", value="61 ms", threshold="< 200 ms", samples=30
        ),
    ]
    reason = f"board p95: {board.value} ({board.detail})"
    return [
        entry(0, "launch", "started", "Launch of v1.4.0 started", actor="dana"),
        entry(0.1, "gate", "started", "Pre-flight started", "Pre-flight"),
        entry(1.5, "gate", "passed", "Pre-flight passed", "Pre-flight"),
        entry(2, "gate", "started", "Gate A started", "Gate A"),
        entry(
            4,
            "gate",
            "failed",
            f"Gate A FAILED - {reason}",
            "Gate A",
            checks=[c.model_dump() for c in checks],
        ),
        entry(
            4.1,
            "launch",
            "failed",
            f"Gate A FAILED - {reason}",
            actor="dana",
            reason=reason,
            gate="Gate A",
        ),
        entry(4.2, "gate", "started", "Post-launch started", "Post-launch"),
    ]


BOARD_FAILED = CheckResult(
    name="board p95",
    status="fail",
    value="976 ms",
    threshold="< 800 ms",
    samples=31,
    detail="board p95 976 ms >= 800 ms",
)


def test_a_launch_stopped_at_gate_a_reports_its_staging_samples_and_failing_numbers(
    plan: LaunchPlan,
) -> None:
    frame = staging_samples()
    report = launch_report(stopped_at_gate_a(BOARD_FAILED), frame, plan)
    assert report.kind == "incident" and report.outcome == "Launch failed"
    md = report.markdown
    assert "No samples recorded." not in md
    # what stopped it, with the numbers, before anything else
    stopped = md.split("## What stopped the launch: Gate A")[1].split("## ")[0]
    assert "| board p95 | 976 ms | < 800 ms | fail | 31 | board p95 976 ms >= 800 ms |" in stopped
    assert (
        "drawer mean" not in stopped and "security/hsts" not in stopped
    )  # passed checks are not "what stopped"
    assert md.index("## What stopped the launch") < md.index("## Steps")
    # the staging probe, re-judged as it was judged: all of its samples, the transport error included
    compliance = md.split("## SLO compliance per stage")[1].split("## ")[0]
    board = [line for line in compliance.splitlines() if "| board p95 |" in line]
    assert (
        len(board) == 1
        and board[0].startswith("| Gate A — staging probe |")
        and "| fail |" in board[0]
    )
    errors = [line for line in compliance.splitlines() if "| error rate |" in line]
    assert errors and f"| {len(frame)} |" in errors[0]
    every = md.split("## Every evaluation")[1].split("## ")[0]
    assert "| staging |" in every and "| unknown |" in every
    # and charted: a staging series (and the unanswered request) in every chart, the threshold dashed
    svgs = re.findall(r"<svg.*?</svg>", report.html, flags=re.S)
    assert len(svgs) == len(plan.slos.latency) + 1
    assert all('data-series="staging"' in svg for svg in svgs)
    assert (
        'data-series="unknown"' in svgs[-1]
    )  # the error rate: 100 % of the request with no answer
    assert "no samples" not in report.html
    assert (
        "<h2>What stopped the launch: Gate A</h2>" in report.html
        and '<td class="st-fail">fail</td>' in report.html
    )
    assert report.html.index("What stopped the launch") < report.html.index("<h2>Charts</h2>")


def test_what_stopped_a_canary_step_is_its_last_verdicts_failing_checks(plan: LaunchPlan) -> None:
    breach = CheckResult(
        name="board p95", status="fail", value="1210 ms", threshold="< 800 ms", samples=60
    )
    ok = CheckResult(
        name="error rate", status="pass", value="0.10 %", threshold="< 0.5 %", samples=120
    )
    timeline = [*failed_timeline()]
    timeline.insert(
        -6,
        entry(
            14.9,
            "verdict",
            "fail",
            "board p95 1210 ms",
            "Gate D — canary 30 %",
            checks=[ok.model_dump(), breach.model_dump()],
        ),
    )
    md = launch_report(timeline, None, plan).markdown
    stopped = md.split("## What stopped the launch: Gate D — canary 30 %")[1].split("## ")[0]
    assert (
        "| board p95 | 1210 ms | < 800 ms | fail | 60 |" in stopped and "error rate" not in stopped
    )


def test_a_stop_by_a_decision_says_no_check_failed(plan: LaunchPlan) -> None:
    timeline = [
        *common_start()[:7],
        entry(
            7,
            "approval",
            "rejected",
            "rita rejected 'Gate A passed'",
            "Gate A",
            actor="rita",
            key="gate-a-approval",
        ),
        entry(
            7.1,
            "gate",
            "failed",
            "Gate A FAILED - the Approver rita rejected 'Gate A passed'",
            "Gate A",
        ),
        entry(7.2, "launch", "failed", "x", reason="the Approver rita rejected 'Gate A passed'"),
    ]
    report = launch_report(timeline, None, plan)
    assert report.reason == "the Approver rita rejected 'Gate A passed'"
    stopped = report.markdown.split("## What stopped the launch: Gate A")[1].split("## ")[0]
    assert "No check of this step failed" in stopped
    assert "What stopped the launch" not in launch_report(completed_timeline(), None, plan).markdown


def test_the_launchs_own_reason_outlives_a_hooks_later_entry(plan: LaunchPlan) -> None:
    reason = "SLO breach at 30 % rollout — board p95 1210 ms >= 800 ms"
    timeline = [
        *failed_timeline(),
        entry(
            17,
            "launch",
            "failed",
            "launch Failed: Gate D FAILED - ...",
            actor="launch hook on_failure",
        ),
        entry(
            17.1, "rollback", "not_dispatched", "rollback/full is not deployed", actor="launch hook"
        ),
    ]
    report = launch_report(timeline, None, plan)
    assert report.reason == reason
    assert "| not_dispatched | launch hook |" in report.markdown.split("## Rollbacks")[1]
