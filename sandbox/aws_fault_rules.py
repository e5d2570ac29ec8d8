"""AWS fault rules for the sandbox's AWS proxy, and the record of the calls they faulted.

A rule faults the next `count` calls to a service (optionally one action), after letting
`after` of them through, so a test can break a deploy half-way. One book is shared by
the proxy and the control API of a sandbox process; `reset` clears it.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections import deque
from typing import Literal

from pydantic import BaseModel, Field, field_validator, model_validator

FaultKind = Literal["throttle", "access_denied", "server_error", "slow"]
KINDS: tuple[str, ...] = ("throttle", "access_denied", "server_error", "slow")
# botocore client names people type -> the credential-scope name the proxy sees
SERVICE_ALIASES = {
    "elbv2": "elasticloadbalancing",
    "elb": "elasticloadbalancing",
    "cloudwatch": "monitoring",
}
RECORD_LIMIT = 1000


class AwsFault(BaseModel):
    service: str = Field(
        description="credential-scope name (s3, cloudfront, route53, elasticloadbalancing, "
        "monitoring, sts, iam); elbv2 and cloudwatch are accepted too"
    )
    kind: FaultKind
    action: str | None = Field(default=None, description="e.g. CopyObject; None = every action")
    count: int | None = Field(
        default=1, description="how many matching calls to fault; None or -1 = every one"
    )
    after: int = Field(default=0, ge=0, description="matching calls to let through first")
    delay_s: float = Field(
        default=0.0, ge=0, le=120, description="for `slow`: seconds before forwarding"
    )
    id: int = 0
    seen: int = 0  # matching calls so far (let through or faulted)
    faulted: int = 0

    @field_validator("service")
    @classmethod
    def _service(cls, value: str) -> str:
        value = value.strip().lower()
        return SERVICE_ALIASES.get(value, value)

    @field_validator("count")
    @classmethod
    def _count(cls, value: int | None) -> int | None:
        if value is None or value == -1:
            return None
        if value < 1:
            raise ValueError("count must be at least 1, or -1/None for every call")
        return value

    @model_validator(mode="after")
    def _slow_needs_delay(self) -> AwsFault:
        if self.kind == "slow" and self.delay_s <= 0:
            raise ValueError("a `slow` fault needs delay_s > 0")
        return self

    @property
    def exhausted(self) -> bool:
        return self.count is not None and self.faulted >= self.count

    def matches(self, service: str, action: str | None) -> bool:
        return service == self.service and (
            self.action is None or (action or "").lower() == self.action.lower()
        )


class FaultedCall(BaseModel):
    at: float
    rule: int
    kind: FaultKind
    service: str
    action: str | None
    method: str
    path: str
    status: int | None = None  # None for `slow` (moto answered)
    code: str | None = None


class AwsFaultBook:
    def __init__(self) -> None:
        self._rules: list[AwsFault] = []
        self._calls: deque[FaultedCall] = deque(maxlen=RECORD_LIMIT)
        self._ids = itertools.count(1)
        self._lock = threading.Lock()

    def add(self, rule: AwsFault) -> AwsFault:
        with self._lock:
            rule = rule.model_copy(update={"id": next(self._ids), "seen": 0, "faulted": 0})
            self._rules.append(rule)
            return rule.model_copy()

    def wants(self, service: str | None) -> bool:
        """Cheap pre-check, so calls to services without rules are forwarded untouched."""
        with self._lock:
            return service is not None and any(r.service == service for r in self._rules)

    def take(self, service: str, action: str | None) -> AwsFault | None:
        """The first live rule this call falls under, counted; None lets the call through."""
        with self._lock:
            for rule in self._rules:
                if not rule.matches(service, action):
                    continue
                rule.seen += 1
                if rule.seen <= rule.after:
                    return None
                rule.faulted += 1
                chosen = rule.model_copy()
                if rule.exhausted:
                    self._rules.remove(rule)
                return chosen
        return None

    def record(self, call: FaultedCall) -> None:
        with self._lock:
            self._calls.append(call)

    def rules(self) -> list[AwsFault]:
        with self._lock:
            return [r.model_copy() for r in self._rules]

    def calls(self) -> list[FaultedCall]:
        with self._lock:
            return list(self._calls)

    def clear(self) -> None:
        with self._lock:
            self._rules.clear()
            self._calls.clear()


def faulted_call(
    rule: AwsFault,
    service: str,
    action: str | None,
    method: str,
    path: str,
    status: int | None = None,
    code: str | None = None,
) -> FaultedCall:
    return FaultedCall(
        at=time.time(),
        rule=rule.id,
        kind=rule.kind,
        service=service,
        action=action,
        method=method,
        path=path,
        status=status,
        code=code,
    )
