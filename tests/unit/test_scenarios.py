"""Scenario steps (pure): JSON path filters, templates, judging a response, plan validation."""

from __future__ import annotations

from typing import Any

import pytest

from blocks.plan import ScenarioStep
from golive.core import jsonpath
from golive.core.scenarios import fill, judge_step, placeholders
from tests.unit.test_plan import base, edited, problems_of  # noqa: F401 (fixture)

BOARD = {
    "total": 3,
    "columns": [
        {"status": "scheduled", "count": 1, "appointments": [{"id": 1, "version": 2}]},
        {
            "status": "in_progress",
            "count": 2,
            "appointments": [{"id": 2, "version": 1}, {"id": 3, "version": 5}],
        },
        {"status": "done", "count": 0, "appointments": [], "flagged": True},
    ],
}


@pytest.mark.parametrize(
    "path,found",
    [
        ("columns[status=in_progress].appointments[*].id", [2, 3]),
        ("columns[status=scheduled].count", [1]),
        ("columns[status=nope].count", []),
        ("columns[flagged=true].status", ["done"]),
        ("columns[count=2].status", ["in_progress"]),
        ("columns[*].appointments[id=3].version", [5]),
    ],
)
def test_filters_select_items_by_a_field(path: str, found: list[Any]) -> None:
    assert jsonpath.find(BOARD, path) == found


def test_fill_keeps_the_type_of_a_whole_placeholder() -> None:
    body = {"status": "{status}", "version": "{version}", "note": "v{version} of {id}"}
    assert fill(body, {"status": "ready", "version": 4, "id": 7}) == {
        "status": "ready",
        "version": 4,
        "note": "v4 of 7",
    }
    assert placeholders(body) == {"status", "version", "id"}
    assert fill("/a/{unknown}", {}) == "/a/{unknown}"


def step(**fields: Any) -> ScenarioStep:
    return ScenarioStep.model_validate({"path": "/api", **fields})


def test_a_step_that_matches_captures_its_values() -> None:
    problems, captured = judge_step(
        step(
            capture={"v": "columns[status=in_progress].appointments[0].version"},
            expect_includes={"columns[*].appointments[*].id": "{id}"},
            expect_equal={"total": 3},
        ),
        200,
        BOARD,
        {"id": 3},
    )
    assert problems == [] and captured == {"v": 1}


def test_each_mismatch_is_named() -> None:
    problems, _ = judge_step(
        step(
            expect_status=409,
            json_fields=["message"],
            expect_equal={"total": "{n}"},
            expect_includes={"columns[status=done].appointments[*].id": "{id}"},
        ),
        200,
        BOARD,
        {"n": 4, "id": 1},
    )
    assert problems == [
        "status 200, expected 409",
        "no message in the response",
        "total is 3, expected 4",
        "columns[status=done].appointments[*].id does not include 1 (found 0 values)",
    ]


def test_a_missing_capture_is_a_problem() -> None:
    problems, captured = judge_step(step(capture={"x": "nothing.here"}), 200, BOARD, {})
    assert captured == {} and problems == ["cannot capture x: no nothing.here in the response"]


def test_plan_rejects_a_variable_no_earlier_step_captures(base: dict[str, Any]) -> None:  # noqa: F811
    scenario = {
        "name": "s",
        "steps": [{"path": "/a/{version}"}, {"path": "/b", "capture": {"version": "v"}}],
    }
    message = problems_of(edited(base, {"scenarios": [scenario]}))
    assert (
        "scenarios[0].steps[0].path" in message
        and "uses {version}, which no earlier step captures" in message
    )


def test_plan_rejects_duplicate_scenarios(base: dict[str, Any]) -> None:  # noqa: F811
    scenario = {"name": "s", "steps": [{"path": "/a"}]}
    assert "scenarios[1].name: 's' — scenario names must be unique" in problems_of(
        edited(base, {"scenarios": [scenario, scenario]})
    )


def test_plan_rejects_a_body_on_get(base: dict[str, Any]) -> None:  # noqa: F811
    scenario = {"name": "s", "steps": [{"path": "/a", "body": {"x": 1}}]}
    assert (
        "scenarios[0].steps[0].body: {'x': 1} — a body is only sent with POST, PUT or PATCH, not GET"
        in problems_of(edited(base, {"scenarios": [scenario]}))
    )


def test_plan_rejects_a_scenario_without_steps(base: dict[str, Any]) -> None:  # noqa: F811
    assert "scenarios[0].steps" in problems_of(
        edited(base, {"scenarios": [{"name": "s", "steps": []}]})
    )
