"""End-to-end scenarios (the runbook's Gate G checklist) as data: fill a step's templates
with the variables so far, then judge its response (pure: no I/O).

A scenario is a list of HTTP steps. A step may `capture` values from its JSON response
into variables (`{version}`), and later steps use them in their path or body. `{id}`
is an appointment id from the plan's id source. A body value that is exactly one
placeholder keeps the variable's type (`version: "{version}"` sends a number).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from golive.core import jsonpath

_PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")


def placeholders(template: Any) -> set[str]:
    """Every {name} a template (string, list or dict, nested) uses."""
    if isinstance(template, str):
        return set(_PLACEHOLDER.findall(template))
    if isinstance(template, Mapping):
        return (
            set().union(*(placeholders(k) | placeholders(v) for k, v in template.items()))
            if template
            else set()
        )
    if isinstance(template, (list, tuple)):
        return set().union(*(placeholders(v) for v in template)) if template else set()
    return set()


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


def judge_step(
    step: Any, status: int, body: Any, variables: Mapping[str, Any]
) -> tuple[list[str], dict[str, Any]]:
    """Problems with one step's response (empty = as expected) and the values it captures.

    `step` is a blocks.plan.ScenarioStep (duck-typed, so the core stays free of the plan).
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
    for path, expected in step.expect_equal.items():
        found, want = (
            jsonpath.find(body, fill(path, variables)),
            fill(expected, {**variables, **captured}),
        )
        if not found or not _same(found[0], want):
            problems.append(f"{path} is {found[0] if found else 'missing'!r}, expected {want!r}")
    for path, expected in step.expect_includes.items():
        found, want = (
            jsonpath.find(body, fill(path, variables)),
            fill(expected, {**variables, **captured}),
        )
        if not any(_same(value, want) for value in found):
            problems.append(f"{path} does not include {want!r} (found {len(found)} values)")
    return problems, captured
