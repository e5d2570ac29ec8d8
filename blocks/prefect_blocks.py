"""Prefect Block types golive users configure in the Prefect UI.

Register them once per workspace:  prefect block register -m blocks.prefect_blocks

A plan's environment may name a GoliveEnvironment block (`block: prod-env`): its
non-empty fields overlay the plan file, and the runbook's environment variables overlay
both. Its AWS credentials (a prefect-aws AwsCredentials block, stored encrypted) are
used for that environment's boto3 clients.
"""

from __future__ import annotations

from prefect.blocks.core import Block
from prefect_aws import AwsCredentials
from pydantic import Field

# The fields of a plan environment that a block may supply.
OVERLAY_FIELDS = ("url", "api_base_url", "bucket", "prefix", "cloudfront_distribution_id")


class GoliveEnvironment(Block):
    """Where one environment of a golive launch lives: its URLs, bucket, distribution and AWS credentials."""

    _block_type_name = "golive environment"
    _block_type_slug = "golive-environment"
    _description = "One environment (staging or production) of a golive launch plan."
    _documentation_url = "https://github.com/golive/golive/blob/main/docs/architecture.md"  # type: ignore[assignment]

    url: str | None = Field(
        None, description="The site URL (CloudFront), e.g. https://edgarsautoshop.com"
    )
    api_base_url: str | None = Field(None, description="The API base URL")
    bucket: str | None = Field(None, description="S3 bucket that holds the releases")
    prefix: str | None = Field(None, description="Releases go under {prefix}/{release}/")
    cloudfront_distribution_id: str | None = Field(
        None, description="The environment's distribution id"
    )
    aws_credentials: AwsCredentials | None = Field(
        None, description="Credentials for this environment"
    )

    def overlay(self) -> dict[str, str]:
        return {name: value for name in OVERLAY_FIELDS if (value := getattr(self, name))}


class GolivePlan(Block):
    """A launch plan stored on the Prefect server, where every worker reads it (`golive plan push`)."""

    _block_type_name = "golive plan"
    _block_type_slug = "golive-plan"
    _description = (
        "A golive launch plan (YAML). Launches and rollbacks name it as golive-plan/<name>; "
        "each launch keeps the exact text it ran as golive-plan/launch-<launch id>."
    )
    _documentation_url = "https://github.com/golive/golive/blob/main/docs/plan-reference.md"  # type: ignore[assignment]

    plan_yaml: str = Field(..., description="The plan, exactly as written")
    sha256: str = Field("", description="Digest of plan_yaml, for the launch record")
    pushed_from: str = Field("", description="Where the plan was read from when it was stored")
