"""Records from the id source's response: the values one request puts in its path (pure).

`probe.id_source` names JSON paths, one per placeholder (`{id}` from `json_path`, `{sku}`
and the rest from `captures`). A request takes one *record*: a value for every name, drawn
so that values that belong together stay together. The paths are read as a tree of their
steps; where they share steps up to a multi-valued one (`[*]` or a `[key=value]` filter),
that step's item is drawn once for all of them:

- `[*].sku` and `[*].location.shelf` (a search API returning a top-level array): one item,
  its sku and its shelf;
- `items[*].sku` and `stores[*].id`: they part before any wildcard, so an item and a store
  are drawn independently;
- one path alone (`columns[*].appointments[*].id`): any value it reaches, as `{id}` always was.

Only items that give every path below them a usable value (a non-empty string or an
integer; not a bool, null, float or object) can be drawn: an item without a shelf is never
paired with another item's shelf. Values keep their JSON type (`3`, `"A-12"`); a path
gets them as text.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from blocks.plan import JsonPathStep, parse_json_path
from golive.core import jsonpath

__all__ = ["Records", "usable"]

Value = str | int


def usable(value: Any) -> bool:
    """A value a path can carry: a non-empty string or an integer (not a bool)."""
    return isinstance(value, str | int) and not isinstance(value, bool) and str(value) != ""


@dataclass
class _Node:
    """The paths' steps as a tree: what comes after a step, and which names end at it."""

    names: list[str] = field(default_factory=list)
    children: dict[JsonPathStep, _Node] = field(default_factory=dict)


@dataclass
class _Choice:
    """One JSON value at a tree node, the usable choices below it for each next step, and how many
    records it is part of (so that a draw is uniform over records, not over items)."""

    value: Any
    names: list[str]  # the names whose path ends here: they take `value`
    below: list[tuple[list[_Choice], list[int]]]  # per next step: the usable choices, their weights
    records: int


class Records:
    """The records one response holds for `paths` (name -> JSON path); `draw` picks one at random.

    Every record is equally likely; with one path, `draw` is a choice among the values it
    reaches (duplicates count), as the id pool always drew {id}."""

    def __init__(self, doc: Any, paths: Mapping[str, str]) -> None:
        self.paths = dict(paths)
        root = _Node()
        for name, path in self.paths.items():
            node = root
            for step in parse_json_path(path):
                node = node.children.setdefault(step, _Node())
            node.names.append(name)
        self._root = _choose(doc, root)
        # One path alone: a choice among the values it reaches, exactly as {id} was always drawn.
        self._flat = (
            [v for v in jsonpath.find(doc, next(iter(self.paths.values()))) if usable(v)]
            if len(self.paths) == 1
            else None
        )

    def __bool__(self) -> bool:
        return self._root is not None

    def __len__(self) -> int:
        """How many records there are (their product where paths part before a wildcard)."""
        return self._root.records if self._root is not None else 0

    def draw(self, rng: random.Random) -> dict[str, Value]:
        """One record: name -> value. ValueError if the response holds none."""
        if self._root is None:
            raise ValueError("no record gives every name a usable value")
        if self._flat is not None:
            return {next(iter(self.paths)): rng.choice(self._flat)}
        record: dict[str, Value] = {}
        _draw(self._root, rng, record)
        return {name: record[name] for name in self.paths}


def _choose(value: Any, node: _Node) -> _Choice | None:
    """`value` at `node` with its usable choices below; None if a path below reaches nothing usable."""
    if node.names and not usable(value):
        return None
    below, records = [], 1
    for step, child in node.children.items():
        options = [
            c for v in jsonpath.children(value, step) if (c := _choose(v, child)) is not None
        ]
        if not options:
            return None
        weights = [option.records for option in options]
        below.append((options, weights))
        records *= sum(weights)
    return _Choice(value, node.names, below, records)


def _draw(choice: _Choice, rng: random.Random, record: dict[str, Value]) -> None:
    for name in choice.names:
        record[name] = choice.value
    for options, weights in choice.below:
        _draw(rng.choices(options, weights)[0], rng, record)
