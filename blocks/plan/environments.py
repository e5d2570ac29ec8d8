"""The plan's `environments:` section: staging and production, where releases go.

An `Environment` is a site and its API, the S3 bucket and prefix releases are copied to,
the CloudFront distribution in front of them and, for production, the router that shifts
traffic to the canary. `Environments` checks across the pair: production must have a router,
and the two must not share a release prefix.
"""

from __future__ import annotations

from typing import Self

from pydantic import Field, field_validator, model_validator

from blocks.plan.base import _duplicates, _Model
from blocks.plan.errors import _MISSING, PlanValueError, _Checks
from blocks.plan.releases import ApiSlots, EcsService
from blocks.plan.routers import RouterConfig
from blocks.plan.strings import (
    BlockName,
    BucketName,
    DistributionId,
    HttpUrl,
    NonEmpty,
    S3Prefix,
    UrlPath,
)


class Environment(_Model):
    url: HttpUrl  # the site (CloudFront)
    api_base_url: HttpUrl
    bucket: BucketName
    prefix: S3Prefix  # release objects go under {prefix}/{release}/
    cloudfront_distribution_id: DistributionId
    health_path: UrlPath = "/health"
    # the CloudFront origin a deploy repoints; None = the default cache behaviour's origin
    origin_id: NonEmpty | None = None
    # production: the origin a deploy points at the new release while users still see the
    # live one (weight 0); None = the frontend switches only when the release is promoted
    canary_origin_id: NonEmpty | None = None
    # a GoliveEnvironment block (configured in the Prefect UI) whose values overlay this section
    block: BlockName | None = None
    aws_credentials_block: BlockName | None = None
    router: RouterConfig | None = None
    # production: what splits the *site's* viewers during the canary (e.g. CloudFront continuous
    # deployment); None = the site switches at promotion, for every user at once
    frontend_router: RouterConfig | None = None
    alarms: list[NonEmpty] = Field(default_factory=list)  # CloudWatch alarm names
    # the environment's metrics server, for a counting metric source (Prometheus's HTTP API base URL)
    metrics_url: HttpUrl | None = None
    # staging: the API's ECS service, deployed and checked in Gate A before the smoke suites
    api_service: EcsService | None = None
    # production: the two API slots behind the router (api_release says how a release moves)
    api_slots: ApiSlots | None = None

    @field_validator("alarms")
    @classmethod
    def _unique_alarms(cls, alarms: list[str]) -> list[str]:
        if dupes := _duplicates(alarms):
            raise PlanValueError(alarms, f"each alarm once ({dupes[0]!r} is repeated)")
        return alarms

    def release_prefix(self, release: str) -> str:
        return f"{self.prefix}/{release}"


class Environments(_Model):
    staging: Environment
    production: Environment

    @model_validator(mode="after")
    def _production_ready(self) -> Self:
        checks = _Checks()
        if self.production.router is None:
            checks.fail(
                ("production", "router"),
                _MISSING,
                "required: the canary shifts production traffic with it",
            )
        if self.staging.frontend_router is not None:
            checks.fail(
                ("staging", "frontend_router"),
                "a frontend router",
                "only production splits its viewers (leave it out of staging)",
            )
        if (self.staging.bucket, self.staging.prefix) == (
            self.production.bucket,
            self.production.prefix,
        ):
            checks.fail(
                ("production", "prefix"),
                self.production.prefix,
                "must differ from staging's prefix in the same bucket (releases would collide)",
            )
        checks.raise_any()
        return self

    def items(self) -> list[tuple[str, Environment]]:
        return [("staging", self.staging), ("production", self.production)]
