"""Shared fixtures: one sandbox per test session, reset to its seeded state per test."""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest

from sandbox import manager


@pytest.fixture(scope="session")
def sandbox_session(tmp_path_factory: pytest.TempPathFactory) -> Iterator[manager.Sandbox]:
    state_dir = tmp_path_factory.mktemp("sandbox")
    running = manager.up(state_dir)
    try:
        yield running
    finally:
        manager.down(state_dir)


@pytest.fixture
def sandbox(sandbox_session: manager.Sandbox) -> Iterator[manager.Sandbox]:
    """The session's sandbox, as seeded: initial release live, weights 100/0, no faults."""
    sandbox_session.reset()
    yield sandbox_session


@pytest.fixture
def repo_root() -> Path:
    return Path(__file__).resolve().parent.parent
