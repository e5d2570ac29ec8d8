"""Frontend routers: how a share of the *site's* viewers gets the new release during the canary.

A CloudFront distribution serves one origin per cache behaviour, so the API routers
(`tasks/traffic`) cannot canary a site: splitting viewers between two releases of a site is the
CDN's job. A frontend router does it where the CDN can (CloudFront continuous deployment: a
staging distribution and a weight policy of at most 15 %). The plan picks one with
`environments.production.frontend_router`; without one the site switches at promotion, for
every user at once, and the plan check and the launch report say so.

One module per router behind the small `FrontendRouter` protocol, one entry (`plugin.py`) per
module, listed in `registry.py`, as the traffic routers are.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable

__all__ = ["FrontendRouter", "FrontendShare"]


@dataclass(frozen=True)
class FrontendShare:
    """The site's split as the CDN holds it: `percent` of viewers on the release being launched."""

    percent: float  # 0 unless a policy is attached and enabled
    detail: str  # what the CDN holds, for the timeline: policy, weight, staging distribution

    @property
    def active(self) -> bool:
        """Is any viewer sent to the release?"""
        return self.percent > 0


@runtime_checkable
class FrontendRouter(Protocol):
    def prepare(self, origin_path: str) -> str:
        """The release ready beside the live site at a share of 0 (nobody sees it yet)."""
        ...

    def set_share(self, percent: int) -> FrontendShare:
        """At a canary step of `percent` %: the site's share, capped by what the CDN can serve."""
        ...

    def promote(self) -> str:
        """The live site takes the release's configuration (the CDN then sends everyone there)."""
        ...

    def roll_back(self) -> str:
        """Every viewer back on the live site; nothing to do is not an error."""
        ...

    def share(self) -> FrontendShare: ...
