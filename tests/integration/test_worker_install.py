"""A production worker's install: the Dockerfile's own `uv sync` lines, run into a fresh
environment, give golive without the sandbox's packages, and a health check of the sandbox's
production runs from it (boto3, the probe, the smoke suites, S3 records: all a launch uses)."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

from golive.local.sandbox_blocks import ensure_sandbox_blocks
from sandbox import manager
from tests.integration.launch_helpers import REHEARSAL, REPO


def dockerfile_syncs() -> list[list[str]]:
    lines = (REPO / "Dockerfile").read_text().splitlines()
    syncs = [shlex.split(line[4:]) for line in lines if re.match(r"RUN uv sync\b", line)]
    assert syncs and all("--no-dev" in s and "--extra" not in s for s in syncs), syncs
    return syncs


def test_the_worker_image_installs_golive_without_the_sandbox_and_runs_a_check(
    sandbox: manager.Sandbox, prefect_api, tmp_path: Path
) -> None:  # noqa: ANN001
    venv = tmp_path / "worker-venv"
    env = {**os.environ, "UV_PROJECT_ENVIRONMENT": str(venv), "UV_PYTHON": sys.executable}
    for sync in dockerfile_syncs():  # `uv sync ...` as the image runs it, from the locked cache
        done = subprocess.run(
            ["python3", "-m", "uv", *sync[1:], "--quiet"],
            cwd=REPO,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert done.returncode == 0, done.stderr
    python = str(venv / "bin" / "python")

    def run(code: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [python, "-c", code],
            cwd=REPO,
            env=os.environ,
            capture_output=True,
            text=True,
            timeout=300,
        )

    missing = run(
        "import importlib.util as u; print([m for m in ('moto', 'httptools') if u.find_spec(m)])"
    )
    assert missing.stdout.strip() == "[]", missing  # the sandbox's packages are not there
    refused = run("from sandbox import manager; manager.up()")
    assert "golive's `sandbox` extra" in refused.stderr, refused.stderr

    ensure_sandbox_blocks(sandbox.environment())
    checked = run(
        f"from flows.health_check import health_check; print(health_check(plan={REHEARSAL!r}))"
    )
    assert checked.returncode == 0, checked.stderr[-3000:]
    assert "StatusBoardV2 v1.0.0: healthy" in checked.stdout
