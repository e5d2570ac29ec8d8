"""golive.core.judge.judge_canary / compare_with_stable: the canary against the SLOs, against stable, and the alarms."""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pandas as pd
import pytest

from blocks.plan import CompareWithStable, Slos
from golive.core.judge import BREACH_ALPHA, Verdict, compare_with_stable, judge, judge_canary
from tasks.metrics import SAMPLE_COLUMNS

SLOS = Slos.model_validate(
    {
        "error_rate": {"target": "0.5%", "limit": "1%"},
        "latency": [
            {
                "name": "board",
                "path": "/api/admin/appointments/board",
                "stat": "p95",
                "threshold": "800ms",
            },
            {
                "name": "drawer",
                "path": "/api/admin/appointments/{id}",
                "stat": "mean",
                "threshold": "200ms",
            },
        ],
        "min_samples": 20,
    }
)
COMPARE = CompareWithStable()  # alpha 0.01, 20 %: the plans' values
BOARD_SIGMA, DRAWER_SIGMA = 0.38, 0.35  # sandbox/backend.py's profiles


def side(
    version: str,
    rng: np.random.Generator,
    n: int,
    *,
    board_median: float = 160.0,
    drawer_median: float = 45.0,
    errors: int = 0,
) -> pd.DataFrame:
    """n board and n drawer requests of one version (log-normal latencies), the first `errors` of them 500s."""
    latency = np.concatenate(
        [
            rng.lognormal(np.log(board_median), BOARD_SIGMA, n),
            rng.lognormal(np.log(drawer_median), DRAWER_SIGMA, n),
        ]
    )
    return fixed(version, latency, ["board"] * n + ["drawer"] * n, errors=errors)


def fixed(
    version: str, latency: Any, slo: Any, *, errors: int = 0, lag: float = np.nan
) -> pd.DataFrame:
    latency = np.asarray(latency, dtype=float)
    slo = list(slo) if not isinstance(slo, str) else [slo] * len(latency)
    status = np.full(len(latency), 200)
    status[:errors] = 500
    return pd.DataFrame(
        {
            "ts": 1_700_000_000.0 + np.arange(len(latency)),
            "slo": slo,
            "path": "/",
            "status": status,
            "latency_ms": latency,
            "error": status >= 500,
            "version": version,
            "release": version,
            "client_lag_ms": lag,
            "send_lag_ms": np.nan,
        }
    ).astype(SAMPLE_COLUMNS)


def frame(*parts: pd.DataFrame) -> pd.DataFrame:
    return pd.concat(parts, ignore_index=True)


def check(verdict: Verdict | list[Any], name: str) -> Any:
    checks = verdict.checks if isinstance(verdict, Verdict) else verdict
    (found,) = [c for c in checks if c.name == name]
    return found


def names(verdict: Verdict) -> list[str]:
    return [c.name for c in verdict.checks]


def assert_clean(verdict: Verdict) -> None:
    assert not re.search(r"\bnan\b", verdict.model_dump_json(), re.IGNORECASE)
    assert verdict.reason


# ------------------------------------------------------------------ healthy


def test_identical_distributions_pass() -> None:
    rng = np.random.default_rng(1)
    verdict = judge_canary(frame(side("canary", rng, 200), side("stable", rng, 800)), SLOS, COMPARE)
    assert verdict.status == "pass", verdict.reason
    assert names(verdict) == [
        "error rate",
        "board p95",
        "drawer mean",
        "error rate vs stable",
        "board p95 vs stable",
        "drawer mean vs stable",
    ]
    assert verdict.version == "canary" and verdict.samples == 400  # the canary's rows only
    board = check(verdict, "board p95 vs stable")
    assert board.status == "pass" and board.samples == 200
    assert re.fullmatch(r"[+-]\d+ % \(p=[\d.]+\)", board.value)
    assert verdict.reason.startswith("canary: all SLOs met: ")
    assert verdict.notes == []
    assert_clean(verdict)


@pytest.mark.parametrize("seed", range(20))
def test_healthy_canaries_do_not_fail(seed: int) -> None:
    rng = np.random.default_rng(100 + seed)
    verdict = judge_canary(frame(side("canary", rng, 60), side("stable", rng, 240)), SLOS, COMPARE)
    assert verdict.status in ("pass", "warn"), verdict.reason


def test_the_judge_reads_only_canary_rows_for_the_absolute_checks() -> None:
    rng = np.random.default_rng(2)
    slow_stable = side("stable", rng, 200, board_median=900.0, errors=50)
    verdict = judge_canary(frame(side("canary", rng, 200), slow_stable), SLOS, COMPARE)
    assert check(verdict, "board p95").status == "pass"
    assert check(verdict, "error rate").status == "pass"
    assert (
        check(verdict, "board p95 vs stable").status == "pass"
    )  # faster than stable is no regression


# ------------------------------------------------------------ canary vs stable


def test_a_canary_clearly_slower_than_stable_fails_before_it_crosses_the_line() -> None:
    rng = np.random.default_rng(3)
    canary = side("canary", rng, 200, board_median=160 * 1.6)  # p95 ~480 ms: well under 800 ms
    verdict = judge_canary(frame(canary, side("stable", rng, 800)), SLOS, COMPARE)
    assert check(verdict, "board p95").status == "pass"
    board = check(verdict, "board p95 vs stable")
    assert board.status == "fail"
    slowdown, p = re.fullmatch(r"\+(\d+) % \(p([<=])[\d.]+\)", board.value).groups()
    assert int(slowdown) > 20
    assert board.threshold == "not slower than stable by > 20 % (α=0.0033: 0.01 over 3 comparisons)"
    assert verdict.status == "fail"
    assert (
        verdict.reason.startswith("canary: board p95 vs stable: +")
        and "> +20 % tolerance" in verdict.reason
    )


def test_a_significant_slowdown_within_the_tolerance_warns() -> None:
    rng = np.random.default_rng(4)
    canary = side("canary", rng, 3000, board_median=160 * 1.08)
    verdict = judge_canary(frame(canary, side("stable", rng, 3000)), SLOS, COMPARE)
    board = check(verdict, "board p95 vs stable")
    assert board.status == "warn", board.detail
    assert "within the +20 % tolerance" in board.detail
    assert verdict.status == "warn" and verdict.ok


def test_a_large_but_not_significant_slowdown_passes() -> None:
    # two samples of each, far apart in p95 but no evidence: the rank test decides
    canary = fixed("canary", [100.0] * 19 + [700.0], "board")
    stable = fixed("stable", [100.0] * 20, "board")
    result = check(
        compare_with_stable(
            canary, stable, SLOS.model_copy(update={"latency": SLOS.latency[:1]}), COMPARE
        ),
        "board p95 vs stable",
    )
    assert result.value.startswith("+")
    assert result.status == "pass"


def test_small_samples_are_inconclusive_for_the_comparison() -> None:
    rng = np.random.default_rng(5)
    canary = side("canary", rng, 12, board_median=400.0)  # 12 per SLO < min_samples 20
    verdict = judge_canary(frame(canary, side("stable", rng, 200)), SLOS, COMPARE)
    board = check(verdict, "board p95 vs stable")
    assert board.status == "inconclusive" and board.value == "not compared"
    assert (
        board.detail
        == "board p95 vs stable: 12 canary / 200 stable successful samples, 20 each needed"
    )
    assert (
        check(verdict, "board p95").status == "inconclusive"
    )  # under the line on 12 samples: not a pass
    assert verdict.status == "inconclusive" and not verdict.ok


def test_few_stable_samples_are_inconclusive_too() -> None:
    rng = np.random.default_rng(6)
    verdict = judge_canary(frame(side("canary", rng, 100), side("stable", rng, 5)), SLOS, COMPARE)
    assert check(verdict, "error rate vs stable").status == "inconclusive"
    assert check(verdict, "drawer mean vs stable").status == "inconclusive"
    assert verdict.status == "inconclusive"


def test_error_rate_comparison_fails_a_significant_regression_over_the_target() -> None:
    rng = np.random.default_rng(7)
    canary = side("canary", rng, 200, errors=10)  # 10 of 400: 2.5 %
    stable = side("stable", rng, 800)  # 0 of 1600
    result = check(compare_with_stable(canary, stable, SLOS, COMPARE), "error rate vs stable")
    assert result.status == "fail"
    assert re.fullmatch(r"\+2\.50 pp \(p[<=][\d.]+\)", result.value)
    assert result.detail.startswith("error rate vs stable: +2.50 pp (2.50 % vs 0.00 %")
    assert result.threshold.startswith("not above stable by > 0.5 pp")


def test_error_rate_comparison_warns_within_the_target_and_passes_without_evidence() -> None:
    rng = np.random.default_rng(8)
    many = 10_000
    canary = side("canary", rng, many, errors=60)  # 0.30 % of 20 000
    stable = side("stable", rng, many)  # 0 %
    within = check(compare_with_stable(canary, stable, SLOS, COMPARE), "error rate vs stable")
    assert within.status == "warn" and within.value.startswith("+0.30 pp")
    one_error = check(
        compare_with_stable(
            side("canary", rng, 100, errors=1), side("stable", rng, 100), SLOS, COMPARE
        ),
        "error rate vs stable",
    )
    assert one_error.status == "pass"  # 1 of 200 vs 0 of 200 is no evidence


def test_compare_with_stable_needs_the_columns() -> None:
    with pytest.raises(ValueError, match="error"):
        compare_with_stable(
            pd.DataFrame({"slo": ["board"], "latency_ms": [1.0]}),
            fixed("stable", [1.0], "board"),
            SLOS,
            COMPARE,
        )


def test_all_tied_latencies_are_no_regression() -> None:
    canary, stable = fixed("canary", [100.0] * 30, "board"), fixed("stable", [100.0] * 30, "board")
    result = check(compare_with_stable(canary, stable, SLOS, COMPARE), "board p95 vs stable")
    assert result.status == "pass" and result.value.startswith("+0 %")


# --------------------------------------------------------- the 100 % step


def test_at_the_100_percent_step_the_comparison_is_skipped_with_a_note() -> None:
    rng = np.random.default_rng(9)
    verdict = judge_canary(side("canary", rng, 200), SLOS, COMPARE)
    assert verdict.status == "pass"
    assert names(verdict) == ["error rate", "board p95", "drawer mean"]
    assert verdict.notes == ["canary vs stable: skipped, no stable samples in this evaluation"]
    # stragglers to stable (cached DNS) at 100 % do not make the comparison inconclusive
    stragglers = frame(side("canary", rng, 200), side("stable", rng, 3))
    at_100 = judge_canary(stragglers, SLOS, COMPARE, step=100)
    assert at_100.status == "pass"
    assert at_100.notes == ["canary vs stable: skipped, no stable traffic at the 100 % step"]
    assert judge_canary(stragglers, SLOS, COMPARE, step=50).status == "inconclusive"


def test_a_disabled_comparison_is_noted() -> None:
    rng = np.random.default_rng(10)
    verdict = judge_canary(
        frame(side("canary", rng, 100), side("stable", rng, 100)),
        SLOS,
        CompareWithStable(enabled=False),
    )
    assert "vs stable" not in " ".join(names(verdict))
    assert verdict.notes == [
        "canary vs stable: not compared (compare_with_stable is disabled in the plan)"
    ]


# -------------------------------------------------------------------- alarms


def test_an_alarm_in_alarm_fails() -> None:
    rng = np.random.default_rng(11)
    samples = frame(side("canary", rng, 100), side("stable", rng, 400))
    verdict = judge_canary(
        samples, SLOS, COMPARE, {"statusboard-5xx": "ALARM", "statusboard-latency": "OK"}
    )
    assert verdict.status == "fail"
    alarm = check(verdict, "alarm statusboard-5xx")
    assert (alarm.status, alarm.value, alarm.threshold) == (
        "fail",
        "ALARM",
        "OK or INSUFFICIENT_DATA",
    )
    assert verdict.reason == "canary: alarm statusboard-5xx is in ALARM"
    assert check(verdict, "alarm statusboard-latency").status == "pass"


@pytest.mark.parametrize(
    ("state", "status"),
    [
        # MISSING and an unknown state fail (golive.core.alarms); they were inconclusive here before
        ("OK", "pass"),
        ("INSUFFICIENT_DATA", "pass"),
        ("ALARM", "fail"),
        ("MISSING", "fail"),
        ("alarm?", "fail"),
    ],
)
def test_alarm_states(state: str, status: str) -> None:
    rng = np.random.default_rng(12)
    verdict = judge_canary(side("canary", rng, 100), SLOS, COMPARE, {"a": state}, step=100)
    assert check(verdict, "alarm a").status == status
    assert verdict.status == status


# ------------------------------------------------------ absolute checks


def test_a_proven_breach_fails_in_the_runbooks_words() -> None:
    board = [300.0] * 90 + [912.0] * 30
    canary = frame(fixed("canary", board, "board"), fixed("canary", [50.0] * 120, "drawer"))
    verdict = judge_canary(canary, SLOS, COMPARE, step=100)
    result = check(verdict, "board p95")
    assert result.status == "fail" and result.value == "912 ms"
    assert verdict.reason.startswith(
        "canary: board p95 912 ms >= 800 ms (30 of 120 at or over 800 ms"
    )


def test_an_unproven_breach_is_inconclusive_never_a_pass() -> None:
    # 3 of 40 over the line: the p95 reads 900 ms, but a true p95 under 800 ms does that 1 time in 3
    board = [300.0] * 37 + [900.0] * 3
    canary = frame(fixed("canary", board, "board"), fixed("canary", [50.0] * 40, "drawer"))
    result = check(judge_canary(canary, SLOS, COMPARE, step=100), "board p95")
    assert result.status == "inconclusive"
    assert result.detail.startswith("board p95 ")
    assert "not yet significant" in result.detail and "needs more samples" in result.detail
    literal = judge_canary(canary, SLOS, COMPARE, step=100, alpha=None)
    assert check(literal, "board p95").status == "fail"  # the runbook's rule taken literally
    assert check(literal, "board p95").status == check(judge(canary, SLOS), "board p95").status


def test_a_flagrant_breach_fails_even_below_min_samples() -> None:
    canary = frame(fixed("canary", [1500.0] * 12, "board"), fixed("canary", [50.0] * 12, "drawer"))
    verdict = judge_canary(canary, SLOS, COMPARE, step=100)
    assert (
        check(verdict, "board p95").status == "fail"
    )  # 12 of 12 over: an exact test needs no more
    assert (
        check(verdict, "drawer mean").status == "inconclusive"
    )  # under the line on 12: never a pass
    assert verdict.status == "fail"


def test_a_mean_over_the_line_needs_min_samples_and_a_t_test() -> None:
    few = frame(fixed("canary", [100.0] * 30, "board"), fixed("canary", [400.0] * 12, "drawer"))
    assert check(judge_canary(few, SLOS, COMPARE, step=100), "drawer mean").status == "inconclusive"
    rng = np.random.default_rng(13)
    slow = fixed("canary", rng.lognormal(np.log(300), 0.35, 60), "drawer")
    verdict = judge_canary(
        frame(fixed("canary", [100.0] * 60, "board"), slow), SLOS, COMPARE, step=100
    )
    drawer = check(verdict, "drawer mean")
    assert drawer.status == "fail" and "t-test" in drawer.detail
    close = fixed(
        "canary", [100.0] * 12 + [330.0] * 13, "drawer"
    )  # mean 219.6 ms, sd 117 ms: p ~ 0.2
    assert (
        check(
            judge_canary(
                frame(fixed("canary", [100.0] * 25, "board"), close), SLOS, COMPARE, step=100
            ),
            "drawer mean",
        ).status
        == "inconclusive"
    )


@pytest.mark.parametrize(
    ("errors", "total", "status"),
    [
        (0, 200, "pass"),
        (1, 200, "warn"),  # 0.5 %: the target
        (1, 25, "inconclusive"),  # 4 % over 25 requests: one error proves nothing
        (2, 200, "inconclusive"),  # 1 %: at the limit, not above it
        (5, 200, "inconclusive"),  # 2.5 %: p = 0.05
        (10, 200, "fail"),  # 5 %
        (4, 20, "fail"),  # 20 % of 20
        (3, 12, "fail"),  # 25 % of 12: proven below min_samples
        (0, 12, "inconclusive"),  # too few to pass
    ],
)
def test_canary_error_rate(errors: int, total: int, status: str) -> None:
    canary = fixed(
        "canary",
        [100.0] * total,
        ["board", "drawer"] * (total // 2) + ["board"] * (total % 2),
        errors=errors,
    )
    result = check(judge_canary(canary, SLOS, COMPARE, step=100), "error rate")
    assert result.status == status, result.detail
    assert result.samples == total


def test_the_breach_alpha_is_strict_by_default() -> None:
    assert BREACH_ALPHA == 0.001
    canary = fixed(
        "canary", [100.0] * 400, ["board", "drawer"] * 200, errors=11
    )  # 2.75 %: p = 0.0027
    assert (
        check(judge_canary(canary, SLOS, COMPARE, step=100), "error rate").status == "inconclusive"
    )
    assert (
        check(judge_canary(canary, SLOS, COMPARE, step=100, alpha=0.01), "error rate").status
        == "fail"
    )


# -------------------------------------------------------------------- inputs


def test_no_samples_at_all_are_inconclusive() -> None:
    for empty in (pd.DataFrame(), pd.DataFrame(columns=list(SAMPLE_COLUMNS))):
        verdict = judge_canary(empty, SLOS, COMPARE)
        assert verdict.status == "inconclusive" and verdict.samples == 0
        assert check(verdict, "board p95").value == "no samples"
        assert_clean(verdict)


def test_judge_canary_needs_a_version_column() -> None:
    with pytest.raises(ValueError, match="version"):
        judge_canary(
            pd.DataFrame({"slo": ["board"], "latency_ms": [1.0], "error": [False]}), SLOS, COMPARE
        )


def test_the_input_frame_is_not_modified() -> None:
    rng = np.random.default_rng(14)
    samples = frame(side("canary", rng, 50), side("stable", rng, 50))
    before = samples.copy()
    judge_canary(samples, SLOS, COMPARE, {"a": "OK"})
    pd.testing.assert_frame_equal(samples, before)
