"""blocks.plan is a package of small modules behind one import: every name it exports can be
imported from it, and no module grows back into the 1,263-line file it was split from."""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path

import pytest

import blocks.plan

MAX_LINES = 300
MODULES = sorted(Path(blocks.plan.__file__).parent.glob("*.py"))


@pytest.mark.parametrize("name", blocks.plan.__all__)
def test_every_exported_name_imports_from_the_package(name: str) -> None:
    namespace: dict[str, object] = {}
    exec(f"from blocks.plan import {name}", namespace)
    assert namespace[name] is getattr(blocks.plan, name)


def test_all_lists_each_name_once() -> None:
    assert len(blocks.plan.__all__) == len(set(blocks.plan.__all__))


def test_every_module_of_the_package_imports() -> None:
    names = [info.name for info in pkgutil.iter_modules(blocks.plan.__path__)]
    assert names, "the package has no modules"
    for name in names:
        importlib.import_module(f"blocks.plan.{name}")


@pytest.mark.parametrize("path", MODULES, ids=lambda path: path.name)
def test_each_module_stays_small(path: Path) -> None:
    lines = len(path.read_text(encoding="utf-8").splitlines())
    assert lines < MAX_LINES, (
        f"blocks/plan/{path.name} has {lines} lines: split it rather than grow it"
    )
