"""golive.core.canary_sight: what one canary evaluation can see, from the plan alone (pure)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from blocks.plan import LaunchPlan, load_plan, read_plan_file, validate_plan
from golive.core.canary_sight import canary_sights, sight_warnings, smallest_detectable_error_rate
from golive.core.judge import judge_canary

PLANS = Path(__file__).resolve().parents[2] / "plans"
SANDBOX = load_plan(PLANS / "sandbox.yaml", env={})


def error_rate_status(n: int, errors: int, plan: LaunchPlan = SANDBOX) -> str:
    """The canary judge's own error-rate verdict on n canary requests with `errors` of them failed."""
    names = [slo.name for slo in plan.slos.latency]
    rows = [
        {"slo": names[i % len(names)], "latency_ms": 1.0, "error": i < errors, "version": "canary"}
        for i in range(n)
    ]
    verdict = judge_canary(pd.DataFrame(rows), plan.slos, plan.canary.compare_with_stable, step=100)
    return next(c.status for c in verdict.checks if c.name == "error rate")


@pytest.mark.parametrize("n", [10, 25, 50, 120, 600])
def test_the_detectable_rate_is_the_judges_own_line(n: int) -> None:
    limit = SANDBOX.slos.error_rate.limit
    rate = smallest_detectable_error_rate(n, limit)
    assert rate is not None
    k = round(rate * n)
    assert error_rate_status(n, k) == "fail"  # k errors fail the evaluation ...
    assert error_rate_status(n, k - 1) != "fail"  # ... one fewer does not


def test_known_values() -> None:
    assert smallest_detectable_error_rate(25, 0.01) == pytest.approx(4 / 25)
    assert smallest_detectable_error_rate(2, 0.01) == 1.0  # 2 of 2: p = 1e-4 < 0.001
    assert smallest_detectable_error_rate(1, 0.01) is None  # 1 of 1: p = 0.01, not significant
    assert smallest_detectable_error_rate(0, 0.01) is None
    assert smallest_detectable_error_rate(25, 0.01, alpha=0.05) == pytest.approx(2 / 25)


def test_sights_per_step() -> None:
    first, *_, last = canary_sights(SANDBOX)  # 250 requests, two latency SLOs, min_samples 20
    assert (first.step, first.requests, first.per_endpoint, first.window) == (10, 25, 12.5, 2)
    assert first.judged == 50 and first.detectable == pytest.approx(5 / 50)
    assert (last.step, last.requests, last.window, last.judged) == (100, 250, 1, 250)
    assert last.detectable == pytest.approx(10 / 250)


def with_probe(requests: int) -> LaunchPlan:
    raw = read_plan_file(PLANS / "sandbox.yaml")
    raw["probe"]["requests_per_evaluation"] = requests
    return validate_plan(raw, env={})


def test_warnings_say_what_an_evaluation_cannot_see() -> None:
    warnings = sight_warnings(SANDBOX)
    assert warnings[0].startswith(
        "canary 10%: ~12.5 probe requests per latency SLO endpoint reach the canary per interval, "
        "below slos.min_samples (20): each evaluation judges the last 2 intervals together"
    )
    assert warnings[-1].startswith(
        "slos.error_rate: one evaluation proves a breach of the 1 % limit only from 10 % at 10% (~50 requests)"
    )
    assert len(warnings) == 2


def test_enough_requests_leave_nothing_to_warn_about() -> None:
    assert sight_warnings(with_probe(20_000)) == []


def test_too_few_requests_prove_nothing() -> None:
    warnings = sight_warnings(with_probe(1))  # 0.1 requests per interval at 10 %, 3 intervals
    assert any(w.startswith("canary 10%: ") and "the step cannot pass" in w for w in warnings), (
        warnings
    )
    assert any("cannot prove any error rate over the 1 % limit" in w for w in warnings), warnings
