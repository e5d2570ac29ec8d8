"""Properties of the judges (hypothesis): more bad evidence never makes a failing verdict pass,
too few samples never pass, a saturated probe never passes and fails only on the server's 5xx answers,
and a lag within the bound changes no verdict."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from blocks.plan import load_plan
from golive.core.judge import judge, judge_canary

PLAN = load_plan("plans/sandbox.yaml", env={})
SLOS = PLAN.slos
COMPARE = PLAN.canary.compare_with_stable
THRESHOLDS = {slo.name: float(slo.threshold) for slo in SLOS.latency}

latency = st.floats(min_value=1, max_value=3000, allow_nan=False)
errors_now_and_then = st.sampled_from([False] * 9 + [True])
sample = st.tuples(st.sampled_from(list(THRESHOLDS)), latency, errors_now_and_then)
samples = st.lists(sample, min_size=0, max_size=150)
# a bad sample: at least 1.5x its SLO's threshold, or a server error
bad_sample = st.one_of(
    st.tuples(
        st.sampled_from(list(THRESHOLDS)), st.floats(min_value=1.5, max_value=10), st.just(False)
    ).map(lambda t: (t[0], THRESHOLDS[t[0]] * t[1], False)),
    st.tuples(st.sampled_from(list(THRESHOLDS)), latency, st.just(True)),
)


def frame(rows: list[tuple[str, float, bool]], version: str = "canary") -> pd.DataFrame:
    return pd.DataFrame(
        {
            "ts": [float(i) for i in range(len(rows))],
            "slo": [r[0] for r in rows],
            "path": ["/x"] * len(rows),
            "status": [500 if r[2] else 200 for r in rows],
            "latency_ms": [r[1] for r in rows],
            "error": [r[2] for r in rows],
            "version": [version] * len(rows),
            "release": ["v"] * len(rows),
        }
    )


@settings(max_examples=150, deadline=None)
@given(samples, st.lists(bad_sample, min_size=1, max_size=60))
def test_adding_bad_samples_never_turns_a_fail_into_a_pass(rows, bad) -> None:  # noqa: ANN001
    before = judge(frame(rows), SLOS)
    after = judge(frame(rows + bad), SLOS)
    if before.status == "fail":
        assert after.status == "fail"
    if before.status != "pass":
        assert after.status != "pass"


@settings(max_examples=100, deadline=None)
@given(samples, samples, st.lists(bad_sample, min_size=1, max_size=60))
def test_canary_judge_more_bad_canary_samples_never_pass(canary, stable, bad) -> None:  # noqa: ANN001
    both = pd.concat([frame(canary), frame(stable, "stable")], ignore_index=True)
    worse = pd.concat([frame(canary + bad), frame(stable, "stable")], ignore_index=True)
    before = judge_canary(both, SLOS, COMPARE, step=30)
    after = judge_canary(worse, SLOS, COMPARE, step=30)
    if before.status != "pass":
        assert after.status != "pass", (before.reason, after.reason)


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(list(THRESHOLDS)), st.floats(min_value=1, max_value=50), st.just(False)
        ),
        max_size=SLOS.min_samples - 1,
    )
)
def test_too_few_samples_never_pass(rows) -> None:  # noqa: ANN001
    assert judge(frame(rows), SLOS).status == "inconclusive"
    assert judge_canary(frame(rows), SLOS, COMPARE, step=10).status != "pass"


BOUNDS = PLAN.client_lag_bounds_ms  # a tenth of each threshold: board p95 80 ms, drawer mean 20 ms
over_the_bound = st.floats(min_value=max(BOUNDS.values()) * 1.01, max_value=5000, allow_nan=False)
within_the_bound = st.floats(min_value=0, max_value=min(BOUNDS.values()), allow_nan=False)


@settings(max_examples=100, deadline=None)
@given(samples, samples, over_the_bound)
def test_a_saturated_probe_never_passes_and_fails_only_on_5xx_answers(canary, stable, lag) -> None:  # noqa: ANN001
    both = pd.concat([frame(canary), frame(stable, "stable")], ignore_index=True).assign(
        client_lag_ms=lag
    )
    unanswered = both.assign(
        status=np.where(both["error"], 0, 200)
    )  # the same errors as no response at all
    for samples_ in (both, unanswered):
        for verdict in (judge(samples_, SLOS), judge_canary(samples_, SLOS, COMPARE, step=30)):
            probe_check = [c for c in verdict.checks if c.name == "probe client lag"]
            if not probe_check or probe_check[0].status == "pass":
                continue  # the lag could not move any number past the bound (latencies under it): judged as ever
            assert verdict.status != "pass"
            failed = [c.name for c in verdict.checks if c.status == "fail"]
            if (
                samples_ is unanswered
            ):  # which a starved client's timeouts could be: never a failure
                assert verdict.status == "inconclusive" and verdict.reason.startswith(
                    "probe saturated: "
                )
            else:
                assert failed in ([], ["error rate"]), verdict.reason  # the server's own 500s only


@settings(max_examples=50, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(list(THRESHOLDS)),
            st.floats(min_value=200, max_value=3000),
            st.just(False),
        ),
        min_size=1,
        max_size=100,
    ),
    st.floats(min_value=max(BOUNDS.values()) * 1.01, max_value=150),
)
def test_a_lag_over_the_bound_on_every_request_saturates(rows, lag) -> None:  # noqa: ANN001
    verdict = judge(
        frame(rows).assign(client_lag_ms=lag), SLOS
    )  # every latency above the lag: moved by all of it
    assert verdict.status == "inconclusive" and verdict.reason.startswith("probe saturated: ")


@settings(max_examples=100, deadline=None)
@given(samples, samples, within_the_bound)
def test_lag_within_the_bound_changes_no_verdict(canary, stable, lag) -> None:  # noqa: ANN001
    both = pd.concat([frame(canary), frame(stable, "stable")], ignore_index=True)
    lagged = both.assign(client_lag_ms=lag)
    pairs = (
        (judge(lagged, SLOS), judge(both, SLOS)),
        (judge_canary(lagged, SLOS, COMPARE, step=30), judge_canary(both, SLOS, COMPARE, step=30)),
    )
    for measured, unknown in pairs:
        assert (measured.status, measured.reason) == (unknown.status, unknown.reason)
