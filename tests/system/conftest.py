"""System fixtures: the real thing — prefect server, a process worker, `prefect deploy --all`."""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest

from golive import local_stack
from golive.prefect_server import PrefectServer
from sandbox import manager


@pytest.fixture(scope="session")
def deployed_stack(prefect_api: PrefectServer, sandbox_session: manager.Sandbox,
                   tmp_path_factory: pytest.TempPathFactory) -> Iterator[local_stack.Stack]:
    home = Path(tmp_path_factory.mktemp("stack"))
    stack = local_stack.Stack(home, prefect_api, sandbox_session)
    local_stack.setup_workspace(stack)
    local_stack.start_worker(stack, name="golive-test-worker")
    try:
        yield stack
    finally:
        local_stack.stop_worker(home)


@pytest.fixture
def stack(deployed_stack: local_stack.Stack, sandbox: manager.Sandbox) -> local_stack.Stack:
    """The deployed stack with the sandbox reset to its seeded state."""
    from golive.sandbox_blocks import ensure_sandbox_blocks

    ensure_sandbox_blocks(sandbox.environment())
    return deployed_stack
