"""What a counting metric source gives the canary: the arms' counts over a window (shared by every kind).

A counting source (`counting = True` on its registry entry: `prometheus`, `cloudwatch`) judges
the canary on what real users got, counted by a metrics service, rather than on a probe's
samples. Its entry then also has the methods of `CountingSource` below, and
`flows/counted_evaluation.py` asks only those: wait until the window's data can have landed,
read the window, and whether the probe is the floor when the canary's traffic is thin.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from golive.core.counts_judge import ArmCounts

if TYPE_CHECKING:
    from blocks.plan import Environment, LaunchPlan
    from golive.core.arms import ArmRule

__all__ = ["CountingSource", "CountsUnavailable", "WindowCounts", "sleep_until"]


class CountsUnavailable(RuntimeError):
    """The metrics service could not say (unreachable, refused, a counter reset, no data points):
    the evaluation is inconclusive, never a pass. Its message names no secret."""


@dataclass(frozen=True)
class WindowCounts:
    """One evaluation's counts: this window's and the canary's since it started, per arm."""

    canary: ArmCounts
    stable: ArmCounts
    canary_since_start: ArmCounts
    start: float  # the window the counts cover (a source may round it: CloudWatch to whole minutes)
    end: float
    queries: int  # how many queries (Prometheus instant queries, CloudWatch metric queries) it took
    other: int = 0  # requests in the window neither arm's (another release, no label)


@runtime_checkable
class CountingSource(Protocol):
    """The methods a counting entry adds to `tasks.metrics.MetricsSource`."""

    def wait_for_window(self, plan: LaunchPlan, end: float) -> None:
        """Sleep until the data up to `end` (epoch seconds) can have landed in the service."""
        ...

    def read_window(
        self,
        plan: LaunchPlan,
        environment: Environment,
        rule: ArmRule,
        *,
        canary_start: float,
        start: float,
        end: float,
        live_slot: str = "stable",
    ) -> WindowCounts:
        """The arms' counts over [start, end] and the canary's over [canary_start, end]; CountsUnavailable
        when the service cannot say. `live_slot`: the router's target serving users before the launch."""
        ...

    def floor(self, plan: LaunchPlan) -> str | None:
        """ "probe" when the plan wants the probe as a floor for a window of thin traffic, else None."""
        ...


def sleep_until(ready: float) -> None:
    while (left := ready - time.time()) > 0:
        time.sleep(left)
