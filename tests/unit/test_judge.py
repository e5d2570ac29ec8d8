"""golive.core.judge: samples -> verdict by the runbook's rules and the plan's thresholds."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from blocks.plan import Slos, load_plan
from golive.core.judge import Verdict, judge, latency_stat
from tasks.metrics import SAMPLE_COLUMNS, empty_samples, samples_frame

REPO = Path(__file__).resolve().parents[2]


def slos(
    target: str = "0.5%",
    limit: str = "1%",
    min_samples: int = 20,
    latency: list[dict[str, Any]] | None = None,
) -> Slos:
    if latency is None:
        latency = [
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
        ]
    return Slos.model_validate(
        {
            "error_rate": {"target": target, "limit": limit},
            "latency": latency,
            "min_samples": min_samples,
        }
    )


SLOS = slos()


def rows(
    slo: str,
    latencies: list[float] | np.ndarray,
    *,
    status: int = 200,
    version: str = "stable",
    release: str = "v1",
) -> list[dict[str, Any]]:
    return [
        {
            "ts": 1_700_000_000.0 + i,
            "slo": slo,
            "path": f"/{slo}",
            "status": status,
            "latency_ms": float(ms),
            "error": status >= 500 or status == 0,
            "version": version,
            "release": release,
        }
        for i, ms in enumerate(latencies)
    ]


def frame(*parts: list[dict[str, Any]]) -> pd.DataFrame:
    return samples_frame([row for part in parts for row in part])


def healthy(n: int = 100, version: str = "stable") -> list[dict[str, Any]]:
    return rows("board", np.linspace(100, 400, n), version=version) + rows(
        "drawer", [50.0] * n, version=version
    )


def check(verdict: Verdict, name: str) -> Any:
    (found,) = [c for c in verdict.checks if c.name == name]
    return found


def assert_clean(verdict: Verdict) -> None:
    """Nothing an operator reads says NaN, and every check says how many samples it saw."""
    assert not re.search(r"\bnan\b", verdict.model_dump_json(), re.IGNORECASE)
    assert all(c.samples is not None for c in verdict.checks)
    assert verdict.reason


# ------------------------------------------------------------------- all good


def test_healthy_samples_pass() -> None:
    verdict = judge(frame(healthy()), SLOS)
    assert verdict.status == "pass" and verdict.ok
    assert [c.name for c in verdict.checks] == ["error rate", "board p95", "drawer mean"]
    assert verdict.samples == 200
    assert check(verdict, "error rate").samples == 200
    assert check(verdict, "board p95").samples == 100
    assert check(verdict, "drawer mean").value == "50 ms"
    assert check(verdict, "error rate").value == "0.00 %"
    assert verdict.reason.startswith("all SLOs met: ")
    assert "board p95 385 ms < 800 ms" in verdict.reason
    assert_clean(verdict)


def test_thresholds_shown_with_units() -> None:
    verdict = judge(frame(healthy()), SLOS)
    assert check(verdict, "error rate").threshold == "< 0.5 % (fail at 1 %)"
    assert check(verdict, "board p95").threshold == "< 800 ms"
    assert check(verdict, "drawer mean").threshold == "< 200 ms"


def test_the_shipped_plans_slos_judge_healthy_samples() -> None:
    plan = load_plan(REPO / "plans" / "sandbox.yaml", env={})
    assert judge(frame(healthy()), plan.slos).status == "pass"


# ------------------------------------------------------------------- latency


def test_board_p95_over_threshold_fails_in_runbook_words() -> None:
    slow = rows("board", [300.0] * 90 + [912.0] * 10)
    verdict = judge(frame(slow, rows("drawer", [50.0] * 100)), SLOS)
    assert verdict.status == "fail" and not verdict.ok
    board = check(verdict, "board p95")
    assert board.status == "fail" and board.value == "912 ms"
    assert verdict.reason == "board p95 912 ms >= 800 ms"


def test_latency_exactly_at_threshold_fails() -> None:
    verdict = judge(frame(rows("board", [800.0] * 50), rows("drawer", [200.0] * 50)), SLOS)
    assert check(verdict, "board p95").status == "fail"
    assert check(verdict, "drawer mean").status == "fail"
    assert verdict.reason == "board p95 800 ms >= 800 ms; drawer mean 200 ms >= 200 ms"


def test_latency_just_below_threshold_passes_and_shows_the_difference() -> None:
    verdict = judge(frame(rows("board", [799.6] * 50), rows("drawer", [199.99] * 50)), SLOS)
    assert check(verdict, "board p95").status == "pass"
    assert check(verdict, "board p95").value == "799.6 ms"  # not '800 ms < 800 ms'
    assert check(verdict, "drawer mean").value == "199.99 ms"
    assert verdict.status == "pass"


def test_a_latency_threshold_in_seconds_compares_in_ms() -> None:
    custom = slos(latency=[{"name": "board", "path": "/b", "stat": "p50", "threshold": "0.3s"}])
    assert judge(frame(rows("board", [299.0] * 30)), custom).status == "pass"
    assert judge(frame(rows("board", [300.0] * 30)), custom).status == "fail"


@pytest.mark.parametrize(
    ("stat", "expected"),
    [
        ("mean", 50.5),
        ("p50", 50.5),
        ("p90", 90.1),
        ("p95", 95.05),
        ("p99", 99.01),
    ],
)
def test_latency_stats(stat: str, expected: float) -> None:
    assert latency_stat(np.arange(1.0, 101.0), stat) == pytest.approx(expected)


def test_each_slo_uses_its_own_stat() -> None:
    # drawer: mean 150 passes (< 200) although its p95 (1000) would not
    drawer = rows("drawer", [100.0] * 95 + [1000.0] * 5)
    mean_only = judge(frame(rows("board", [100.0] * 100), drawer), SLOS)
    assert check(mean_only, "drawer mean").value == "145 ms"
    assert mean_only.status == "pass"


def test_errors_do_not_count_as_latency_samples() -> None:
    # fast 500s must not drag the board p95 down under the threshold
    board = rows("board", [900.0] * 95) + rows("board", [1.0] * 5, status=500)
    verdict = judge(frame(board, rows("drawer", [50.0] * 1000)), SLOS)
    assert check(verdict, "board p95").value == "900 ms"
    assert check(verdict, "board p95").samples == 95


def test_4xx_are_successful_samples() -> None:
    verdict = judge(
        frame(rows("board", [100.0] * 30, status=404), rows("drawer", [50.0] * 30)), SLOS
    )
    assert check(verdict, "error rate").status == "pass"
    assert check(verdict, "board p95").samples == 30


def test_nan_latencies_are_not_samples() -> None:
    board = rows("board", [100.0] * 25) + rows("board", [float("nan")] * 10)
    verdict = judge(frame(board, rows("drawer", [50.0] * 30)), SLOS)
    assert check(verdict, "board p95").samples == 25
    assert_clean(verdict)


# ---------------------------------------------------------------- error rate


@pytest.mark.parametrize(
    ("errors", "total", "status", "value"),
    [
        (0, 200, "pass", "0.00 %"),
        (1, 250, "pass", "0.40 %"),
        (1, 200, "warn", "0.50 %"),  # exactly at the target: not a pass
        (3, 400, "warn", "0.75 %"),
        (2, 200, "fail", "1.00 %"),  # exactly at the limit: fails
        (14, 1000, "fail", "1.40 %"),
        (200, 200, "fail", "100.00 %"),
    ],
)
def test_error_rate_bands(errors: int, total: int, status: str, value: str) -> None:
    ok = total - errors
    samples = frame(
        rows("board", [100.0] * (ok // 2)),
        rows("drawer", [50.0] * (ok - ok // 2)),
        rows("board", [100.0] * errors, status=503),
    )
    result = check(judge(samples, SLOS), "error rate")
    assert (result.status, result.value, result.samples) == (status, value, total)


def test_error_rate_reasons() -> None:
    failing = frame(healthy(), rows("board", [5.0] * 14, status=500))
    verdict = judge(failing, SLOS)
    assert verdict.status == "fail"
    assert verdict.reason.startswith("error rate 6.54 % >= 1 %")
    one_in_200 = frame(
        rows("board", [100.0] * 99), rows("drawer", [50.0] * 100), rows("board", [5.0], status=500)
    )
    warning = judge(one_in_200, SLOS)
    assert warning.status == "warn" and warning.ok
    assert warning.reason == "error rate 0.50 % >= 0.5 % target (1 of 200 requests)"


def test_percent_thresholds_compare_without_float_noise() -> None:
    # 0.9/100 is 0.009000000000000001 in floats, 9/1000 is 0.009: still "at the target"
    custom = slos(target="0.9%", limit="1.1%", latency=[])
    at_target = frame(rows("board", [100.0] * 991), rows("board", [1.0] * 9, status=500))
    assert judge(at_target, custom).status == "warn"
    at_limit = frame(rows("board", [100.0] * 989), rows("board", [1.0] * 11, status=500))
    assert judge(at_limit, custom).status == "fail"


def test_transport_errors_count_as_errors() -> None:
    verdict = judge(frame(healthy(), rows("board", [10_000.0] * 5, status=0)), SLOS)
    assert check(verdict, "error rate").status == "fail"


# --------------------------------------------------------- too few samples


def test_empty_frames_are_inconclusive() -> None:
    for empty in (empty_samples(), pd.DataFrame(), pd.DataFrame(columns=list(SAMPLE_COLUMNS))):
        verdict = judge(empty, SLOS)
        assert verdict.status == "inconclusive" and not verdict.ok
        assert verdict.samples == 0
        assert {c.status for c in verdict.checks} == {"inconclusive"}
        assert check(verdict, "error rate").value == "no samples"
        assert check(verdict, "board p95").samples == 0
        assert_clean(verdict)


def test_one_sample_short_is_inconclusive_never_a_pass() -> None:
    verdict = judge(frame(rows("board", [100.0] * 10), rows("drawer", [50.0] * 9)), SLOS)
    assert verdict.status == "inconclusive"
    assert check(verdict, "error rate").detail == "error rate: 19 samples < 20 needed"
    assert check(verdict, "error rate").value == "0.00 %"  # shown, but not trusted


def test_exactly_min_samples_is_enough() -> None:
    verdict = judge(frame(rows("board", [100.0] * 20), rows("drawer", [50.0] * 20)), SLOS)
    assert verdict.status == "pass"


def test_a_latency_slo_with_too_few_samples_is_inconclusive() -> None:
    verdict = judge(frame(rows("board", [100.0] * 100), rows("drawer", [50.0] * 19)), SLOS)
    assert check(verdict, "error rate").status == "pass"
    drawer = check(verdict, "drawer mean")
    assert drawer.status == "inconclusive" and drawer.samples == 19 and drawer.value == "50 ms"
    assert verdict.status == "inconclusive"
    assert verdict.reason == "drawer mean: 19 successful samples < 20 needed"


def test_a_latency_slo_without_samples_is_inconclusive() -> None:
    verdict = judge(frame(rows("board", [100.0] * 100)), SLOS)
    assert check(verdict, "drawer mean").value == "no samples"
    assert verdict.status == "inconclusive"
    assert_clean(verdict)


def test_all_errors_fail_and_latency_is_inconclusive() -> None:
    verdict = judge(
        frame(rows("board", [3.0] * 50, status=503), rows("drawer", [3.0] * 50, status=0)), SLOS
    )
    assert verdict.status == "fail"
    assert check(verdict, "error rate").value == "100.00 %"
    assert check(verdict, "board p95").status == "inconclusive"
    assert check(verdict, "drawer mean").samples == 0
    assert verdict.reason.startswith("error rate 100.00 % >= 1 %")
    assert_clean(verdict)


# ------------------------------------------------------------- worst wins


def test_fail_beats_inconclusive() -> None:
    verdict = judge(frame(rows("board", [900.0] * 40), rows("drawer", [50.0] * 3)), SLOS)
    assert check(verdict, "drawer mean").status == "inconclusive"
    assert verdict.status == "fail"
    assert verdict.reason == "board p95 900 ms >= 800 ms"


def test_inconclusive_beats_warn() -> None:
    samples = frame(
        rows("board", [100.0] * 194), rows("board", [1.0], status=500), rows("drawer", [50.0] * 5)
    )
    verdict = judge(samples, SLOS)
    assert check(verdict, "error rate").status == "warn"
    assert verdict.status == "inconclusive"


def test_no_latency_slos_judges_the_error_rate_alone() -> None:
    verdict = judge(frame(rows("health", [3.0] * 30)), slos(latency=[]))
    assert [c.name for c in verdict.checks] == ["error rate"]
    assert verdict.status == "pass"


# ---------------------------------------------------------------- versions


def test_version_filter_judges_one_version() -> None:
    stable = healthy(100, version="stable")
    canary = rows("board", [950.0] * 30, version="canary") + rows(
        "drawer", [60.0] * 30, version="canary"
    )
    samples = frame(stable, canary)
    assert judge(samples, SLOS).status == "fail"  # pooled, the canary's board breaches
    assert judge(samples, SLOS, version="stable").status == "pass"
    canary_verdict = judge(samples, SLOS, version="canary")
    assert canary_verdict.status == "fail"
    assert canary_verdict.samples == 60 and canary_verdict.version == "canary"
    assert canary_verdict.reason == "canary: board p95 950 ms >= 800 ms"


def test_a_version_without_samples_is_inconclusive() -> None:
    verdict = judge(frame(healthy(version="stable")), SLOS, version="canary")
    assert verdict.status == "inconclusive" and verdict.samples == 0
    assert_clean(verdict)


def test_few_canary_samples_are_inconclusive_even_if_stable_has_plenty() -> None:
    samples = frame(healthy(version="stable"), rows("board", [100.0] * 5, version="canary"))
    assert judge(samples, SLOS, version="canary").status == "inconclusive"


# ------------------------------------------------------------------ inputs


def test_missing_columns_are_an_error() -> None:
    with pytest.raises(ValueError, match="error"):
        judge(pd.DataFrame({"slo": ["board"], "latency_ms": [1.0]}), SLOS)
    with pytest.raises(ValueError, match="version"):
        judge(
            pd.DataFrame({"slo": ["board"], "latency_ms": [1.0], "error": [False]}),
            SLOS,
            version="canary",
        )


def test_the_input_frame_is_not_modified() -> None:
    samples = frame(healthy())
    before = samples.copy()
    judge(samples, SLOS, version="stable")
    pd.testing.assert_frame_equal(samples, before)
