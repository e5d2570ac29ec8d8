"""The plan's `scenarios:` section: Gate G's end-to-end flows.

A `Scenario` is named steps run in order; a `ScenarioStep` is one request (`_Request`,
shared with smoke checks) whose path and body may use variables earlier steps captured
from their responses, and what its response must show.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Self

from pydantic import Field, model_validator

from blocks.plan.base import _Model
from blocks.plan.errors import _Checks
from blocks.plan.smoke import _Request
from blocks.plan.strings import JsonPath, Slug, TemplatePath


class ScenarioStep(_Request):
    """One request of an end-to-end scenario and what its response must show.

    A body value that is exactly "{name}" sends the variable with its type."""

    path: TemplatePath  # may use {id} and any variable an earlier step captured
    expect_status: int = Field(200, ge=100, le=599)
    json_fields: list[JsonPath] = Field(default_factory=list)  # must exist
    capture: dict[Slug, JsonPath] = Field(default_factory=dict)  # variable -> where in the response
    expect_equal: dict[JsonPath, Any] = Field(
        default_factory=dict
    )  # the first value there equals this
    expect_includes: dict[JsonPath, Any] = Field(
        default_factory=dict
    )  # one of the values there equals this

    @model_validator(mode="after")
    def _body_needs_a_body_method(self) -> Self:
        checks = _Checks()
        self._check_body(checks)
        checks.raise_any()
        return self


class Scenario(_Model):
    """An end-to-end flow of the runbook's Gate G checklist, run at every checkpoint."""

    name: Slug
    description: str = ""
    steps: list[ScenarioStep] = Field(min_length=1)

    def problems(self, has_ids: bool) -> Iterator[tuple[tuple[str | int, ...], Any, str]]:
        """Each use of a variable no earlier step captured (nor the id source provides)."""
        from string import Formatter

        def used(template: Any) -> set[str]:
            if isinstance(template, str):
                try:
                    return {f for _, f, _, _ in Formatter().parse(template) if f}
                except ValueError:
                    return set()
            if isinstance(template, dict):
                return set().union(set(), *(used(k) | used(v) for k, v in template.items()))
            if isinstance(template, list):
                return set().union(set(), *(used(v) for v in template))
            return set()

        known = {"id"} if has_ids else set()
        for index, step in enumerate(self.steps):
            for field, template in (
                ("path", step.path),
                ("body", step.body),
                ("expect_equal", step.expect_equal),
                ("expect_includes", step.expect_includes),
            ):
                for name in sorted(
                    used(template) - known - set(step.capture)
                    if field.startswith("expect")
                    else used(template) - known
                ):
                    yield (
                        ("steps", index, field),
                        template,
                        f"uses {{{name}}}, which no earlier step captures"
                        + ("" if has_ids or name != "id" else " ({id} needs probe.id_source)"),
                    )
            known |= set(step.capture)
