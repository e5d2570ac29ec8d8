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
        "total is 3, expected {n} = 4",
        "columns[status=done].appointments[*].id does not include {id} = 1 (found 0 values)",
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


# ------------------------------------------------------------ comparisons with an earlier step


def test_a_placeholder_expectation_is_compared_with_its_type() -> None:
    checked = step(expect_equal={"total": "{total}"}, expect_includes={"columns[*].count": "{n}"})
    assert judge_step(checked, 200, BOARD, {"total": 3, "n": 2}) == ([], {})
    problems, _ = judge_step(checked, 200, BOARD, {"total": "3", "n": "2"})
    assert problems == [
        "total is 3 (a number), expected {total} = '3' (a string)",
        "columns[*].count does not include {n} = '2' (found 3 values)",
    ]
    assert judge_step(step(expect_equal={"total": "{t}"}), 200, BOARD, {"t": 3.0})[0] == []
    flagged = step(expect_equal={"columns[2].flagged": "{f}"})
    assert judge_step(flagged, 200, BOARD, {"f": 1})[0] == [
        "columns[2].flagged is True (a boolean), expected {f} = 1 (a number)"
    ]


def test_literals_and_id_source_values_are_compared_as_text() -> None:
    # A literal, as always; and {id} from the id source is path text ("3"), so it matches 3.
    checked = step(expect_equal={"total": "3", "columns[0].appointments[0].id": "{id}"})
    assert judge_step(checked, 200, BOARD, {"id": "1"}, as_text={"id"}) == ([], {})
    assert judge_step(checked, 200, BOARD, {"id": "1"})[0] == [
        "columns[0].appointments[0].id is 1 (a number), expected {id} = '1' (a string)"
    ]


def test_expect_changed_says_the_value_before_and_now() -> None:
    checked = step(expect_changed={"columns[0].appointments[0].version": "{version}"})
    assert judge_step(checked, 200, BOARD, {"version": 1}) == ([], {})
    assert judge_step(checked, 200, BOARD, {"version": 2})[0] == [
        "columns[0].appointments[0].version did not change: {version} = 2 before, 2 now"
    ]
    assert judge_step(step(expect_changed={"nope": "{version}"}), 200, BOARD, {"version": 2})[
        0
    ] == ["nope is missing, expected a change from {version} = 2"]
    # "2" (text) differs from 2 (a number) when both came from responses: a changed type is a change.
    assert judge_step(checked, 200, BOARD, {"version": "2"})[0] == []


def test_expect_greater_against_a_variable_or_a_number() -> None:
    version = "columns[1].appointments[1].version"  # 5
    assert judge_step(step(expect_greater={version: "{v}"}), 200, BOARD, {"v": 4})[0] == []
    assert judge_step(step(expect_greater={version: "{v}"}), 200, BOARD, {"v": 5})[0] == [
        f"{version} is 5 now, expected more than {{v}} = 5 before"
    ]
    assert judge_step(step(expect_greater={"total": 3}), 200, BOARD, {})[0] == [
        "total is 3, expected more than 3"
    ]
    assert judge_step(step(expect_greater={"columns[0].status": "{v}"}), 200, BOARD, {"v": 1})[
        0
    ] == ["columns[0].status is 'scheduled', not a number to compare with {v} = 1"]
    # An id source's value is text: a number in it still compares.
    assert (
        judge_step(step(expect_greater={"total": "{id}"}), 200, BOARD, {"id": "2"}, as_text={"id"})[
            0
        ]
        == []
    )


def test_a_change_or_a_rise_is_against_an_earlier_step_not_this_one() -> None:
    # The step captures version itself, but expect_changed reads the earlier value of {version}.
    checked = step(capture={"version": "total"}, expect_changed={"total": "{version}"})
    assert judge_step(checked, 200, BOARD, {"version": 1}) == ([], {"version": 3})


def _scenario(*steps: dict[str, Any]) -> dict[str, Any]:
    return {"name": "s", "steps": list(steps)}


@pytest.mark.parametrize(
    ("scenario", "expected"),
    [
        pytest.param(
            _scenario(
                {"path": "/a", "capture": {"v": "version"}, "expect_changed": {"version": "{v}"}}
            ),
            "scenarios[0].steps[0].expect_changed: {'version': '{v}'} — uses {v}, which no earlier step captures",
            id="changed-against-its-own-step",
        ),
        pytest.param(
            _scenario({"path": "/a"}, {"path": "/b", "expect_greater": {"version": "{v}"}}),
            "scenarios[0].steps[1].expect_greater: {'version': '{v}'} — uses {v}, which no earlier step captures",
            id="greater-never-captured",
        ),
        pytest.param(
            _scenario(
                {"path": "/a", "capture": {"v": "version"}},
                {"path": "/b", "expect_changed": {"version": "v"}},
            ),
            "scenarios[0].steps[1].expect_changed.version: 'v' — a variable an earlier step captured, "
            "written as '{version}'",
            id="changed-not-a-placeholder",
        ),
        pytest.param(
            _scenario({"path": "/a", "expect_greater": {"version": "high"}}),
            "scenarios[0].steps[0].expect_greater.version: 'high' — a number, or a variable an earlier step",
            id="greater-not-a-number",
        ),
        pytest.param(
            _scenario({"path": "/a", "expect_greater": {"version": True}}),
            "scenarios[0].steps[0].expect_greater.version: True — a number, or a variable",
            id="greater-a-bool",
        ),
    ],
)
def test_plan_checks_what_a_comparison_names(
    base: dict[str, Any],  # noqa: F811
    scenario: dict[str, Any],
    expected: str,
) -> None:
    message = problems_of(edited(base, {"scenarios": [scenario]}))
    assert expected in message, message


def test_plan_accepts_comparisons_with_earlier_steps(base: dict[str, Any]) -> None:  # noqa: F811
    from blocks.plan import validate_plan

    scenario = _scenario(
        {"path": "/api/admin/appointments/{id}", "capture": {"version": "version"}},
        {
            "method": "PATCH",
            "path": "/api/admin/appointments/{id}/status",
            "body": {"status": "done", "version": "{version}"},
            "expect_changed": {"version": "{version}"},
            "expect_greater": {"version": "{version}", "position": 0},
            "expect_equal": {"id": "{id}"},
        },
    )
    plan = validate_plan(edited(base, {"scenarios": [scenario]}), env={})
    assert plan.scenarios[0].steps[1].expect_changed == {"version": "{version}"}
