"""The local stack the demo (and the system tests) run golive on: a Prefect server, the
sandbox, a process worker, and the deployments of prefect.yaml — all real processes.

State lives under .golive/ (git-ignored): the server's SQLite database and logs, the
worker's pid and log, the sandbox's state.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from golive import prefect_server
from sandbox import manager

REPO = Path(__file__).resolve().parent.parent
WORK_POOL = "golive-pool"
DEFAULT_UI_PORT = 4200


@dataclass
class Stack:
    home: Path
    server: prefect_server.PrefectServer
    sandbox: manager.Sandbox

    def env(self) -> dict[str, str]:
        """The environment a worker (and the flows it runs) needs: the API, the sandbox, the repo."""
        return {**os.environ, **self.sandbox.environment(), **self.server.client_env(),
                "GOLIVE_REPO_DIR": str(REPO), "GOLIVE_SANDBOX_DIR": str(self.sandbox.state_dir)}


def _port_free(port: int) -> bool:
    import socket

    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) != 0


def start_stack(home: Path | None = None, ui: bool = True) -> Stack:
    home = (home or REPO / ".golive").resolve()
    sandbox = manager.up(home / "sandbox")
    port = DEFAULT_UI_PORT if _port_free(DEFAULT_UI_PORT) else None
    server = prefect_server.start(home / "prefect", port=port, ui=ui)
    stack = Stack(home, server, sandbox)
    os.environ.update({k: v for k, v in stack.env().items() if k not in ("PATH",)})
    _use_api_in_this_process()
    return stack


def _use_api_in_this_process() -> None:
    """Prefect read its settings when first imported; make it see the env we just set."""
    from prefect.context import refresh_global_settings_context

    refresh_global_settings_context()


def run_prefect(stack: Stack, *args: str, timeout: float = 300) -> str:
    done = subprocess.run([sys.executable, "-m", "prefect", *args], cwd=REPO, env=stack.env(),
                          capture_output=True, text=True, timeout=timeout)
    if done.returncode != 0:
        raise RuntimeError(f"prefect {' '.join(args)} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    return done.stdout


def setup_workspace(stack: Stack) -> None:
    """Block types, the sandbox's blocks, the work pool, and `prefect deploy --all`."""
    from golive.sandbox_blocks import ensure_sandbox_blocks

    run_prefect(stack, "block", "register", "-m", "blocks.prefect_blocks")
    ensure_sandbox_blocks(stack.sandbox.environment())
    run_prefect(stack, "work-pool", "create", WORK_POOL, "--type", "process", "--overwrite")
    run_prefect(stack, "--no-prompt", "deploy", "--all")


def start_worker(stack: Stack, name: str = "golive-worker") -> int:
    """A process worker in its own process group; reused if already running."""
    state = stack.home / "worker.json"
    if state.exists():
        pid = json.loads(state.read_text())["pid"]
        try:
            os.kill(pid, 0)
            return pid
        except ProcessLookupError:
            pass
    log = open(stack.home / "worker.log", "ab")
    process = subprocess.Popen(
        [sys.executable, "-m", "prefect", "worker", "start", "--pool", WORK_POOL, "--name", name],
        cwd=REPO, env=stack.env(), stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
        start_new_session=True)
    state.write_text(json.dumps({"pid": process.pid}))
    return process.pid


def stop_worker(home: Path | None = None) -> bool:
    state = (home or REPO / ".golive") / "worker.json"
    if not state.exists():
        return False
    pid = json.loads(state.read_text())["pid"]
    state.unlink()
    try:
        os.killpg(pid, signal.SIGTERM)
    except ProcessLookupError:
        return False
    for _ in range(100):
        try:
            os.killpg(pid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.1)
    os.killpg(pid, signal.SIGKILL)
    return True


def stop_stack(home: Path | None = None) -> list[str]:
    home = (home or REPO / ".golive").resolve()
    stopped = []
    if stop_worker(home):
        stopped.append("worker")
    server_state = home / "prefect" / "server.json"
    if server_state.exists():
        known = json.loads(server_state.read_text())
        prefect_server.stop(prefect_server.PrefectServer(home / "prefect", known["port"], known["pid"]))
        stopped.append("prefect server")
    if manager.down(home / "sandbox"):
        stopped.append("sandbox")
    return stopped
