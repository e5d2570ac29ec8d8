"""The plan's `canary:` and `stabilization:` sections: how a release reaches all traffic.

`CanaryPolicy` is the traffic steps, how long each bakes and how often it is evaluated, how
many failed evaluations roll it back and how often an inconclusive one extends the bake;
`CompareWithStable` is its rank test against stable. `Stabilization` is the watch after
full rollout: its window and checkpoints.
"""

from __future__ import annotations

from typing import Annotated, Self

from pydantic import AfterValidator, Field, field_validator, model_validator

from blocks.plan.base import _Model
from blocks.plan.errors import PlanValueError, _Checks
from blocks.plan.units import Duration, Percent, PositiveDuration, PositiveFraction, PositivePercent


class CompareWithStable(_Model):
    """Rank test of canary against stable, to catch a regression before it crosses a threshold."""

    enabled: bool = True
    alpha: float = Field(0.01, gt=0, lt=1)
    max_relative_slowdown: PositivePercent = Percent(0.2, "20%")


def _traffic_step(step: int) -> int:
    if not 1 <= step <= 100:
        raise PlanValueError(step, "a percent of traffic from 1 to 100")
    return step


class CanaryPolicy(_Model):
    steps: list[Annotated[int, AfterValidator(_traffic_step)]]
    bake: PositiveDuration  # time at each step
    evaluation_interval: PositiveDuration
    max_consecutive_failures: int = Field(2, ge=1)
    max_total_failures: int = Field(3, ge=1)
    max_inconclusive_extensions: int = Field(2, ge=0)
    share_tolerance: PositiveFraction = Percent(
        0.05, "5%"
    )  # allowed deviation of the observed canary share
    compare_with_stable: CompareWithStable = CompareWithStable()
    # A counting metric source's launch-wide chance of rolling back a release that meets every SLO,
    # however often it is looked at (golive.core.counts_judge splits it over its sequential tests).
    false_rollback_bound: PositiveFraction = Percent(0.01, "1%")

    @field_validator("steps")
    @classmethod
    def _steps(cls, steps: list[int]) -> list[int]:
        if not steps:
            raise PlanValueError(steps, "at least one step, ending at 100")
        if any(later <= earlier for earlier, later in zip(steps, steps[1:], strict=False)):
            raise PlanValueError(steps, "steps must strictly increase")
        if steps[-1] != 100:
            raise PlanValueError(steps, "the last step must be 100 (full rollout)")
        return steps

    @model_validator(mode="after")
    def _timings_and_limits(self) -> Self:
        checks = _Checks()
        if self.evaluation_interval > self.bake:
            checks.fail(
                "evaluation_interval",
                self.evaluation_interval,
                f"must not be longer than bake ({self.bake.text!r})",
            )
        if self.max_total_failures < self.max_consecutive_failures:
            checks.fail(
                "max_total_failures",
                self.max_total_failures,
                f"at least max_consecutive_failures ({self.max_consecutive_failures})",
            )
        checks.raise_any()
        return self

    @property
    def evaluations_per_step(self) -> int:
        return max(1, int(self.bake // self.evaluation_interval))

    @property
    def minimum_duration(self) -> float:
        """Seconds from the first step to the end of the last bake, if every evaluation passes."""
        return len(self.steps) * float(self.bake)


class Stabilization(_Model):
    window: PositiveDuration = Duration(1800, "30m")
    checkpoint_interval: PositiveDuration = Duration(600, "10m")

    @model_validator(mode="after")
    def _interval_within_window(self) -> Self:
        checks = _Checks()
        if self.checkpoint_interval > self.window:
            checks.fail(
                "checkpoint_interval",
                self.checkpoint_interval,
                f"must not be longer than window ({self.window.text!r})",
            )
        checks.raise_any()
        return self

    @property
    def checkpoints(self) -> int:
        return max(1, int(self.window // self.checkpoint_interval))
