"""Metrics sources: where the SLO judge's samples come from (the probe now; CloudWatch later).

Each source returns one row per observed request in the same columns, so
`golive.judge` does not care who measured:

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
| client_lag_ms | float | the most the measuring client itself held the request up; NaN if the source cannot know |

`client_lag_ms` is the longer of how late the request left against when it was due (its place in
the rate schedule, or a free concurrency slot) and the worst event-loop stall from then until its
response was read: an upper bound on how much the client inflated `latency_ms` or shifted the
request off its schedule. `golive.probe_health` turns it into the "probe saturated" verdict.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

import pandas as pd

__all__ = ["SAMPLE_COLUMNS", "MetricsSource", "empty_samples", "samples_frame"]

SAMPLE_COLUMNS: dict[str, str] = {
    "ts": "float64", "slo": "object", "path": "object", "status": "int64",
    "latency_ms": "float64", "error": "bool", "version": "object", "release": "object",
    "client_lag_ms": "float64",
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
