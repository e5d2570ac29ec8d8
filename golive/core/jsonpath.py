"""A tiny JSON path evaluator for the plan's `json_fields`, `capture` and `id_source.json_path` (pure).

The grammar is the plan's (`blocks/plan/json_paths.py`, so what a plan may write and what
this evaluates cannot drift): dotted keys, each optionally followed by `[N]` (an index),
`[*]` (every item) or `[key=value]` (the items whose `key` equals `value`, compared as
text), e.g. `columns[0].status`, `columns[*].appointments[*].id` or
`columns[status=in_progress].appointments[*].id`. A path may start with an index for a
document whose top level is an array (`[*].id`, `[0].items[*].id`), and with `$`, the root
written out (`$` is the whole document, `$.a.b` is `a.b`).

`find` returns every value the path reaches, in document order; a path that reaches
nothing returns []. A key whose value is JSON null is present: `find` returns [None].
"""

from __future__ import annotations

from typing import Any

from blocks.plan import JsonPathError, JsonPathStep, parse_json_path

__all__ = ["JsonPathError", "children", "exists", "find", "parse"]

Step = JsonPathStep


def parse(path: str) -> list[Step]:
    """'columns[*].id' -> ['columns', None, 'id']; JsonPathError (a ValueError) for anything else."""
    return parse_json_path(path)


def find(doc: Any, path: str) -> list[Any]:
    """Every value `path` reaches in `doc` (parsed JSON), in document order."""
    current = [doc]
    for step in parse(path):
        current = [child for node in current for child in children(node, step)]
        if not current:
            break
    return current


def exists(doc: Any, path: str) -> bool:
    """True if the path reaches at least one value (a wildcard needs one match)."""
    return bool(find(doc, path))


def children(node: Any, step: Step) -> list[Any]:
    """The values one step reaches from one node (`find` applies it to every node)."""
    if isinstance(step, str):
        return [node[step]] if isinstance(node, dict) and step in node else []
    if not isinstance(node, list):
        return []
    if step is None:
        return list(node)
    if isinstance(step, tuple):
        key, value = step
        return [
            item
            for item in node
            if isinstance(item, dict) and key in item and _text(item[key]) == value
        ]
    return [node[step]] if step < len(node) else []


def _text(value: Any) -> str:
    """JSON scalars as a plan writes them: true/false/null, numbers and strings as-is."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return "null" if value is None else str(value)
