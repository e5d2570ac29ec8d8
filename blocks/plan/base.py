"""What every section model of the plan shares.

`_Model` is the base of each model: frozen (a loaded plan is not edited) and forbidding
unknown keys (typos). The uniqueness checks report a list that repeats a name, either as
one field's error (`_unique_names`) or at each repeating item's path (`_unique_field`).
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import Any

from pydantic import BaseModel, ConfigDict

from blocks.plan.errors import PlanValueError, _Checks


class _Model(BaseModel):
    # Unknown keys are typos until proven otherwise; a loaded plan is not edited.
    model_config = ConfigDict(extra="forbid", frozen=True)


def _duplicates(values: Sequence[Hashable]) -> list[Hashable]:
    seen: set[Hashable] = set()
    return [v for v in values if v in seen or seen.add(v)]  # type: ignore[func-returns-value]


def _unique_names(names: list[str], what: str, *, at_least_one: bool = True) -> list[str]:
    """A list without repeats, non-empty unless `at_least_one` is False ('at least one approver')."""
    if at_least_one and not names:
        raise PlanValueError(names, f"at least one {what}")
    if dupes := _duplicates(names):
        raise PlanValueError(names, f"each {what} once ({dupes[0]!r} is repeated)")
    return names


def _unique_field(
    checks: _Checks, items: Sequence[Any], field: str, prefix: tuple[str | int, ...], what: str
) -> None:
    """Report every item whose `field` repeats an earlier one, at that item's path."""
    seen: set[Any] = set()
    for index, item in enumerate(items):
        value = getattr(item, field)
        if value in seen:
            checks.fail((*prefix, index, field), value, f"{what} must be unique")
        seen.add(value)
