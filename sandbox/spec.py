"""What the sandbox world contains: names of the AWS resources and the app it simulates.

The spec is plain data so that a launch plan can be turned into one (the sandbox is
"seeded for a plan"), and so the seeder, the edge and the tests agree on names.
"""

from __future__ import annotations

from typing import Any, Literal, Self

from pydantic import BaseModel, Field, field_validator, model_validator

from sandbox.apps import simulated_app
from sandbox.routers import router as simulated_router

Version = Literal["stable", "canary"]


class WorldSpec(BaseModel):
    """The defaults are StatusBoardV2's world; `WorldSpec.for_app(name)` is another app's."""

    app: str = "StatusBoardV2"
    api: str = "statusboard"  # a name of sandbox.apps.APPS: the API the backends simulate
    frontend: str = (
        "examples/statusboard-frontend"  # the example site (its build.py), from the repo root
    )
    region: str = "us-east-1"
    bucket: str = "statusboard-sandbox"
    staging_prefix: str = "staging/releases"
    production_prefix: str = "releases"
    # The release that is "live" when the world starts: production and staging serve it.
    initial_release: str = "v1.0.0"
    # the distributions' S3 origins (ids), all at the initial release; the first is the default
    # cache behaviour's: a deploy may point another one (a canary origin) at the new release
    staging_origins: list[str] = Field(default_factory=lambda: ["staging"], min_length=1)
    production_origins: list[str] = Field(
        default_factory=lambda: ["stable", "canary"], min_length=1
    )
    hosted_zone: str = "statusboard.sandbox."
    record_name: str = "api.statusboard.sandbox."
    stable_set_identifier: str = "stable"
    canary_set_identifier: str = "canary"
    load_balancer_name: str = "statusboard-prod"
    listener_port: int = 80
    stable_target_group: str = "statusboard-stable"
    canary_target_group: str = "statusboard-canary"
    # the API slots: one ECS service each, its image tagged with the release it runs (sandbox/slots.py)
    api_image: str = "statusboard-api"
    staging_cluster: str = "statusboard-staging"
    production_cluster: str = "statusboard-prod"
    staging_service: str = "statusboard-api"
    stable_service: str = "statusboard-stable"
    canary_service: str = "statusboard-canary"
    alarms: list[str] = Field(default_factory=lambda: ["statusboard-5xx", "statusboard-latency"])
    router: str = "route53"  # a kind of sandbox.routers.ROUTERS: the router the edge follows
    # the header naming the slot that answered (stable/canary); None: the app sends none
    version_header: str | None = "X-Golive-Version"
    release_header: str = "X-Golive-Release"  # the release the answering slot runs
    # users on the production edge from the start (sandbox/users.py), requests per second; 0: none
    users_rate: float = Field(0.0, ge=0, le=200)
    users_duration_s: float = Field(3600.0, gt=0, le=3600)
    # the people of the world's plans who sign off: each gets a TOTP secret in Secrets Manager,
    # `<approver_secret_prefix><name>` (what a plan with `approvals.proof: totp` checks codes against)
    approvers: list[str] = Field(
        default_factory=lambda: ["alice", "bob", "sandbox-approver", "qa-lead", "product-owner"]
    )
    approver_secret_prefix: str = "golive/approvers/"
    # the app's own names for the sandbox's two production slots (stable, canary)
    slot_names: dict[Version, str] = Field(
        default_factory=lambda: {"stable": "stable", "canary": "canary"}
    )

    @classmethod
    def for_app(cls, api: str, **overrides: Any) -> WorldSpec:
        """The world of the simulated app `api` (its names in sandbox.apps), with `overrides`."""
        return cls.model_validate({**simulated_app(api).world, "api": api, **overrides})

    @field_validator("api")
    @classmethod
    def _known_app(cls, name: str) -> str:
        simulated_app(name)  # raises naming the known apps
        return name

    @model_validator(mode="after")
    def _distinct_origins(self) -> Self:
        for field in ("staging_origins", "production_origins"):
            origins = getattr(self, field)
            if len(set(origins)) != len(origins):
                raise ValueError(f"{field}: each origin id once, got {origins}")
        return self

    @field_validator("router")
    @classmethod
    def _known_router(cls, kind: str) -> str:
        simulated_router(kind)  # raises naming the known kinds
        return kind

    def release_prefix(self, environment: Literal["staging", "production"], release: str) -> str:
        base = self.staging_prefix if environment == "staging" else self.production_prefix
        return f"{base.strip('/')}/{release}"
