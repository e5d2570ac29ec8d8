"""What is wrong with a plan, and how it is said.

`Problem` is one thing wrong at a field path, rendered as one line
(`canary.steps: [10, 50, 30] — steps must strictly increase`); `PlanError` carries all of a
plan's problems. Field validators raise `PlanValueError` (a value and what would have been
accepted), cross-field validators collect with `_Checks` and raise `_Problems`, which the
loader (`pydantic_errors.py`) turns back into problems at full paths. `show` and `format_loc`
render a given value and a path; `_MISSING` marks a value that was not given.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any


class PlanValueError(ValueError):
    """A value that does not fit; `expected` says what would have been accepted."""

    def __init__(self, value: Any, expected: str) -> None:
        super().__init__(f"{show(value)} — {expected}")
        self.value = value
        self.expected = expected


_MISSING = object()  # marks "no value given" in problems


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a plan, at a field path."""

    loc: tuple[str | int, ...]
    given: str  # already rendered (repr, truncated)
    expected: str

    def __str__(self) -> str:
        return f"{format_loc(self.loc)}: {self.given} — {self.expected}"


class _Problems(ValueError):
    """Raised by cross-field checks: several problems, each at a path relative to the model."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(str(p) for p in problems))
        self.problems = problems


class PlanError(Exception):
    """A plan that cannot be used; `problems` holds one line per problem."""

    def __init__(
        self, problems: Sequence[Problem | str], source: str | os.PathLike[str] | None = None
    ) -> None:
        self.problems = [str(p) for p in problems]
        self.source = str(source) if source is not None else None
        super().__init__(self._message())

    def _message(self) -> str:
        where = f"{self.source}: " if self.source else ""
        count = len(self.problems)
        header = f"{where}invalid launch plan ({count} problem{'s' if count != 1 else ''})"
        return "\n".join([header, *(f"  {line}" for line in self.problems)])


def show(value: Any, limit: int = 60) -> str:
    """repr() of a given value, short enough for a one-line message."""
    if value is _MISSING:
        return "(missing)"
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")


def format_loc(loc: Sequence[str | int]) -> str:
    """('slos', 'latency', 0, 'threshold') -> 'slos.latency[0].threshold'."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part == "[key]":  # pydantic's marker for a bad dict key
            out += " (key)"
        elif _IDENTIFIER.fullmatch(part):
            out += f".{part}" if out else part
        else:
            out += f"[{part!r}]"
    return out or "(plan)"


class _Checks:
    """Collects cross-field problems so that one model reports all of them at once."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def fail(self, loc: str | tuple[str | int, ...], value: Any, expected: str) -> None:
        path = (loc,) if isinstance(loc, str) else loc
        self.problems.append(Problem(path, show(value), expected))

    def raise_any(self) -> None:
        if self.problems:
            raise _Problems(self.problems)
