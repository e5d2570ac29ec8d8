"""Run the plan's build command for a release and return where its output is."""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path


class BuildFailed(RuntimeError):
    pass


@dataclass(frozen=True)
class BuildOutput:
    directory: Path
    files: int
    seconds: float
    log_tail: str


def run_build(
    command: list[str], working_dir: Path, output_dir: Path, release: str, timeout: float = 900
) -> BuildOutput:
    """The build gets `--release R --out DIR` appended and GOLIVE_RELEASE in its env."""
    import time

    argv = [*command, "--release", release, "--out", str(output_dir)]
    started = time.monotonic()
    try:
        done = subprocess.run(
            argv,
            cwd=working_dir,
            capture_output=True,
            text=True,
            timeout=timeout,
            env={**os.environ, "GOLIVE_RELEASE": release},
        )
    except FileNotFoundError as error:
        raise BuildFailed(f"build command not found: {argv[0]!r} (in {working_dir})") from error
    except subprocess.TimeoutExpired as error:
        raise BuildFailed(f"build timed out after {timeout:.0f}s: {' '.join(argv)}") from error
    tail = "\n".join((done.stdout + done.stderr).strip().splitlines()[-20:])
    if done.returncode != 0:
        raise BuildFailed(f"build exited with {done.returncode}: {' '.join(argv)}\n{tail}")
    if not (output_dir / "index.html").is_file():
        raise BuildFailed(f"build succeeded but wrote no index.html to {output_dir}")
    files = sum(1 for p in output_dir.rglob("*") if p.is_file())
    return BuildOutput(output_dir, files, round(time.monotonic() - started, 2), tail)
