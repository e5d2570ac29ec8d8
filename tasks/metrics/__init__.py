"""Metric sources: where the SLO judge's samples come from, chosen by the plan's `metrics.kind`.

A source is one module declaring one entry (`MetricsSource` below: its kind, its plan
settings, how it describes itself, `collect`); `tasks/metrics/registry.py` lists the
entries, and every place that measures SLOs (the canary's evaluations, Gate A's staging
probe, Gate G's checkpoints, the health check, `rollback/validate`) asks it for the plan's
source. The sources: `probe` (`probe.py`), and the counting sources `prometheus` and
`cloudwatch`, which judge the canary on real traffic's counts (`counting.py`) and probe elsewhere.
`CloudWatchSummary` (`cloudwatch.py`) is a summary reader, not a source.

Each source returns one row per observed request in the same columns, so
`golive.core.judge` does not care who measured:

| column | type | meaning |
|---|---|---|
| ts | float | epoch seconds when the request started |
| slo | str | the latency SLO the request measured (its `name` in the plan) |
| path | str | the path requested, `{id}` filled in |
| status | int | HTTP status; 0 when there was no response |
| latency_ms | float | time to the last byte (or to the transport error) |
| error | bool | status >= 500 or no response |
| version | str | the version that served it (the plan's version header), "unknown" if not said |
| release | str | the release that served it (the plan's release header), "unknown" if not said |
| client_lag_ms | float | the worst event-loop stall of the measuring client while the request was in flight |
| send_lag_ms | float | how late the request left against when it was due |

Both are in ms and NaN when the source cannot know (a source that reads a server's logs, an older CSV). `client_lag_ms`
bounds how much the client itself may have added to `latency_ms` (a response that arrived
during a stall waited for it): `golive.core.probe_health` judges it against the plan's bound
("probe saturated"). `send_lag_ms` is measured from the request's place in the rate schedule,
or from the moment a concurrency slot freed for it, whichever is later (waiting for a slot is
the server's time); it does not change a latency, so it is shown, not judged.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol, runtime_checkable

if (
    TYPE_CHECKING
):  # pandas only where samples are made: a plan check (and an emergency rollback) loads this
    import pandas as pd

    from blocks.plan import Environment, LaunchPlan, Problem

__all__ = ["SAMPLE_COLUMNS", "MetricsSource", "empty_samples", "samples_frame"]

SAMPLE_COLUMNS: dict[str, str] = {
    "ts": "float64",
    "slo": "object",
    "path": "object",
    "status": "int64",
    "latency_ms": "float64",
    "error": "bool",
    "version": "object",
    "release": "object",
    "client_lag_ms": "float64",
    "send_lag_ms": "float64",
}


@runtime_checkable
class MetricsSource(Protocol):
    """One kind of metric source, as its module declares it (no state: the plan says what to measure)."""

    @property
    def kind(self) -> str:
        """The name a plan's `metrics.kind` chooses it by."""
        ...

    @property
    def settings(self) -> str:
        """Where its settings are in the plan: `metrics.<kind>`, or a top-level section (the probe's `probe`)."""
        ...

    def problems(self, plan: LaunchPlan) -> list[Problem]:
        """What in the plan's settings for this source cannot work, each at its field; [] if good; no I/O."""
        ...

    def describe(self, plan: LaunchPlan) -> str:
        """One line for `golive plan check`: what it measures and with which settings, never a secret."""
        ...

    def collect(self, plan: LaunchPlan, environment: Environment) -> pd.DataFrame:
        """One evaluation's samples of `environment` in exactly SAMPLE_COLUMNS: no rows if there was
        nothing to measure; error rows or an exception, never no rows, if it could not reach it."""
        ...


def samples_frame(rows: list[dict[str, object]]) -> pd.DataFrame:
    """Rows -> a frame with exactly SAMPLE_COLUMNS and their dtypes (also when there are no rows).

    A row without `client_lag_ms` (a source that cannot know it) gets NaN there."""
    import pandas as pd

    frame = pd.DataFrame(rows, columns=list(SAMPLE_COLUMNS))
    return frame.astype(SAMPLE_COLUMNS)


def empty_samples() -> pd.DataFrame:
    return samples_frame([])
