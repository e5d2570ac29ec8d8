"""A metric source's own plan section (`metrics.<key>`), read and checked the same way for every kind.

Light on purpose: the sources' registry entries import it, and every plan load imports them."""

from __future__ import annotations

from typing import TypeVar

from pydantic import BaseModel, ValidationError

from blocks.plan import LaunchPlan, Problem, problems_from

Settings = TypeVar("Settings", bound=BaseModel)

__all__ = ["section_problems", "section_settings"]


def _raw(plan: LaunchPlan, key: str) -> object:
    return (plan.metrics.model_extra or {}).get(key) or {}


def section_settings(plan: LaunchPlan, key: str, model: type[Settings]) -> Settings:
    """The section as its model (the plan was checked: `section_problems` found nothing)."""
    return model.model_validate(_raw(plan, key))


def section_problems(
    plan: LaunchPlan, key: str, model: type[Settings]
) -> tuple[Settings | None, list[Problem]]:
    """(the settings, []) if the section is good; (None, each problem at its full field path) if not."""
    try:
        return model.model_validate(_raw(plan, key)), []
    except ValidationError as error:
        return None, [
            Problem(("metrics", key, *p.loc), p.given, p.expected)
            for p in problems_from(error, model)
        ]
