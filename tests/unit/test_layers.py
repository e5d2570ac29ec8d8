"""The layers of docs/architecture.md, as import-linter contracts (pyproject.toml
[tool.importlinter]): the plan model imports nothing else of golive, the pure core only the
plan model, tasks/ never flows/, the sandbox nothing of golive. Direct and indirect imports."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_every_layer_contract_is_kept() -> None:
    lint_imports = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run(
        [str(lint_imports), "--no-cache"], cwd=REPO, capture_output=True, text=True, timeout=120
    )
    report = result.stdout[result.stdout.find("Contracts") :]
    assert result.returncode == 0, report
    assert "BROKEN" not in report and "KEPT" in report, report
