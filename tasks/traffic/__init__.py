"""Traffic routers: how the canary's share of production traffic is set and read.

One file per router (`route53.py`, `alb.py`) behind the small `TrafficRouter` protocol,
as Flagger does in `pkg/router`: the canary flow asks for a percent and never learns
whether DNS or a load balancer moved the users. Each router module declares one entry
(`ROUTER`, a `plugin.RouterPlugin`: its plan settings, IAM actions, read-only probe,
description and constructor), and `registry.py` lists them and picks one by the plan's
`router.kind`. `verify.py` checks from the outside that users really are split that way.

Every router keeps two weights, stable = 100 - p and canary = p, so the weights read
as percents in the AWS console too. Errors are `TrafficError`s that name the action
and the resource, so a failed shift says what to look at in AWS.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from tasks.aws_errors import AwsActionError
from tasks.aws_errors import aws_action as _aws_action

__all__ = [
    "TrafficError",
    "TrafficRouter",
    "WeightChange",
    "aws_action",
    "canary_percent",
    "check_percent",
    "router_for",
    "target_weights",
]


class TrafficError(AwsActionError):
    """A router action that failed: '<service>:<Action> on <resource>: <why>'."""


def aws_action(
    action: str, resource: str, error_type: Callable[[str, str, str], Exception] = TrafficError
) -> AbstractContextManager[None]:
    """`tasks.aws_errors.aws_action` raising `TrafficError` unless told otherwise."""
    return _aws_action(action, resource, error_type)


@dataclass(frozen=True)
class WeightChange:
    """What `set_canary_weight` did; `changed` is False when the weights were already there."""

    before: int  # canary percent before
    after: int  # canary percent after
    changed: bool
    resource: str = ""  # what was changed, for the timeline: a record name or a listener ARN
    weights: dict[str, int] | None = None  # the raw weights after the change


@runtime_checkable
class TrafficRouter(Protocol):
    def set_canary_weight(self, percent: int) -> WeightChange:
        """Route `percent` % to canary, the rest to stable; a no-op if that is already so."""
        ...

    def current_weight(self) -> int:
        """The canary's share of traffic in percent, 0..100."""
        ...

    def weights(self) -> dict[str, int]:
        """The raw weights: {"stable": w, "canary": w}."""
        ...


def check_percent(percent: int) -> int:
    if isinstance(percent, bool) or not isinstance(percent, int) or not 0 <= percent <= 100:
        raise ValueError(f"canary weight must be an integer percent from 0 to 100, not {percent!r}")
    return percent


def target_weights(percent: int) -> dict[str, int]:
    return {"stable": 100 - percent, "canary": percent}


def canary_percent(weights: dict[str, int]) -> int:
    """The canary's share of the two weights, rounded to a whole percent.

    Both zero means equal shares: that is how Route 53 answers when every weighted record
    has weight 0 (and the sandbox edge does the same), so 50 — not 0 — is the truth.
    """
    stable, canary = weights.get("stable", 0), weights.get("canary", 0)
    total = stable + canary
    return 50 if total == 0 else round(100 * canary / total)


# Last, because each router module imports the names above; `router_for` stays importable from
# here for its many callers, while the registry is where routers are listed and looked up.
from tasks.traffic.registry import router_for  # noqa: E402
