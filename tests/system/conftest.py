"""System fixtures: the real thing — prefect server, a process worker, `prefect deploy --all`."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from golive.local import local_stack
from golive.local.prefect_server import PrefectServer
from sandbox import manager

HEARTBEAT_WITHIN_S = (
    45  # launch heartbeats every 30 s (Prefect's minimum): one missed beat and a margin
)


@pytest.fixture(scope="session")
def deployed_stack(
    prefect_api: PrefectServer,
    sandbox_session: manager.Sandbox,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[local_stack.Stack]:
    home = Path(tmp_path_factory.mktemp("stack"))
    stack = local_stack.Stack(home, prefect_api, sandbox_session)
    # A short heartbeat window: a launch whose process and worker die is marked Crashed in ~45 s.
    local_stack.setup_workspace(stack, heartbeat_within_s=HEARTBEAT_WITHIN_S)
    local_stack.start_workers(stack, prefix="golive-test")
    try:
        yield stack
    finally:
        local_stack.stop_worker(home)


@pytest.fixture
def stack(deployed_stack: local_stack.Stack, sandbox: manager.Sandbox) -> local_stack.Stack:
    """The deployed stack with the sandbox reset to its seeded state."""
    from golive.local.sandbox_blocks import ensure_sandbox_blocks

    ensure_sandbox_blocks(sandbox.environment())
    return deployed_stack
