"""The plan's `scenarios:` section: Gate G's end-to-end flows.

A `Scenario` is named steps run in order; a `ScenarioStep` is one request (`_Request`,
shared with smoke checks) whose path and body may use variables earlier steps captured
from their responses, and what its response must show, including how a value compares
with one an earlier step captured (`expect_changed`, `expect_greater`, and `expect_equal`
or `expect_includes` with a "{name}" value).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Self

from pydantic import Field, model_validator

from blocks.plan.base import _Model
from blocks.plan.errors import _Checks
from blocks.plan.smoke import _Request
from blocks.plan.strings import (
    PLACEHOLDER,
    JsonPath,
    Slug,
    TemplatePath,
    template_placeholders,
)


def whole_placeholder(value: Any) -> str | None:
    """'version' for exactly "{version}"; None for anything else (a literal, "v{version}")."""
    match = PLACEHOLDER.fullmatch(value) if isinstance(value, str) else None
    return match[1] if match else None


class ScenarioStep(_Request):
    """One request of an end-to-end scenario and what its response must show.

    A body value that is exactly "{name}" sends the variable with its type; an `expect_equal`
    or `expect_includes` value that is exactly "{name}" is compared with the variable's value
    and type (3 is not "3"). `expect_changed` and `expect_greater` compare the first value at
    a path with a variable an earlier step captured ("{version}"); `expect_greater` may also
    name a number."""

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
    expect_changed: dict[JsonPath, str] = Field(
        default_factory=dict
    )  # the first value there differs from this earlier step's "{variable}"
    expect_greater: dict[JsonPath, Any] = Field(
        default_factory=dict
    )  # the first value there is a number above this: a number or an earlier "{variable}"

    @model_validator(mode="after")
    def _well_formed(self) -> Self:
        checks = _Checks()
        self._check_body(checks)
        for path, value in self.expect_changed.items():
            if whole_placeholder(value) is None:
                checks.fail(
                    ("expect_changed", path),
                    value,
                    "a variable an earlier step captured, written as '{version}'",
                )
        for path, value in self.expect_greater.items():
            number = isinstance(value, int | float) and not isinstance(value, bool)
            if not number and whole_placeholder(value) is None:
                checks.fail(
                    ("expect_greater", path),
                    value,
                    "a number, or a variable an earlier step captured, written as '{version}'",
                )
        checks.raise_any()
        return self


class Scenario(_Model):
    """An end-to-end flow of the runbook's Gate G checklist, run at every checkpoint."""

    name: Slug
    description: str = ""
    steps: list[ScenarioStep] = Field(min_length=1)

    def problems(self, provided: set[str]) -> Iterator[tuple[tuple[str | int, ...], Any, str]]:
        """Each use of a variable no earlier step captured (nor the id source `provided`)."""
        known = set(provided)
        for index, step in enumerate(self.steps):
            for field, template in (
                ("path", step.path),
                ("body", step.body),
                ("expect_equal", step.expect_equal),
                ("expect_includes", step.expect_includes),
                ("expect_changed", step.expect_changed),
                ("expect_greater", step.expect_greater),
            ):
                # equal/includes may name this step's own captures; a change or a rise is against an earlier step
                same_step = (
                    set(step.capture) if field in ("expect_equal", "expect_includes") else set()
                )
                for name in sorted(template_placeholders(template) - known - same_step):
                    yield (
                        ("steps", index, field),
                        template,
                        f"uses {{{name}}}, which no earlier step captures"
                        + (
                            " ({id} needs probe.id_source)"
                            if name == "id" and "id" not in provided
                            else ""
                        ),
                    )
            known |= set(step.capture)
