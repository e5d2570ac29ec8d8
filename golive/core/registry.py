"""A registry of plug-ins of one family (traffic routers, metric sources, notifiers), keyed by
the `kind` a plan names — as Flagger's `pkg/router/factory.go` and Argo Rollouts'
`metricproviders.go` switch on a provider name, with an unknown name an error by default.

Each plug-in module declares one entry (its kind, its plan settings, what it needs, how it
describes itself); the family's registry module lists the entries, one line each.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Generic, Protocol, TypeVar

from blocks.plan import Problem, show


class Plugin(Protocol):
    @property
    def kind(self) -> str: ...


P = TypeVar("P", bound=Plugin)


class UnknownPlugin(LookupError):
    """A kind no entry declares: "unknown traffic router 'istio' (known: alb, route53)"."""

    def __init__(self, family: str, kind: str, known: Iterable[str]) -> None:
        self.family, self.kind, self.known = family, kind, sorted(known)
        super().__init__(f"unknown {family} {kind!r} (known: {', '.join(self.known)})")


class Registry(Generic[P]):
    def __init__(self, family: str, entries: Iterable[P]) -> None:
        self.family = family
        self._entries: dict[str, P] = {}
        for entry in entries:
            if entry.kind in self._entries:
                raise ValueError(f"two {family} entries declare kind {entry.kind!r}")
            self._entries[entry.kind] = entry

    def get(self, kind: str) -> P:
        """The entry for `kind`; UnknownPlugin (naming the known kinds) if there is none."""
        try:
            return self._entries[kind]
        except KeyError:
            raise UnknownPlugin(self.family, kind, self._entries) from None

    def kinds(self) -> list[str]:
        return sorted(self._entries)

    def __iter__(self) -> Iterator[P]:
        return iter(self._entries[kind] for kind in self.kinds())

    def __len__(self) -> int:
        return len(self._entries)


def kind_problem(registry: Registry[P], kind: str, loc: tuple[str | int, ...]) -> Problem | None:
    """None if `registry` knows `kind`; else the plan problem at `loc`, naming the known kinds."""
    try:
        registry.get(kind)
    except UnknownPlugin as error:
        return Problem(loc, show(kind), f"unknown {error.family}: one of {', '.join(error.known)}")
    return None
