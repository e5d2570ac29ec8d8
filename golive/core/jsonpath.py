"""A tiny JSON path evaluator for the plan's `json_fields` and `id_source.json_path` (pure).

The grammar is the plan's: dotted keys, each optionally followed by `[N]` (an index),
`[*]` (every item) or `[key=value]` (the items whose `key` equals `value`, compared as
text), e.g. `columns[0].status`, `columns[*].appointments[*].id` or
`columns[status=in_progress].appointments[*].id`.
A path may also start with an index, for documents whose top level is an array
(`[0].id`); plans cannot write that yet, but the evaluator does not mind.

`find` returns every value the path reaches, in document order; a path that reaches
nothing returns []. A key whose value is JSON null is present: `find` returns [None].
"""

from __future__ import annotations

import re
from typing import Any

__all__ = ["exists", "find", "parse"]

Step = str | int | None | tuple[str, str]  # key | index | None for [*] | (key, value) filter

_TOKEN = re.compile(r"\.?([A-Za-z_][\w-]*)|\[(\*|[0-9]+|[A-Za-z_][\w-]*=[^\]]*)\]")


def parse(path: str) -> list[Step]:
    """'columns[*].id' -> ['columns', None, 'id']; ValueError for anything else."""
    steps: list[Step] = []
    position = 0
    while position < len(path):
        match = _TOKEN.match(path, position)
        dotted = match is not None and match[0].startswith(".")
        if (
            match is None
            or (dotted and position == 0)
            or (match[1] and not dotted and position > 0)
        ):
            raise ValueError(
                f"invalid JSON path {path!r} at character {position + 1}: "
                "expected keys joined by '.', each optionally followed by [N], [*] or [key=value]"
            )
        if match[1] is not None:
            steps.append(match[1])
        elif "=" in match[2]:
            key, value = match[2].split("=", 1)
            steps.append((key, value))
        else:
            steps.append(None if match[2] == "*" else int(match[2]))
        position = match.end()
    if not steps:
        raise ValueError("invalid JSON path '': expected a key such as 'status'")
    return steps


def find(doc: Any, path: str) -> list[Any]:
    """Every value `path` reaches in `doc` (parsed JSON), in document order."""
    current = [doc]
    for step in parse(path):
        current = [child for node in current for child in _children(node, step)]
        if not current:
            break
    return current


def exists(doc: Any, path: str) -> bool:
    """True if the path reaches at least one value (a wildcard needs one match)."""
    return bool(find(doc, path))


def _children(node: Any, step: Step) -> list[Any]:
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
