"""The one alarm rule (golive.core.alarms): only a state that says "not firing" passes."""

from __future__ import annotations

import numpy as np
import pytest

from blocks.plan import load_plan
from golive.core.alarms import MISSING, alarm_checks
from golive.core.judge import judge_canary
from tasks.metrics import samples_frame

PLAN = load_plan("plans/sandbox.yaml", env={})


@pytest.mark.parametrize(
    ("state", "status", "detail"),
    [
        ("OK", "pass", "alarm a OK"),
        ("INSUFFICIENT_DATA", "pass", "alarm a has insufficient data (not firing)"),
        ("ALARM", "fail", "alarm a is in ALARM"),
        (
            MISSING,
            "fail",
            "alarm a: CloudWatch has no alarm of that name (misspelt or deleted): cannot be proven quiet",
        ),
        ("PENDING", "fail", "alarm a: unknown state 'PENDING': cannot be proven quiet"),
    ],
)
def test_each_state(state: str, status: str, detail: str) -> None:
    [check] = alarm_checks({"a": state})
    assert (check.name, check.status, check.value, check.detail) == (
        "alarm a",
        status,
        state,
        detail,
    )
    assert check.threshold == "OK or INSUFFICIENT_DATA"


def test_one_check_per_alarm_in_plan_order_and_none_without_alarms() -> None:
    checks = alarm_checks({"z-latency": "OK", "a-5xx": MISSING})
    assert [(c.name, c.status) for c in checks] == [
        ("alarm z-latency", "pass"),
        ("alarm a-5xx", "fail"),
    ]
    assert alarm_checks({}) == [] and alarm_checks(None) == []


def test_a_missing_alarm_fails_the_canary_on_healthy_samples() -> None:
    # Was inconclusive in the canary judge (and so baked on): now it fails there as in Gate B.
    rng = np.random.default_rng(3)
    rows = [
        {
            "ts": float(i),
            "slo": slo.name,
            "path": slo.path,
            "status": 200,
            "latency_ms": float(rng.uniform(5, 20)),
            "error": False,
            "version": "canary",
            "release": "v2",
            "client_lag_ms": 0.0,
            "send_lag_ms": 0.0,
        }
        for i in range(60)
        for slo in PLAN.slos.latency
    ]
    healthy = judge_canary(
        samples_frame(rows), PLAN.slos, PLAN.canary.compare_with_stable, {}, step=100
    )
    assert healthy.status == "pass", healthy.reason
    verdict = judge_canary(
        samples_frame(rows),
        PLAN.slos,
        PLAN.canary.compare_with_stable,
        {"statusboard-5xx": "OK", "statusboard-typo": MISSING},
        step=100,
    )
    assert verdict.status == "fail"
    assert "alarm statusboard-typo" in verdict.reason
