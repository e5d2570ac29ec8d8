"""The plan's `probe:` section (the SLO probe's load, and where it finds ids for paths) and its
`metrics:` section (which metric source measures the SLOs).

`ProbeConfig` says how many requests an evaluation sends, how many at once and at what
rate, and how much client lag it tolerates; `IdSource` is the endpoint whose response
lists the values put for {id} in paths (by the probe and the smoke checks).
"""

from __future__ import annotations

from pydantic import ConfigDict, Field, field_validator

from blocks.plan.base import _Model
from blocks.plan.errors import PlanValueError
from blocks.plan.strings import JsonPath, Slug, UrlPath
from blocks.plan.units import PositiveLatency, RequestRate


class IdSource(_Model):
    """Where the probe finds values for {id} in paths."""

    path: UrlPath
    json_path: JsonPath

    @field_validator("path")
    @classmethod
    def _no_placeholder(cls, path: str) -> str:
        if "{id}" in path:
            raise PlanValueError(path, "a path without {id}: it is where ids come from")
        return path


class ProbeConfig(_Model):
    """The SLO probe's load: `requests_per_evaluation` in all, at most `concurrency` in flight and, with
    `rate`, sent open-loop at that many requests per second (the concurrency still caps it). The probe
    measures its own lag; if it could move an SLO's number by more than `max_client_lag` (by
    default a tenth of that SLO's threshold), an evaluation is inconclusive, never failed."""

    requests_per_evaluation: int = Field(200, ge=1)
    concurrency: int = Field(16, ge=1)
    rate: RequestRate | None = None  # None: closed loop, the next request as soon as one returns
    max_client_lag: PositiveLatency | None = (
        None  # None: a tenth of each SLO's threshold (client_lag_bounds_ms)
    )
    id_source: IdSource | None = None


class MetricsConfig(_Model):
    """Which metric source measures the SLOs: `kind` names one (tasks/metrics/registry.py knows them and
    checks its settings: under the kind's own key, except the probe's, which are the top-level `probe:`)."""

    model_config = ConfigDict(
        extra="allow", frozen=True
    )  # a kind's own section: its registry entry checks it

    kind: Slug = "probe"
