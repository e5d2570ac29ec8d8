"""The plan's `probe:` section (the SLO probe's load, and where it finds ids for paths) and its
`metrics:` section (which metric source measures the SLOs).

`ProbeConfig` says how many requests an evaluation sends, how many at once and at what
rate, and how much client lag it tolerates; `IdSource` is the endpoint whose response
lists the values put for {id} and the other placeholders ({sku}) in paths (by the probe,
the smoke checks and the scenarios).
"""

from __future__ import annotations

from typing import Self

from pydantic import ConfigDict, Field, field_validator, model_validator

from blocks.plan.base import _Model
from blocks.plan.errors import _MISSING, PlanValueError, _Checks
from blocks.plan.strings import JsonPath, PlaceholderName, Slug, UrlPath
from blocks.plan.units import PositiveLatency, RequestRate


class IdSource(_Model):
    """Where the probe finds values for the placeholders in paths: one GET of `path`, then {id}
    at `json_path` and each of `captures` ({sku: "[*].sku"}) at its own JSON path.

    A request's values come from one record: paths that share a prefix up to a `[*]` (or a
    `[key=value]` filter) take their values from the same item there (`[*].sku` and
    `[*].location.shelf`: one item's sku and its shelf); paths that part before any wildcard
    are drawn independently (golive/core/captures.py)."""

    path: UrlPath
    json_path: JsonPath | None = None  # {id}
    captures: dict[PlaceholderName, JsonPath] = Field(default_factory=dict)  # {name} -> JSON path

    @field_validator("path")
    @classmethod
    def _no_placeholder(cls, path: str) -> str:
        if "{id}" in path:
            raise PlanValueError(path, "a path without {id}: it is where ids come from")
        return path

    @model_validator(mode="after")
    def _something_to_capture(self) -> Self:
        checks = _Checks()
        if self.json_path is None and not self.captures:
            checks.fail(
                "json_path",
                _MISSING,
                "required unless captures names the values to take, such as {sku: '[*].sku'}",
            )
        if self.json_path is not None and "id" in self.captures:
            checks.fail(
                ("captures", "id"),
                self.captures["id"],
                f"{{id}} is already json_path's ({self.json_path!r}): give it once",
            )
        checks.raise_any()
        return self

    @property
    def paths(self) -> dict[str, str]:
        """Placeholder name -> JSON path: {id} from json_path, then the captures."""
        return ({"id": self.json_path} if self.json_path is not None else {}) | dict(self.captures)


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
