"""Plan blocks on a real Prefect API: registration, overlay precedence, unresolvable names."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from blocks.prefect_blocks import GoliveEnvironment
from golive.cli import app
from tasks.plan_blocks import load_plan_with_blocks
from tests.integration.launch_helpers import plan_variant


def test_block_types_register_with_the_prefect_cli(prefect_api) -> None:  # noqa: ANN001
    done = subprocess.run(
        [sys.executable, "-m", "prefect", "block", "register", "-m", "blocks.prefect_blocks"],
        capture_output=True,
        text=True,
        env=dict(os.environ),
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "golive environment" in done.stdout.lower()


def test_environment_block_overlays_the_plan_and_env_vars_win(prefect_api, tmp_path: Path) -> None:  # noqa: ANN001
    GoliveEnvironment(bucket="statusboard-from-block", url="https://staging.example.org").save(
        "staging-env", overwrite=True
    )
    plan_file = plan_variant(tmp_path, environments__staging__block="staging-env")
    plan = load_plan_with_blocks(plan_file, env={})
    assert plan.environments.staging.bucket == "statusboard-from-block"
    assert plan.environments.staging.url == "https://staging.example.org"
    plan = load_plan_with_blocks(plan_file, env={"STAGING_URL": "http://127.0.0.1:9"})
    assert plan.environments.staging.url == "http://127.0.0.1:9"


def test_plan_check_names_unresolvable_blocks(prefect_api, tmp_path: Path) -> None:  # noqa: ANN001
    plan_file = plan_variant(
        tmp_path,
        notifications=[{"name": "chat", "kind": "webhook", "block": "no-such-chat"}],
        environments__production__block="no-such-env",
    )
    result = CliRunner().invoke(app, ["plan", "check", str(plan_file)])
    assert result.exit_code == 1
    output = " ".join(
        (result.output + (result.stderr if result.stderr_bytes is not None else "")).split()
    )
    assert (
        "notifications[0].block: 'no-such-chat' — a CustomWebhookNotificationBlock block" in output
    )
    assert "environments.production.block: 'no-such-env' — a GoliveEnvironment block" in output
    offline = CliRunner().invoke(app, ["plan", "check", "--offline", str(plan_file)])
    assert offline.exit_code == 0, offline.output
