"""How production traffic is weighed between stable and canary: the plan's `router:`.

`RouterConfig` names a `kind` and keeps each router's own section as a raw mapping. What a
section may hold is declared by that router's module and checked through its registry
(tasks/traffic/registry.py), which this lowest layer cannot import: a new router then needs
no edit here.
"""

from __future__ import annotations

from typing import Any

from pydantic import ConfigDict, Field

from blocks.plan.base import _Model
from blocks.plan.strings import NonEmpty


class RouterConfig(_Model):
    """`kind` names a traffic router; each router's section (`route53: {...}`, `alb: {...}`) is kept raw."""

    model_config = ConfigDict(extra="allow", frozen=True)
    __pydantic_extra__: dict[str, dict[str, Any] | None] = Field(
        init=False
    )  # router name -> its section

    kind: NonEmpty

    def section(self, kind: str) -> dict[str, Any] | None:
        """The raw settings the plan gives under `kind`, or None if it gives none."""
        return self.sections.get(kind)

    @property
    def sections(self) -> dict[str, dict[str, Any]]:
        """Every router section the plan gives, by router name (empty ones left out)."""
        return {name: raw for name, raw in (self.model_extra or {}).items() if raw is not None}
