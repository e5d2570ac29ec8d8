"""The sandbox is the world golive is judged against: it imports nothing of golive's own code
(tasks/, flows/, golive/, blocks/), so a bug there cannot hide on both sides of a test."""

from __future__ import annotations

import ast
from pathlib import Path

SANDBOX = Path(__file__).resolve().parents[2] / "sandbox"
GOLIVE_PACKAGES = ("tasks", "flows", "golive", "blocks")


def _imports(tree: ast.AST) -> list[tuple[int, str]]:
    """(line, module) of every import, however nested (a function's lazy import counts too)."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.lineno, node.module))
    return found


def test_no_sandbox_module_imports_golive_code() -> None:
    modules = sorted(SANDBOX.rglob("*.py"))
    assert len(modules) > 10, f"found only {len(modules)} modules under {SANDBOX}"
    offending = [f"{path.relative_to(SANDBOX.parent)}:{line} imports {module}"
                 for path in modules for line, module in _imports(ast.parse(path.read_text(), str(path)))
                 if module.split(".")[0] in GOLIVE_PACKAGES]
    assert not offending, "the sandbox must not import golive's code:\n" + "\n".join(offending)
