"""Pydantic's validation errors, said in the plan's words.

`_problems_from` turns a `ValidationError` into `Problem`s: a `PlanValueError` keeps its
own expectation, a cross-field `_Problems` is spread at its full paths, and pydantic's own
error types get a plain phrase (`_EXPECTED`). An unknown key names the allowed keys of the
model at that path (`_model_at` follows fields, lists, dicts, Annotated and `| None` down
from the root) and the closest one.
"""

from __future__ import annotations

import difflib
import types
import typing
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Annotated, Any, get_args, get_origin

from pydantic import BaseModel, ValidationError

from blocks.plan.errors import _MISSING, PlanValueError, Problem, _Problems, show

# pydantic error type -> what was expected (format fields come from the error's ctx)
_EXPECTED: Mapping[str, str] = {
    "missing": "required",
    "greater_than_equal": "at least {ge}",
    "greater_than": "more than {gt}",
    "less_than_equal": "at most {le}",
    "less_than": "less than {lt}",
    "int_parsing": "a whole number",
    "int_type": "a whole number",
    "int_from_float": "a whole number",
    "float_parsing": "a number",
    "float_type": "a number",
    "string_type": "a string",
    "bool_parsing": "true or false",
    "bool_type": "true or false",
    "list_type": "a list",
    "dict_type": "a mapping of keys to values",
    "model_type": "a mapping of keys to values",
    "model_attributes_type": "a mapping of keys to values",
    "literal_error": "one of {expected}",
    "too_short": "at least {min_length} item(s)",
}


def _problems_from(exc: ValidationError, root: type[BaseModel]) -> list[Problem]:
    problems: list[Problem] = []
    for error in exc.errors():
        loc = tuple(error["loc"])
        cause = (error.get("ctx") or {}).get("error")
        if isinstance(cause, _Problems):
            problems += [replace(p, loc=loc + p.loc) for p in cause.problems]
        else:
            given = show(_MISSING if error["type"] == "missing" else error["input"])
            problems.append(Problem(loc, given, _expected(error, root)))
    return list(dict.fromkeys(problems))  # drop repeats, keep order


def _expected(error: Mapping[str, Any], root: type[BaseModel]) -> str:
    kind, ctx = error["type"], error.get("ctx") or {}
    if isinstance(ctx.get("error"), PlanValueError):
        return ctx["error"].expected
    if kind == "extra_forbidden":
        return _unknown_key(tuple(error["loc"]), root)
    if kind in _EXPECTED:
        return _EXPECTED[kind].format(**ctx)
    message: str = error["msg"]
    for prefix in ("Value error, ", "Assertion failed, "):
        message = message.removeprefix(prefix)
    return message.replace("Input should be", "must be")


def _unknown_key(loc: tuple[str | int, ...], root: type[BaseModel]) -> str:
    key = str(loc[-1])
    model = _model_at(root, loc[:-1])
    if model is None:
        return f"unknown key {key!r}"
    allowed = list(model.model_fields)
    close = difflib.get_close_matches(key, allowed, n=1)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    return f"unknown key {key!r}{hint} (allowed: {', '.join(allowed)})"


def _model_at(root: type[BaseModel], loc: Sequence[str | int]) -> type[BaseModel] | None:
    """The model class that validates the mapping at `loc`, following fields, lists and dicts."""
    node: Any = root
    for part in loc:
        node = _unwrap(node)
        if isinstance(node, type) and issubclass(node, BaseModel):
            field = node.model_fields.get(part) if isinstance(part, str) else None
            if field is None:
                return None
            node = field.annotation
        elif get_origin(node) in (list, dict):
            node = get_args(node)[-1]
        else:
            return None
    node = _unwrap(node)
    return node if isinstance(node, type) and issubclass(node, BaseModel) else None


def _unwrap(annotation: Any) -> Any:
    """Strip Annotated[...] and `X | None` down to X."""
    origin = get_origin(annotation)
    if origin is Annotated:
        return _unwrap(get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        members = [a for a in get_args(annotation) if a is not type(None)]
        return _unwrap(members[0]) if len(members) == 1 else annotation
    return annotation
