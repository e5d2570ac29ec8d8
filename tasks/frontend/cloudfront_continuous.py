"""A frontend router over CloudFront continuous deployment (the plan's
`frontend_router: {kind: cloudfront_continuous, cloudfront_continuous: {...}}`).

The production deploy copies the live (primary) distribution to a staging distribution, points
the staging copy's origin at the release and attaches a weight policy at 0; each canary step
sends min(step, `max_percent`) % of viewers to it (CloudFront's limit is 15 %, with optional
sticky sessions so a viewer keeps one release); promotion is UpdateDistributionWithStagingConfig
(the primary takes the staging's origins, and CloudFront disables the policy); a rollback
detaches the policy, so the primary, still on the live release, serves every viewer. The AWS
calls are `continuous_deployment.py`'s, each idempotent.
"""

from __future__ import annotations

from typing import Any, Self

from pydantic import Field, model_validator

from blocks.plan import Environment, FieldChecks, PlanModel
from tasks.cloudfront import invalidate
from tasks.frontend import FrontendShare
from tasks.frontend.continuous_deployment import (
    MAX_STAGING_WEIGHT,
    detach_policy,
    ensure_staging_distribution,
    promote_staging,
    set_staging_weight,
    staging_distribution_of,
    staging_state,
)
from tasks.frontend.plugin import FrontendRouterPlugin

__all__ = ["ROUTER", "ContinuousDeploymentRouter", "ContinuousDeploymentSettings"]

MAX_PERCENT = round(100 * MAX_STAGING_WEIGHT)


class ContinuousDeploymentSettings(PlanModel):
    """The plan's `frontend_router.cloudfront_continuous`."""

    # the most of the site's viewers the release gets during the canary, in percent
    max_percent: float = Field(MAX_PERCENT, gt=0)
    # a viewer keeps the release it got for its session (CloudFront's session stickiness)
    sticky: bool = True

    @model_validator(mode="after")
    def _within_cloudfront_limit(self) -> Self:
        checks = FieldChecks()
        if self.max_percent > MAX_PERCENT:
            checks.fail(
                "max_percent",
                self.max_percent,
                f"at most {MAX_PERCENT}: CloudFront continuous deployment sends at most "
                f"{MAX_PERCENT} % of viewers to a staging distribution",
            )
        checks.raise_any()
        return self


def share_at(settings: ContinuousDeploymentSettings, step: int) -> float:
    return float(min(step, settings.max_percent))


class ContinuousDeploymentRouter:
    def __init__(
        self, settings: ContinuousDeploymentSettings, cloudfront: Any, production: Environment
    ) -> None:
        self.settings = settings
        self.cf = cloudfront
        self.primary = production.cloudfront_distribution_id
        self.origin_id = production.origin_id

    def _staging(self) -> str:
        staging = staging_distribution_of(self.cf, self.primary)
        if staging is None:  # fail closed: the deploy that makes it has not run
            raise LookupError(
                f"distribution {self.primary} has no staging distribution: the production "
                "deploy makes it before the canary"
            )
        return staging

    def prepare(self, origin_path: str) -> str:
        staging = ensure_staging_distribution(self.cf, self.primary, self.origin_id, origin_path)
        # the copy may be an earlier launch's: nothing it cached may outlive the new origin
        invalidate(self.cf, staging)
        policy = set_staging_weight(self.cf, self.primary, staging, 0.0, self.settings.sticky)
        return f"staging distribution {staging} at {origin_path}, policy {policy} at 0 %"

    def set_share(self, percent: int) -> FrontendShare:
        weight = share_at(self.settings, percent) / 100
        set_staging_weight(self.cf, self.primary, self._staging(), weight, self.settings.sticky)
        return self.share()

    def promote(self) -> str:
        staging = self._staging()
        changed = promote_staging(self.cf, self.primary, staging)
        return f"{self.primary} took the configuration of staging {staging}" + (
            "" if changed else " (already)"
        )

    def roll_back(self) -> str:
        policy = detach_policy(self.cf, self.primary)
        return f"policy {policy} detached from {self.primary}" if policy else "no policy attached"

    def share(self) -> FrontendShare:
        state = staging_state(self.cf, self.primary)
        weight = state["weight"] if state["enabled"] and state["weight"] is not None else 0.0
        percent = round(100 * weight, 2)
        if state["policy_id"] is None:
            detail = f"no continuous deployment policy on {self.primary}"
        else:
            detail = (
                f"policy {state['policy_id']} {'enabled' if state['enabled'] else 'disabled'} at "
                f"{percent:g} % to staging {state['staging_distribution_id']} "
                f"({', '.join(state['staging_origin_paths'].values()) or 'no origin'})"
            )
        return FrontendShare(percent=percent, detail=detail)


def describe(settings: ContinuousDeploymentSettings) -> str:
    sticky = "sticky sessions" if settings.sticky else "no stickiness"
    return (
        f"a staging distribution gets min(step, {settings.max_percent:g}) % of the site's "
        f"viewers ({sticky}); promotion copies its configuration to the live distribution"
    )


ROUTER: FrontendRouterPlugin[ContinuousDeploymentSettings] = FrontendRouterPlugin(
    kind="cloudfront_continuous",
    settings=ContinuousDeploymentSettings,
    service="cloudfront",
    actions=(
        "cloudfront:CopyDistribution",
        "cloudfront:CreateContinuousDeploymentPolicy",
        "cloudfront:UpdateContinuousDeploymentPolicy",
        "cloudfront:GetContinuousDeploymentPolicyConfig",
        "cloudfront:ListContinuousDeploymentPolicies",
        "cloudfront:UpdateDistributionWithStagingConfig",
        "cloudfront:ListDistributions",
    ),
    describe=describe,
    share_at=share_at,
    build=ContinuousDeploymentRouter,
)
