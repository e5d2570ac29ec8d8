"""A probe that measured itself: its client lag against the plan's bound makes an evaluation inconclusive
(golive.core.probe_health, through golive.core.judge.judge and judge_canary)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

from blocks.plan import Slos, client_lag_bounds_ms, default_max_client_lag_ms, load_plan
from golive.core.judge import judge, judge_canary
from golive.core.probe_health import PROBE_CHECK, LagBounds, client_lag, lag_check, under_saturation
from tasks.metrics import samples_frame

PLAN = load_plan("plans/sandbox.yaml", env={})
SLOS = PLAN.slos  # board p95 < 800 ms, drawer mean < 200 ms, min_samples 20
COMPARE = PLAN.canary.compare_with_stable
BOUNDS = LagBounds.of(SLOS)  # a tenth of each threshold: board p95 80 ms, drawer mean 20 ms
TWENTY = LagBounds.uniform(20.0, SLOS.latency)  # a plan's probe.max_client_lag: 20ms
P95_ONLY = LagBounds.uniform(20.0)  # no latency SLO to work a number out for


def rows(
    slo: str, latencies: Any, *, lag: Any = np.nan, version: str = "stable", status: int = 200
) -> list[dict[str, Any]]:
    latencies = list(latencies)
    lags = list(lag) if np.ndim(lag) else [lag] * len(latencies)
    return [
        {
            "ts": 1_700_000_000.0 + i,
            "slo": slo,
            "path": f"/{slo}",
            "status": status,
            "latency_ms": float(ms),
            "error": status >= 500,
            "version": version,
            "release": "v1",
            "client_lag_ms": float(lags[i]),
        }
        for i, ms in enumerate(latencies)
    ]


def slow_board(lag: Any, version: str = "stable", n: int = 60) -> pd.DataFrame:
    """A board p95 over 800 ms and a healthy drawer: a failing evaluation, if the probe can be trusted."""
    return samples_frame(
        rows("board", np.linspace(300, 1200, n), lag=lag, version=version)
        + rows("drawer", [50.0] * n, lag=lag, version=version)
    )


def by_name(verdict: Any) -> dict[str, Any]:
    return {c.name: c for c in verdict.checks}


# ------------------------------------------------------------------ the figures


def test_the_default_bounds_are_a_tenth_of_each_threshold() -> None:
    assert (
        PLAN.client_lag_bounds_ms
        == BOUNDS.per_slo_ms
        == pytest.approx({"board p95": 80.0, "drawer mean": 20.0})
    )
    assert PLAN.max_client_lag_ms is None and BOUNDS.tightest_ms == pytest.approx(20.0)
    production = load_plan("plans/statusboard-v2.yaml", env={})
    assert production.client_lag_bounds_ms == pytest.approx(
        {"board p95": 80.0, "drawer mean": 20.0}
    )
    assert client_lag_bounds_ms(SLOS, 15.0) == {
        "board p95": 15.0,
        "drawer mean": 15.0,
    }  # probe.max_client_lag
    one = Slos.model_validate(
        {
            "error_rate": {"target": "0.5%", "limit": "1%"},
            "latency": [{"name": "a", "path": "/a", "stat": "p99", "threshold": "2s"}],
        }
    )
    assert default_max_client_lag_ms(one) == pytest.approx(200.0)
    none = Slos.model_validate({"error_rate": {"target": "0.5%", "limit": "1%"}})
    assert default_max_client_lag_ms(none) == pytest.approx(
        1000.0
    )  # a tenth of the probe's 10 s timeout
    assert (
        LagBounds.of(none).describe() == "1000 ms"
        and BOUNDS.describe() == "board p95 80 ms, drawer mean 20 ms"
    )


def test_client_lag_figures() -> None:
    per_slo = [1.0] * 45 + [50.0] * 4 + [300.0]  # twice: 10 of 100 over 20 ms, so the p95 is 50 ms
    frame = slow_board(per_slo, n=50)
    lag = client_lag(frame, TWENTY)
    assert lag is not None and lag.saturated
    assert (lag.measured, lag.late, lag.max_ms) == (100, 10, 300.0)
    assert lag.p95_ms == pytest.approx(50.0)
    # what the lag could do to each number: the stat as measured minus the stat with each lag taken off
    board = frame[frame["slo"] == "board"]
    expected = np.percentile(board["latency_ms"], 95) - np.percentile(
        board["latency_ms"] - per_slo, 95
    )
    assert lag.distortion_ms["board p95"] == pytest.approx(expected)
    assert lag.distortion_ms["drawer mean"] == pytest.approx(
        np.mean(np.minimum(per_slo, 50.0))
    )  # never below 0
    assert lag.reason == (
        "probe saturated: the client's own lag could make board p95 up to 53 ms higher (20 ms "
        "allowed), drawer mean 6 ms (20 ms): over its bound; client lag p95 50 ms, max 300 ms; "
        "10 of 100 requests late by more than 20 ms"
    )
    # the default bounds: 53 ms on a p95 of an 800 ms SLO is within its 80 ms
    relative = client_lag(frame, BOUNDS)
    assert relative is not None and not relative.saturated
    assert relative.figures.startswith(
        "the client's own lag could make board p95 up to 53 ms higher (80 ms "
        "allowed), drawer mean 6 ms (20 ms): within the bounds;"
    )
    healthy = client_lag(slow_board(2.0), BOUNDS)
    assert healthy is not None and not healthy.saturated and healthy.late == 0
    check = lag_check(healthy)
    assert check.status == "pass" and check.value == "p95 2 ms, max 2 ms; drawer mean up to +2 ms"
    assert check.threshold == "each SLO's number moved <= board p95 80 ms, drawer mean 20 ms"


def test_without_latency_slos_the_lag_p95_decides() -> None:
    lag = client_lag(
        slow_board([1.0] * 50 + [90.0] * 10), P95_ONLY
    )  # nothing to distort but the p95
    assert lag is not None and lag.saturated and not lag.distortion_ms
    assert lag.reason == (
        "probe saturated: client lag p95 90 ms, over the 20 ms bound, max 90 ms; 20 of 120 "
        "requests late by more than 20 ms"
    )
    assert lag_check(lag).threshold == "p95 <= 20 ms"


def test_one_shared_stall_moves_the_numbers_little_and_does_not_saturate() -> None:
    # a 35 ms stall that the first 16 requests in flight shared, then a healthy client
    lags = [35.0] * 8 + [1.0] * 52
    latencies = np.linspace(100, 400, 60)
    frame = samples_frame(
        rows("board", latencies, lag=lags) + rows("drawer", [50.0] * 60, lag=lags)
    )
    lag = client_lag(frame, BOUNDS)
    assert (
        lag is not None and lag.p95_ms > BOUNDS.tightest_ms
    )  # more than 5 % of the requests saw it...
    assert not lag.saturated  # ...but no SLO's number could have moved by its bound
    assert judge(frame, SLOS).status == "pass"


def test_unknown_lag_is_no_figure() -> None:
    assert client_lag(slow_board(np.nan), BOUNDS) is None  # all NaN: a source that cannot know
    assert client_lag(slow_board(5.0).drop(columns="client_lag_ms"), BOUNDS) is None  # an older CSV
    assert client_lag(pd.DataFrame(), BOUNDS) is None
    partly = slow_board([np.nan, 500.0] * 60)  # only the known half counts
    lag = client_lag(partly, BOUNDS)
    assert lag is not None and lag.measured == 60 and lag.saturated


def test_at_the_bound_is_tolerable() -> None:
    for bounds in (TWENTY, P95_ONLY):
        lag = client_lag(slow_board(20.0), bounds)
        assert lag is not None and not lag.saturated and lag.late == 0


# ------------------------------------------------------------------ judge


def test_a_saturated_probe_is_inconclusive_not_a_failed_slo() -> None:
    trusted = judge(slow_board(np.nan), SLOS)
    assert trusted.status == "fail" and trusted.reason.startswith(
        "board p95 "
    )  # the same numbers, no lag known

    verdict = judge(slow_board(120.0), SLOS)  # the default bounds
    assert verdict.status == "inconclusive"
    assert verdict.reason.startswith(
        "probe saturated: the client's own lag could make drawer mean up to 50 ms "
        "higher (20 ms allowed), board p95 120 ms (80 ms): over its bound; client lag "
        "p95 120 ms, max 120 ms; 120 of 120 requests late by more than 20 ms"
    )
    checks = by_name(verdict)
    assert verdict.checks[0].name == PROBE_CHECK and checks[PROBE_CHECK].status == "inconclusive"
    board = checks["board p95"]
    assert (
        board.status == "inconclusive" and board.value == by_name(trusted)["board p95"].value
    )  # figure kept
    assert board.detail.endswith("measured by a saturated probe: not judged")
    assert "board p95" in verdict.reason
    # the whole evaluation is inconclusive, but what passed keeps its status and its figure
    assert checks["drawer mean"].status == "pass" and checks["error rate"].status == "pass"
    assert not any(c.status == "fail" for c in verdict.checks)


def test_a_saturated_probe_does_not_pass_a_healthy_release_either() -> None:
    healthy = samples_frame(
        rows("board", [300.0] * 60, lag=80.0) + rows("drawer", [50.0] * 60, lag=80.0)
    )
    verdict = judge(healthy, SLOS)  # drawer's mean could be 50 ms high: over its 20 ms
    assert verdict.status == "inconclusive" and verdict.reason.startswith("probe saturated: ")
    assert {c.name: c.status for c in verdict.checks} == {
        PROBE_CHECK: "inconclusive",
        "error rate": "pass",
        "board p95": "pass",
        "drawer mean": "pass",
    }


def test_a_healthy_probe_is_judged_as_before_with_its_lag_shown() -> None:
    without = judge(slow_board(np.nan), SLOS)
    verdict = judge(slow_board(3.0), SLOS)
    assert (verdict.status, verdict.reason) == (without.status, without.reason)
    assert [c.name for c in verdict.checks] == [c.name for c in without.checks] + [PROBE_CHECK]
    assert verdict.checks[-1].status == "pass"
    assert verdict.checks[-1].value == "p95 3 ms, max 3 ms; drawer mean up to +3 ms"
    passing = judge(
        samples_frame(rows("board", [300.0] * 60, lag=1.0) + rows("drawer", [50.0] * 60, lag=1.0)),
        SLOS,
    )
    assert (
        passing.status == "pass" and PROBE_CHECK not in passing.reason
    )  # "all SLOs met" lists SLOs only


def test_the_plan_bound_decides() -> None:
    assert (
        judge(slow_board(30.0), SLOS).status == "inconclusive"
    )  # drawer's mean: over its default 20 ms
    assert (
        judge(slow_board(30.0), SLOS, max_client_lag_ms=50).status == "fail"
    )  # a plan that tolerates 50 ms
    assert judge(slow_board(60.0), SLOS, max_client_lag_ms=50).status == "inconclusive"


def test_too_few_samples_under_saturation_stay_inconclusive_with_the_lag_first() -> None:
    few = samples_frame(rows("board", [300.0] * 5, lag=90.0))
    verdict = judge(few, SLOS)
    assert verdict.status == "inconclusive" and verdict.reason.startswith("probe saturated: ")
    assert "5 samples < 20 needed" in verdict.reason


def test_under_saturation_without_lag_changes_nothing() -> None:
    checks = judge(slow_board(np.nan), SLOS).checks
    assert under_saturation(checks, None) == checks


# ------------------------------------------------------------------ judge_canary


def canary_window(canary_lag: float, stable_lag: float) -> pd.DataFrame:
    return pd.concat(
        [slow_board(canary_lag, "canary"), slow_board(stable_lag, "stable")], ignore_index=True
    )


def test_a_saturated_canary_evaluation_is_inconclusive_never_a_rollback_on_the_probe() -> None:
    breach = pd.concat(
        [
            slow_board(np.nan, "canary", n=200),
            samples_frame(rows("board", [300.0] * 200) + rows("drawer", [50.0] * 200)),
        ],
        ignore_index=True,
    )
    assert judge_canary(breach, SLOS, COMPARE, step=30).status == "fail"  # shown over the line
    starved = breach.assign(client_lag_ms=150.0)
    verdict = judge_canary(starved, SLOS, COMPARE, step=30, max_client_lag_ms=20.0)
    assert verdict.status == "inconclusive" and verdict.reason.startswith("probe saturated: ")
    assert verdict.checks[0].name == PROBE_CHECK
    assert "800 of 800 requests late" in verdict.reason  # both versions: one client measured both


def test_an_alarm_still_fails_a_saturated_evaluation() -> None:
    verdict = judge_canary(
        canary_window(150.0, 150.0), SLOS, COMPARE, {"statusboard-5xx": "ALARM"}, step=30
    )
    assert verdict.status == "fail" and "statusboard-5xx is in ALARM" in verdict.reason
    assert by_name(verdict)[PROBE_CHECK].status == "inconclusive"


def test_the_canary_judge_is_unchanged_by_unknown_or_small_lag() -> None:
    for lags in ((np.nan, np.nan), (2.0, 4.0)):
        window = canary_window(*lags)
        verdict = judge_canary(window, SLOS, COMPARE, step=30)
        before = judge_canary(window.drop(columns="client_lag_ms"), SLOS, COMPARE, step=30)
        assert (verdict.status, verdict.reason) == (before.status, before.reason)


# ------------------------------------------------------------------ what a slow client cannot explain


def with_errors(lag: float, status: int, errors: int = 12) -> pd.DataFrame:
    healthy = rows("board", [300.0] * 60, lag=lag) + rows("drawer", [50.0] * 60, lag=lag)
    return samples_frame(healthy + rows("board", [40.0] * errors, lag=lag, status=status))


def test_the_servers_own_5xx_answers_still_fail_a_saturated_evaluation() -> None:
    verdict = judge(with_errors(90.0, 500), SLOS)  # 12 of 132 requests answered 500: 9 %
    assert verdict.status == "fail" and verdict.reason.startswith("error rate 9.09 % >= 1 %")
    assert by_name(verdict)["error rate"].detail.endswith(
        "5xx answers alone: no client lag explains them"
    )
    assert verdict.checks[0].name == PROBE_CHECK and verdict.checks[0].status == "inconclusive"


def test_unanswered_requests_of_a_saturated_probe_are_not_blamed_on_the_release() -> None:
    frame = with_errors(90.0, 500)
    frame.loc[frame["status"] == 500, "status"] = (
        0  # no response: a reset, or the starved client's timeout
    )
    verdict = judge(frame, SLOS)
    assert verdict.status == "inconclusive" and verdict.reason.startswith("probe saturated: ")
    assert "error rate 9.09 % >= 1 %" in verdict.reason and "not judged" in verdict.reason
    assert (
        judge(frame.assign(client_lag_ms=2.0), SLOS).status == "fail"
    )  # an unsaturated probe: fails as ever


def test_the_canary_error_rate_on_5xx_answers_stands_under_saturation() -> None:
    canary = with_errors(90.0, 500, errors=40).assign(version="canary")
    stable = samples_frame(
        rows("board", [300.0] * 60, lag=90.0) + rows("drawer", [50.0] * 60, lag=90.0)
    )
    verdict = judge_canary(pd.concat([canary, stable], ignore_index=True), SLOS, COMPARE, step=30)
    assert verdict.status == "fail" and verdict.reason.startswith("canary: error rate ")
    assert (
        by_name(verdict)["error rate vs stable"].status != "fail"
    )  # a comparison is the probe's evidence


def test_send_lag_is_shown_in_the_figures_where_known() -> None:
    frame = slow_board(120.0).assign(send_lag_ms=np.linspace(0, 40, 120))
    lag = client_lag(frame, BOUNDS)
    assert lag is not None and lag.send_max_ms == 40.0
    assert lag.figures.endswith("; sent late by p95 38 ms, max 40 ms")
    assert client_lag(slow_board(120.0), BOUNDS).send_p95_ms is None  # type: ignore[union-attr]
