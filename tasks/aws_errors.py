"""One error shape for a failed AWS call: '<service>:<Action> on <resource>: <why>'."""

from __future__ import annotations

from typing import Any


class AwsActionError(RuntimeError):
    def __init__(self, action: str, resource: str, reason: str) -> None:
        super().__init__(f"{action} on {resource}: {reason}")
        self.action = action
        self.resource = resource
        self.reason = reason

    def __reduce__(self) -> tuple[Any, ...]:  # Prefect pickles task exceptions into states
        return (type(self), (self.action, self.resource, self.reason))
