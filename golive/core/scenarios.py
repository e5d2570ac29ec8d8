"""End-to-end scenarios (the runbook's Gate G checklist) as data: fill a step's templates
with the variables so far, then judge its response (pure: no I/O).

A scenario is a list of HTTP steps. A step may `capture` values from its JSON response
into variables (`{version}`), and later steps use them in their path or body. `{id}`
is an appointment id from the plan's id source. A body value that is exactly one
placeholder keeps the variable's type (`version: "{version}"` sends a number).

Comparisons with a variable: an `expect_equal` or `expect_includes` value that is exactly
"{name}" matches the variable's value with its JSON type (3 is not "3", true is not 1; 3 is
3.0); `expect_changed` wants the first value at its path to differ from the variable's,
`expect_greater` a number above it (or above a literal number). Values from the id source
(`{id}`, `{sku}`) are path text, so they are compared as text (`as_text`): 3 matches "3".
A literal expected value is compared as text too, as it always was. Each problem says the
value before (the variable's) and the value now.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterator, Mapping
from typing import Any

from blocks.plan import PLACEHOLDER as _PLACEHOLDER
from blocks.plan import template_placeholders, whole_placeholder
from golive.core import jsonpath


def placeholders(template: Any) -> set[str]:
    """Every {name} a template (string, list or dict, nested) uses."""
    return template_placeholders(template)


def fill(template: Any, variables: Mapping[str, Any]) -> Any:
    if isinstance(template, str):
        whole = _PLACEHOLDER.fullmatch(template)
        if whole and whole[1] in variables:
            return variables[whole[1]]
        return _PLACEHOLDER.sub(lambda m: str(variables.get(m[1], m[0])), template)
    if isinstance(template, Mapping):
        return {fill(k, variables): fill(v, variables) for k, v in template.items()}
    if isinstance(template, list):
        return [fill(v, variables) for v in template]
    return template


def _same(actual: Any, expected: Any) -> bool:
    return actual == expected or str(actual) == str(expected)


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def same_json(actual: Any, expected: Any) -> bool:
    """Equal as JSON values: numbers by value (3 == 3.0), everything else with its type."""
    left, right = _number(actual), _number(expected)
    if left is not None and right is not None:
        return left == right
    return json.dumps(actual, sort_keys=True) == json.dumps(expected, sort_keys=True)


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if _number(value) is not None:
        return "a number"
    return {str: "a string", list: "a list", dict: "an object"}.get(
        type(value), type(value).__name__
    )


class _Expected:
    """An expected value: a literal (or a template filled as text), or exactly one variable's value."""

    def __init__(self, template: Any, scope: Mapping[str, Any], as_text: Collection[str]) -> None:
        name = whole_placeholder(template)
        self.name = name if name in scope else None
        self.value = scope[name] if self.name else fill(template, scope)
        self.typed = self.name is not None and self.name not in as_text

    def matches(self, actual: Any) -> bool:
        return same_json(actual, self.value) if self.typed else _same(actual, self.value)

    def number(self) -> float | None:
        if self.typed or self.name is None:
            return _number(self.value)
        try:  # the id source's values are text
            return float(self.value)
        except (TypeError, ValueError):
            return None

    def __str__(self) -> str:
        return f"{{{self.name}}} = {self.value!r}" if self.name else repr(self.value)

    def mismatch(self, actual: Any) -> str:
        """'3, expected {version} = 4', with the kinds when only the types differ."""
        if self.typed and _same(actual, self.value):
            return f"{actual!r} ({_kind(actual)}), expected {self} ({_kind(self.value)})"
        return f"{actual!r}, expected {self}"


Compared = tuple[str, list[Any], _Expected]  # a path, the values found there, what was expected


def judge_step(
    step: Any,
    status: int,
    body: Any,
    variables: Mapping[str, Any],
    *,
    as_text: Collection[str] = (),
) -> tuple[list[str], dict[str, Any]]:
    """Problems with one step's response (empty = as expected) and the values it captures.

    `step` is a blocks.plan.ScenarioStep (duck-typed, so the core stays free of the plan).
    `as_text` names the variables compared as text (the id source's: `{id}`, `{sku}`).
    """
    problems: list[str] = []
    if status != step.expect_status:
        problems.append(f"status {status}, expected {step.expect_status}")
    for path in step.json_fields:
        if not jsonpath.exists(body, fill(path, variables)):
            problems.append(f"no {path} in the response")
    captured: dict[str, Any] = {}
    for name, path in step.capture.items():
        found = jsonpath.find(body, fill(path, variables))
        if found:
            captured[name] = found[0]
        else:
            problems.append(f"cannot capture {name}: no {path} in the response")
    scope = {**variables, **captured}

    def compared(expectations: Mapping[str, Any], scope: Mapping[str, Any]) -> Iterator[Compared]:
        for path, expected in expectations.items():
            yield (
                path,
                jsonpath.find(body, fill(path, variables)),
                _Expected(expected, scope, as_text),
            )

    for path, found, want in compared(step.expect_equal, scope):
        if not found:
            problems.append(f"{path} is missing, expected {want}")
        elif not want.matches(found[0]):
            problems.append(f"{path} is {want.mismatch(found[0])}")
    for path, found, want in compared(step.expect_includes, scope):
        if not any(want.matches(value) for value in found):
            problems.append(f"{path} does not include {want} (found {len(found)} values)")
    # A change or a rise is against an earlier step's value: this step's captures are not in scope.
    for path, found, before in compared(step.expect_changed, variables):
        if not found:
            problems.append(f"{path} is missing, expected a change from {before}")
        elif before.matches(found[0]):
            problems.append(f"{path} did not change: {before} before, {found[0]!r} now")
    for path, found, before in compared(step.expect_greater, variables):
        now, floor = (_number(found[0]) if found else None), before.number()
        if not found:
            problems.append(f"{path} is missing, expected more than {before}")
        elif now is None or floor is None:
            problems.append(f"{path} is {found[0]!r}, not a number to compare with {before}")
        elif now <= floor:
            when = " now" if before.name else ""
            problems.append(
                f"{path} is {found[0]!r}{when}, expected more than {before}{when and ' before'}"
            )
    return problems, captured
