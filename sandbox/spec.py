"""What the sandbox world contains: names of the AWS resources and the app it simulates.

The spec is plain data so that a launch plan can be turned into one (the sandbox is
"seeded for a plan"), and so the seeder, the edge and the tests agree on names.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field, field_validator

from sandbox.routers import router as simulated_router

Version = Literal["stable", "canary"]


class WorldSpec(BaseModel):
    app: str = "StatusBoardV2"
    region: str = "us-east-1"
    bucket: str = "statusboard-sandbox"
    staging_prefix: str = "staging/releases"
    production_prefix: str = "releases"
    # The release that is "live" when the world starts: production and staging serve it.
    initial_release: str = "v1.0.0"
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
    version_header: str = "X-Golive-Version"
    release_header: str = "X-Golive-Release"

    @field_validator("router")
    @classmethod
    def _known_router(cls, kind: str) -> str:
        simulated_router(kind)  # raises naming the known kinds
        return kind

    def release_prefix(self, environment: Literal["staging", "production"], release: str) -> str:
        base = self.staging_prefix if environment == "staging" else self.production_prefix
        return f"{base.strip('/')}/{release}"
