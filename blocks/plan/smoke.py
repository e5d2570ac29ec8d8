"""The plan's `smoke:` section: the suites of HTTP checks run against an environment.

A `SmokeCheck` is one request and what its response must show (status, JSON fields,
headers, latency); `SmokeConfig` holds the named suites. `_Request` is what a smoke check
shares with a scenario step (`scenarios.py`): the method and the JSON body.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Literal, Self

from pydantic import Field, field_validator, model_validator

from blocks.plan.base import _Model, _unique_field
from blocks.plan.errors import _MISSING, PlanValueError, _Checks
from blocks.plan.strings import BlockName, HeaderName, JsonPath, NonEmpty, PlaceholderPath, Slug

HttpMethod = Literal["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"]
_BODY_METHODS = ("POST", "PUT", "PATCH")


class _Request(_Model):
    """What smoke checks and scenario steps share: an HTTP method (any case) and a JSON body."""

    method: HttpMethod = "GET"
    body: Any = None  # JSON, for POST/PUT/PATCH

    @field_validator("method", mode="before")
    @classmethod
    def _upper_method(cls, method: Any) -> Any:
        return method.upper() if isinstance(method, str) else method

    def _check_body(self, checks: _Checks) -> None:
        if self.body is not None and self.method not in _BODY_METHODS:
            checks.fail(
                "body", self.body, f"a body is only sent with POST, PUT or PATCH, not {self.method}"
            )


class SmokeCheck(_Request):
    name: Slug
    target: Literal["site", "api"] = "api"  # site = env.url, api = env.api_base_url
    path: PlaceholderPath  # {id} and the other names probe.id_source captures
    expect_status: int = Field(200, ge=100, le=599)
    json_fields: list[JsonPath] = Field(default_factory=list)  # must exist in the JSON body
    headers: dict[HeaderName, str] = Field(
        default_factory=dict
    )  # header -> required substring ("" = present)
    max_latency_ms: float | None = Field(None, gt=0)
    auth: Literal["none", "sigv4", "bearer"] = "none"
    bearer_secret_block: BlockName | None = None  # a Prefect Secret block

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        checks = _Checks()
        if self.auth == "bearer" and self.bearer_secret_block is None:
            checks.fail("bearer_secret_block", _MISSING, "required when auth is 'bearer'")
        if self.auth != "bearer" and self.bearer_secret_block is not None:
            checks.fail(
                "bearer_secret_block", self.bearer_secret_block, "only used when auth is 'bearer'"
            )
        self._check_body(checks)
        checks.raise_any()
        return self


class SmokeConfig(_Model):
    suites: dict[NonEmpty, list[SmokeCheck]]  # suite name -> checks, run in order

    @field_validator("suites")
    @classmethod
    def _some_suites(cls, suites: dict[str, list[SmokeCheck]]) -> dict[str, list[SmokeCheck]]:
        if not suites:
            raise PlanValueError(suites, "at least one suite, such as infrastructure: [...]")
        return suites

    @model_validator(mode="after")
    def _suites_well_formed(self) -> Self:
        checks = _Checks()
        for name, suite in self.suites.items():
            if not suite:
                checks.fail(("suites", name), suite, "at least one check per suite")
            _unique_field(checks, suite, "name", ("suites", name), "check names within a suite")
        checks.raise_any()
        return self

    def all_checks(self) -> Iterator[tuple[str, int, SmokeCheck]]:
        for name, suite in self.suites.items():
            for index, check in enumerate(suite):
                yield name, index, check
