"""Shared fixtures: one sandbox and one Prefect API server per test session.

PREFECT_API_URL and PREFECT_HOME are set here, before anything imports prefect, so that
every flow the tests run (in any thread) talks to the session's real server.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Iterator

import pytest

from golive.prefect_server import free_port

_PREFECT_PORT = free_port()
_PREFECT_HOME = Path(tempfile.mkdtemp(prefix="golive-test-prefect-"))
os.environ["PREFECT_HOME"] = str(_PREFECT_HOME)
os.environ["PREFECT_API_URL"] = f"http://127.0.0.1:{_PREFECT_PORT}/api"
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "INFO")

from golive import prefect_server  # noqa: E402
from sandbox import manager  # noqa: E402


@pytest.fixture(scope="session")
def sandbox_session(tmp_path_factory: pytest.TempPathFactory) -> Iterator[manager.Sandbox]:
    state_dir = tmp_path_factory.mktemp("sandbox")
    running = manager.up(state_dir)
    # the runbook's variables and AWS_ENDPOINT_URL, for golive code running in this process
    saved = {k: os.environ.get(k) for k in running.environment()}
    os.environ.update(running.environment())
    try:
        yield running
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        manager.down(state_dir)


@pytest.fixture
def sandbox(sandbox_session: manager.Sandbox) -> Iterator[manager.Sandbox]:
    """The session's sandbox, as seeded: initial release live, weights 100/0, no faults."""
    sandbox_session.reset()
    yield sandbox_session


@pytest.fixture(scope="session")
def prefect_api() -> Iterator[prefect_server.PrefectServer]:
    """A real `prefect server start` (SQLite, UI off) on the port PREFECT_API_URL names."""
    server = prefect_server.start(_PREFECT_HOME / "server", port=_PREFECT_PORT, ui=False)
    try:
        yield server
    finally:
        from prefect.logging.handlers import APILogWorker

        APILogWorker.drain_all(timeout=10)  # send the last run logs before the server goes away
        prefect_server.stop(server)


@pytest.fixture
def repo_root() -> Path:
    return Path(__file__).resolve().parent.parent
