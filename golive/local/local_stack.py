"""The local stack the demo (and the system tests) run golive on: a Prefect server, the
sandbox, a process worker, and the deployments of prefect.yaml — all real processes.

State lives under .golive/ (git-ignored; `GOLIVE_HOME` names another directory): the server's
SQLite database and logs, the workers' pids and logs, the sandbox's state. Every process of the
stack, and every flow run its workers start, carries the stack's tag in its environment, so
`stop_stack` stops them all, including a flow run whose worker is already gone.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from golive.core.operator_view import SetupStep
from golive.local import prefect_server
from golive.local.processes import (
    STACK_TAG,
    alive,
    child_groups,
    stack_tag,
    stop_groups,
    tagged_groups,
)
from golive.operator.setup import ROLLBACK_POOL, WORK_POOL, prefect_cli, setup
from sandbox import manager

REPO = Path(__file__).resolve().parents[2]  # golive/local/local_stack.py -> the repo
HOME_ENV = "GOLIVE_HOME"
DEFAULT_UI_PORT = 4200
# Launch runs beat every 30 s (Prefect's minimum); workers poll every second so a rollback starts fast;
# a launch whose server is gone ends its process after 10 s (flows/api_watchdog.py).
WORKER_ENV = {
    "PREFECT_FLOWS_HEARTBEAT_FREQUENCY": "30",
    "PREFECT_WORKER_QUERY_SECONDS": "1",
    "GOLIVE_API_LOST_AFTER_S": "10",
}


def stack_home(home: Path | None = None) -> Path:
    """Where the stack keeps its state: `home`, else $GOLIVE_HOME, else .golive/ in the repo."""
    return Path(home or os.environ.get(HOME_ENV) or REPO / ".golive").resolve()


@dataclass
class Stack:
    home: Path
    server: prefect_server.PrefectServer
    sandbox: manager.Sandbox

    def env(self) -> dict[str, str]:
        """The environment a worker (and the flows it runs) needs: the API, the sandbox, the repo."""
        return {
            **os.environ,
            **self.sandbox.environment(),
            **self.server.client_env(),
            **WORKER_ENV,
            "GOLIVE_REPO_DIR": str(REPO),
            "GOLIVE_SANDBOX_DIR": str(self.sandbox.state_dir),
            **stack_tag(self.home),
        }


def _port_free(port: int) -> bool:
    import socket

    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) != 0


def start_stack(home: Path | None = None, ui: bool = True) -> Stack:
    home = stack_home(home)
    sandbox = manager.up(home / "sandbox")
    port = DEFAULT_UI_PORT if _port_free(DEFAULT_UI_PORT) else None
    server = prefect_server.start(home / "prefect", port=port, ui=ui, extra_env=stack_tag(home))
    stack = Stack(home, server, sandbox)
    # this process talks to the stack, but is not part of it: `golive stop` must not stop it
    os.environ.update(
        {k: v for k, v in stack.env().items() if k not in ("PATH", STACK_TAG, *WORKER_ENV)}
    )
    use_stack_api_here()
    return stack


def use_stack_api_here() -> None:
    """Prefect read its settings when first imported; make it see the env we just set."""
    from prefect.context import refresh_global_settings_context

    refresh_global_settings_context()


def run_prefect(stack: Stack, *args: str, timeout: float = 300) -> str:
    return prefect_cli(*args, env=stack.env(), repo=REPO, timeout=timeout)


def setup_workspace(stack: Stack, heartbeat_within_s: int | None = None) -> list[SetupStep]:
    """`golive setup` against the stack's server (golive/operator/setup.py: block types, both work
    pools, `prefect deploy --all` with the rollback trigger, the heartbeat automation;
    `heartbeat_within_s` overrides its 90 s, e.g. for a test), then the sandbox's blocks."""
    from golive.local.sandbox_blocks import ensure_sandbox_blocks

    steps = setup(REPO, env=stack.env(), heartbeat_within_s=heartbeat_within_s)
    ensure_sandbox_blocks(stack.sandbox.environment())
    return steps


def _worker_state(home: Path, pool: str) -> Path:
    return home / f"worker-{pool}.json"


def start_worker(stack: Stack, name: str = "golive-worker", pool: str = WORK_POOL) -> int:
    """A process worker for `pool` in its own process group; reused if already running."""
    state = _worker_state(stack.home, pool)
    if state.exists() and alive(pid := json.loads(state.read_text())["pid"]):
        return pid
    log = open(stack.home / f"worker-{pool}.log", "ab")
    process = subprocess.Popen(
        [sys.executable, "-m", "prefect", "worker", "start", "--pool", pool, "--name", name],
        cwd=REPO,
        env=stack.env(),
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
    )
    state.write_text(json.dumps({"pid": process.pid}))
    return process.pid


def worker_pid(home: Path, pool: str = WORK_POOL) -> int:
    return int(json.loads(_worker_state(home, pool).read_text())["pid"])


def start_workers(stack: Stack, prefix: str = "golive") -> dict[str, int]:
    """The launch worker and the rollback worker (on a real install: on different hosts)."""
    return {
        pool: start_worker(stack, f"{prefix}-{pool}", pool) for pool in (WORK_POOL, ROLLBACK_POOL)
    }


def stop_worker(home: Path | None = None, pool: str | None = None) -> bool:
    """Stop the worker of `pool` (every worker if None) and the flow runs it started: a process
    worker starts each run in a session of its own, which stopping the worker's group misses."""
    home = stack_home(home)
    workers = _worker_pids(home, [pool] if pool else [WORK_POOL, ROLLBACK_POOL])
    return bool(stop_groups(_with_their_runs(workers)))


def _worker_pids(home: Path, pools: list[str]) -> list[int]:
    pids = []
    for pool in pools:
        state = _worker_state(home, pool)
        if state.exists():
            pids.append(int(json.loads(state.read_text())["pid"]))
            state.unlink()
    return pids


def _with_their_runs(workers: list[int]) -> set[int]:
    # read before the workers go: their runs are then reparented and no longer tell whose they were
    return {*workers, *(group for pid in workers for group in child_groups(pid))}


def stop_stack(home: Path | None = None) -> list[str]:
    """Stop the workers and their flow runs, the Prefect server, the sandbox and anything else still
    carrying the stack's tag (a flow run whose worker died before): all at once, SIGTERM, then
    SIGKILL after 10 s. Names what was running."""
    home = stack_home(home)
    stopped, groups = [], set()
    if workers := _worker_pids(home, [WORK_POOL, ROLLBACK_POOL]):
        stopped.append("workers")
        groups |= _with_their_runs(workers)
    server_state = home / "prefect" / "server.json"
    if server_state.exists():
        groups.add(int(json.loads(server_state.read_text())["pid"]))
        server_state.unlink()
        stopped.append("prefect server")
    sandbox = manager.status(home / "sandbox")
    if sandbox:
        groups.add(int(sandbox.state.get("pgid", sandbox.state["pid"])))
        stopped.append("sandbox")
    known = set(groups)
    groups |= tagged_groups(home)
    stop_groups(groups, grace=10)
    manager.down(home / "sandbox")  # its state file; nothing is left to stop
    if extra := groups - known:
        stopped.append(f"{len(extra)} more process group(s) of the stack")
    return stopped
