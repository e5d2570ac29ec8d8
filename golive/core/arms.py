"""Which side of the canary a response belongs to (pure).

Real apps say which *release* served a request, not "stable" or "canary". With `arms.by:
release` a response is the canary's when it names the release being launched and stable's when
it names the live one (the backup manifest's; unknown to an emergency rollback that has none:
then any other named release is stable). With `arms.by: header` the plan's `version_header`
values are mapped to the arms. A response that names neither is `unknown`: it fails the share
check and is never credited to the canary's health.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

from blocks.plan import LaunchPlan

CANARY, STABLE, UNKNOWN = "canary", "stable", "unknown"


@dataclass(frozen=True)
class ArmRule:
    by: str  # "release" or "header"
    launched: str
    live: str | None = None
    header_values: Mapping[str, tuple[str, ...]] | None = None

    @classmethod
    def of(cls, plan: LaunchPlan, launched: str, live: str | None) -> ArmRule:
        values = {arm: tuple(names) for arm, names in plan.arms.values.items()}
        return cls(plan.arms.by, launched, live, values)

    def arm(self, version: str | None, release: str | None) -> str:
        """canary, stable or unknown, from a response's version-header and release-header values."""
        if self.by == "header":
            for arm, names in (self.header_values or {}).items():
                if version in names:
                    return arm
            return UNKNOWN
        if not release or release == UNKNOWN:
            return UNKNOWN
        if release == self.launched:
            return CANARY
        if self.live is None or release == self.live:
            return STABLE
        return UNKNOWN

    def describe(self) -> str:
        if self.by == "header":
            return f"by header values {dict(self.header_values or {})}"
        live = self.live or "any other release"
        return f"by release: canary {self.launched}, stable {live}"


def with_arms(samples: pd.DataFrame, rule: ArmRule) -> pd.DataFrame:
    """The samples with `version` set to their arm; what the header said is kept as `served_by`."""
    if samples.empty:
        return samples.assign(served_by=pd.Series(dtype=object))
    versions = samples["version"] if "version" in samples else pd.Series(None, index=samples.index)
    releases = samples["release"] if "release" in samples else pd.Series(None, index=samples.index)
    arms = [rule.arm(v, r) for v, r in zip(versions, releases, strict=True)]
    return samples.assign(served_by=versions.to_numpy(), version=arms)
