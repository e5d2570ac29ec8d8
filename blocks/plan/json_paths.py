"""The grammar of the plan's JSON paths (`json_fields`, `capture`, `id_source.json_path`, ...).

One grammar for both sides: the plan validates a path with `parse_json_path` (so a bad path
is refused at load, naming its field) and the evaluator (`golive/core/jsonpath.py`) walks the
steps it returns. A path is steps from the document's root:

- a key: `status`, then `.key` for each key below it (`meta.flags.beta_ui`);
- `[N]` (an index), `[*]` (every item) or `[key=value]` (the items whose `key` equals
  `value`, compared as text) after a key or another bracket: `columns[0].status`,
  `columns[*].appointments[*].id`, `columns[status=done].count`;
- a bracket first, for a document whose top level is an array: `[*].id`, `[0].items[*].id`;
- optionally `$` first, the root written out: `$` (the whole document), `$.a.b` (= `a.b`),
  `$[*].id` (= `[*].id`).
"""

from __future__ import annotations

import re

__all__ = ["JSON_PATH_EXAMPLES", "JsonPathError", "Step", "parse_json_path"]

Step = str | int | None | tuple[str, str]  # key | index | None for [*] | (key, value) filter

JSON_PATH_EXAMPLES = "'status', 'columns[*].appointments[*].id', '[*].id' or '$.meta.count'"

_TOKEN = re.compile(r"\.?([A-Za-z_][\w-]*)|\[(\*|[0-9]+|[A-Za-z_][\w-]*=[^\]]*)\]")


class JsonPathError(ValueError):
    """A path outside the grammar; `reason` says where and what was expected there."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"invalid JSON path {path!r}: {reason}")
        self.path = path
        self.reason = reason


def parse_json_path(path: str) -> list[Step]:
    """'columns[*].id' -> ['columns', None, 'id']; '$' -> [] (the root); JsonPathError otherwise."""
    rooted = path.startswith("$")
    position = 1 if rooted else 0
    steps: list[Step] = []
    while position < len(path):
        match = _TOKEN.match(path, position)
        dotted = match is not None and match[0].startswith(".")
        first = not steps
        # A key is dotted after anything else, bare only first and unrooted ('a', not '$a' or 'a.b' as 'ab').
        bad_key = match is not None and match[1] is not None and dotted == (first and not rooted)
        if match is None or bad_key:
            raise JsonPathError(
                path,
                f"at character {position + 1}: expected keys joined by '.', each optionally followed by "
                "[N], [*] or [key=value]; a path may start with '$' or, for a top-level array, with [N] or [*]",
            )
        if match[1] is not None:
            steps.append(match[1])
        elif "=" in match[2]:
            key, value = match[2].split("=", 1)
            steps.append((key, value))
        else:
            steps.append(None if match[2] == "*" else int(match[2]))
        position = match.end()
    if not steps and not rooted:
        raise JsonPathError(path, "expected a key such as 'status' (or '$' for the whole document)")
    return steps
