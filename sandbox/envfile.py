"""The env file the sandbox writes: the runbook's variables, pointed at the sandbox."""

from __future__ import annotations

import shlex
from pathlib import Path

from sandbox.aws import DUMMY_KEY_ID, DUMMY_SECRET
from sandbox.seed import SeededIds
from sandbox.spec import WorldSpec


def sandbox_environment(
    spec: WorldSpec, ids: SeededIds, urls: dict[str, str], chat_token: str
) -> dict[str, str]:
    return {
        # the runbook's "Environment Configuration" block
        "STAGING_URL": urls["staging_edge"],
        "PROD_URL": urls["production_edge"],
        "STAGING_API_BASE_URL": urls["staging_edge"],
        "S3_BUCKET": spec.bucket,
        "CLOUDFRONT_DIST_ID": ids.production_distribution_id,
        # what golive needs beyond the runbook
        "PROD_API_BASE_URL": urls["production_edge"],
        "STAGING_CLOUDFRONT_DIST_ID": ids.staging_distribution_id,
        # each API slot's own port: golive asks it which release it runs before users reach it
        "GOLIVE_STAGING_API_SERVICE_URL": urls["staging_backend"],
        "GOLIVE_PRODUCTION_API_SLOTS_STABLE_URL": urls["stable_backend"],
        "GOLIVE_PRODUCTION_API_SLOTS_CANARY_URL": urls["canary_backend"],
        # boto3 goes through the AWS fault proxy; the sandbox's own seeding and watchers use moto
        "AWS_ENDPOINT_URL": urls["aws"],
        "GOLIVE_SANDBOX_MOTO_URL": urls["moto"],
        "AWS_ACCESS_KEY_ID": DUMMY_KEY_ID,
        "AWS_SECRET_ACCESS_KEY": DUMMY_SECRET,
        "AWS_DEFAULT_REGION": spec.region,
        "GOLIVE_SANDBOX_CONTROL_URL": urls["control"],
        # production's metrics server (Prometheus's HTTP API), for a plan judging on it
        **({"GOLIVE_PRODUCTION_METRICS_URL": urls["prometheus"]} if "prometheus" in urls else {}),
        "GOLIVE_CHAT_WEBHOOK_URL": f"{urls['chat']}/hooks/launch/{chat_token}",  # a secret, like a Slack hook
    }


def write_env_file(
    path: Path, spec: WorldSpec, ids: SeededIds, urls: dict[str, str], chat_token: str
) -> None:
    lines = [
        "# golive sandbox environment: `source` this file",
        *(
            f"export {key}={shlex.quote(value)}"
            for key, value in sandbox_environment(spec, ids, urls, chat_token).items()
        ),
    ]
    path.write_text("\n".join(lines) + "\n")
    path.chmod(0o600)
