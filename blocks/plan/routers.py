"""How production traffic is weighed between stable and canary: the plan's routers.

`RouterConfig` (an environment's `router:`) names a `kind` and holds that kind's section:
`Route53Config` (weighted records) or `AlbConfig` (a listener's weighted target groups).
Every router model lives here, in one module.
"""

from __future__ import annotations

from typing import Literal, Self

from pydantic import Field, model_validator

from blocks.plan.base import _Model
from blocks.plan.errors import _MISSING, _Checks
from blocks.plan.strings import AwsShortName, DnsName, NonEmpty


class Route53Config(_Model):
    """Weighted records: the canary weight is the canary record's share of the pair."""

    hosted_zone: DnsName
    record_name: DnsName
    stable_set_identifier: NonEmpty = "stable"
    canary_set_identifier: NonEmpty = "canary"

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        checks = _Checks()
        if self.record_name != self.hosted_zone and not self.record_name.endswith("." + self.hosted_zone):
            checks.fail("record_name", self.record_name, f"a name inside the hosted zone {self.hosted_zone!r}")
        if self.canary_set_identifier == self.stable_set_identifier:
            checks.fail("canary_set_identifier", self.canary_set_identifier, "must differ from stable_set_identifier")
        checks.raise_any()
        return self


class AlbConfig(_Model):
    """A listener whose forward action weighs a stable and a canary target group."""

    load_balancer_name: AwsShortName
    listener_port: int = Field(443, ge=1, le=65535)
    stable_target_group: AwsShortName
    canary_target_group: AwsShortName

    @model_validator(mode="after")
    def _distinct_groups(self) -> Self:
        checks = _Checks()
        if self.canary_target_group == self.stable_target_group:
            checks.fail("canary_target_group", self.canary_target_group, "must differ from stable_target_group")
        checks.raise_any()
        return self


RouterKind = Literal["route53", "alb"]


class RouterConfig(_Model):
    kind: RouterKind
    route53: Route53Config | None = None
    alb: AlbConfig | None = None

    @model_validator(mode="after")
    def _section_for_kind(self) -> Self:
        checks = _Checks()
        if getattr(self, self.kind) is None:
            checks.fail(self.kind, _MISSING, f"required when kind is {self.kind!r}")
        checks.raise_any()
        return self

    @property
    def settings(self) -> Route53Config | AlbConfig:
        """The section that `kind` selects."""
        section = getattr(self, self.kind)
        assert section is not None  # guaranteed by validation
        return section
