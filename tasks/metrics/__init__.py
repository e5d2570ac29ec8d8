"""Metrics sources: where the SLO judge's samples come from (the probe now; CloudWatch later).

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

Both are in ms and NaN when the source cannot know (CloudWatch, an older CSV). `client_lag_ms`
bounds how much the client itself may have added to `latency_ms` (a response that arrived
during a stall waited for it): `golive.core.probe_health` judges it against the plan's bound
("probe saturated"). `send_lag_ms` is measured from the request's place in the rate schedule,
or from the moment a concurrency slot freed for it, whichever is later (waiting for a slot is
the server's time); it does not change a latency, so it is shown, not judged.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

import pandas as pd

__all__ = ["SAMPLE_COLUMNS", "MetricsSource", "empty_samples", "samples_frame"]

SAMPLE_COLUMNS: dict[str, str] = {
    "ts": "float64", "slo": "object", "path": "object", "status": "int64",
    "latency_ms": "float64", "error": "bool", "version": "object", "release": "object",
    "client_lag_ms": "float64", "send_lag_ms": "float64",
}


@runtime_checkable
class MetricsSource(Protocol):
    def collect(self) -> pd.DataFrame:
        """Samples for one evaluation, in SAMPLE_COLUMNS."""
        ...


def samples_frame(rows: list[dict[str, object]]) -> pd.DataFrame:
    """Rows -> a frame with exactly SAMPLE_COLUMNS and their dtypes (also when there are no rows).

    A row without `client_lag_ms` (a source that cannot know it) gets NaN there."""
    frame = pd.DataFrame(rows, columns=list(SAMPLE_COLUMNS))
    return frame.astype(SAMPLE_COLUMNS)


def empty_samples() -> pd.DataFrame:
    return samples_frame([])
