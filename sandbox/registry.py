"""The sandbox's own registries (simulated routers, simulated apps): entries by name, each once,
and a look-up whose error names the known ones. It shares nothing of golive's."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import TypeVar

Entry = TypeVar("Entry")


def registry(
    family: str, label: str, entries: Iterable[Entry], name: Callable[[Entry], str]
) -> dict[str, Entry]:
    """name -> entry; a name registered twice is refused (a second entry would silently replace
    the first): "simulated routers: kind 'alb' registered twice"."""
    listed = list(entries)
    names = [name(entry) for entry in listed]
    twice = sorted({found for found in names if names.count(found) > 1})
    if twice:
        raise ValueError(f"{family}: {label} {', '.join(map(repr, twice))} registered twice")
    return {name(entry): entry for entry in listed}


def lookup(entries: Mapping[str, Entry], name: str, unknown: str) -> Entry:
    """The entry for `name`; else ValueError("<unknown> 'x' (expected one of a, b)")."""
    try:
        return entries[name]
    except KeyError:
        raise ValueError(f"{unknown} {name!r} (expected one of {', '.join(entries)})") from None
