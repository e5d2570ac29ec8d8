"""golive.core.jsonpath: the plan's dotted paths with [N], [*] and an optional `$` root, on parsed JSON."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from golive.core.jsonpath import exists, find, parse

BOARD: dict[str, Any] = {
    "columns": [
        {"status": "scheduled", "appointments": [{"id": 2}, {"id": 4}]},
        {"status": "in_progress", "appointments": []},
        {"status": "ready", "appointments": [{"id": 7, "tags": None}]},
    ],
    "total": 3,
    "meta": {"generated-at": "now", "flags": {"beta_ui": False}},
    "empty": {},
    "zero": 0,
}


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("total", [3]),
        ("zero", [0]),
        ("meta.flags.beta_ui", [False]),
        ("meta.generated-at", ["now"]),
        ("empty", [{}]),
        ("columns[0].status", ["scheduled"]),
        ("columns[2].appointments[0].id", [7]),
        ("columns[*].status", ["scheduled", "in_progress", "ready"]),
        ("columns[*].appointments[*].id", [2, 4, 7]),  # document order
        ("columns[0].appointments[*]", [{"id": 2}, {"id": 4}]),
        ("columns[1].appointments[*].id", []),  # a wildcard over an empty list reaches nothing
    ],
)
def test_find_reaches_values(path: str, expected: list[Any]) -> None:
    assert find(BOARD, path) == expected


@pytest.mark.parametrize(
    "path",
    [
        "missing",
        "total.value",  # key on a number
        "meta[0]",  # index on an object
        "columns.status",  # key on a list (no implicit wildcard)
        "columns[3].status",  # index past the end
        "columns[0].appointments[5]",
        "columns[*].missing",
        "empty.anything",
        "meta.flags.beta_ui.x",  # key on a bool
    ],
)
def test_find_returns_empty_when_nothing_matches(path: str) -> None:
    assert find(BOARD, path) == []
    assert not exists(BOARD, path)


def test_null_counts_as_present() -> None:
    assert find(BOARD, "columns[2].appointments[0].tags") == [None]
    assert exists(BOARD, "columns[2].appointments[0].tags")


def test_falsy_values_count_as_present() -> None:
    for path in ("zero", "meta.flags.beta_ui", "empty", "columns[1].appointments"):
        assert exists(BOARD, path), path


def test_a_wildcard_path_exists_with_one_match() -> None:
    doc = {"items": [{"a": 1}, {"b": 2}, {"c": 3}]}
    assert find(doc, "items[*].b") == [2]
    assert exists(doc, "items[*].b")
    assert not exists(doc, "items[*].d")


def test_consecutive_indexes_and_top_level_arrays() -> None:
    grid = {"rows": [[1, 2], [3, 4]]}
    assert find(grid, "rows[1][0]") == [3]
    assert find(grid, "rows[*][1]") == [2, 4]
    assert find([{"id": 1}, {"id": 2}], "[*].id") == [1, 2]
    assert find([{"id": 1}], "[0].id") == [1]
    assert find([{"items": [{"id": 1}, {"id": 2}]}, {"items": [{"id": 3}]}], "[*].items[*].id") == [
        1,
        2,
        3,
    ]
    assert find([[1, 2], [3]], "[*][0]") == [1, 3]


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("$", [BOARD]),  # the whole document
        ("$.total", [3]),
        ("$.meta.flags.beta_ui", [False]),
        ("$.columns[*].appointments[*].id", [2, 4, 7]),
    ],
)
def test_an_explicit_root(path: str, expected: list[Any]) -> None:
    assert find(BOARD, path) == expected
    assert find([{"id": 1}, {"id": 2}], "$[*].id") == [1, 2]
    assert parse("$") == [] and parse("$.a[0]") == parse("a[0]")


@pytest.mark.parametrize("doc", [None, 3, "text", [], True])
def test_scalars_and_empty_documents_have_no_fields(doc: Any) -> None:
    assert find(doc, "status") == []


def test_parse_steps() -> None:
    assert parse("columns[*].appointments[0].id") == ["columns", None, "appointments", 0, "id"]
    assert parse("a") == ["a"]


@pytest.mark.parametrize(
    "path",
    [
        "",
        ".a",
        "a.",
        "a..b",
        "a[",
        "a[]",
        "a[-1]",
        "a[x]",
        "a b",
        "a[0]b",
        "a.[0]",
        "1abc",
        "a.1",
        "$$",
        "$a",
        "$.",
        "a.$",
        "a$",
        "[*].",
        "[*]id",
        ".[0]",
        "a[0",
        "a]",
    ],
)
def test_invalid_paths_are_rejected(path: str) -> None:
    with pytest.raises(ValueError, match="invalid JSON path"):
        find(BOARD, path)


def test_every_plan_path_parses() -> None:
    """The plan's JsonPath pattern and the evaluator agree on the plan's own examples."""
    from blocks.plan import load_plan

    plan = load_plan(Path(__file__).resolve().parents[2] / "plans" / "sandbox.yaml", env={})
    paths = [f for _, _, check in plan.smoke.all_checks() for f in check.json_fields]
    assert plan.probe.id_source is not None
    paths.append(plan.probe.id_source.json_path)
    for path in paths:
        assert parse(path)
    assert any(re.search(r"\[\*\]", p) for p in paths)
