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
from golive.processes import alive
from sandbox import manager

REPO = Path(__file__).resolve().parent.parent
WORK_POOL = "golive-pool"
ROLLBACK_POOL = "golive-rollback-pool"  # its own worker: a rollback must outlive the launch's worker
HEARTBEAT_AUTOMATION = REPO / "automations" / "launch-heartbeat.yaml"
DEFAULT_UI_PORT = 4200
# Launch runs beat every 30 s (Prefect's minimum); workers poll every second so a rollback starts fast.
WORKER_ENV = {"PREFECT_FLOWS_HEARTBEAT_FREQUENCY": "30", "PREFECT_WORKER_QUERY_SECONDS": "1"}


@dataclass
class Stack:
    home: Path
    server: prefect_server.PrefectServer
    sandbox: manager.Sandbox

    def env(self) -> dict[str, str]:
        """The environment a worker (and the flows it runs) needs: the API, the sandbox, the repo."""
        return {**os.environ, **self.sandbox.environment(), **self.server.client_env(), **WORKER_ENV,
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


def setup_workspace(stack: Stack, heartbeat_within_s: int | None = None) -> None:
    """Block types, the sandbox's blocks, both work pools, `prefect deploy --all` (which also
    creates the rollback trigger) and the heartbeat automation (`heartbeat_within_s` overrides
    its 90 s, e.g. for a test)."""
    from golive.sandbox_blocks import ensure_sandbox_blocks

    run_prefect(stack, "block", "register", "-m", "blocks.prefect_blocks")
    ensure_sandbox_blocks(stack.sandbox.environment())
    for pool in (WORK_POOL, ROLLBACK_POOL):
        run_prefect(stack, "work-pool", "create", pool, "--type", "process", "--overwrite")
    run_prefect(stack, "--no-prompt", "deploy", "--all")
    install_heartbeat_automation(stack, heartbeat_within_s)


def install_heartbeat_automation(stack: Stack, within_s: int | None = None) -> None:
    """(Re)create automations/launch-heartbeat.yaml on the server, replacing one of the same name."""
    import yaml

    spec = yaml.safe_load(HEARTBEAT_AUTOMATION.read_text())
    if within_s is not None:
        spec["trigger"]["within"] = within_s
        spec["actions"][0]["message"] = spec["actions"][0]["message"].replace("90 s", f"{within_s} s")
    path = stack.home / "launch-heartbeat.yaml"
    path.write_text(yaml.safe_dump(spec, sort_keys=False))
    try:
        run_prefect(stack, "automation", "delete", spec["name"], "--yes")
    except RuntimeError:
        pass  # none yet
    run_prefect(stack, "automation", "create", "--from-file", str(path))


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
        cwd=REPO, env=stack.env(), stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
        start_new_session=True)
    state.write_text(json.dumps({"pid": process.pid}))
    return process.pid


def worker_pid(home: Path, pool: str = WORK_POOL) -> int:
    return int(json.loads(_worker_state(home, pool).read_text())["pid"])


def start_workers(stack: Stack, prefix: str = "golive") -> dict[str, int]:
    """The launch worker and the rollback worker (on a real install: on different hosts)."""
    return {pool: start_worker(stack, f"{prefix}-{pool}", pool) for pool in (WORK_POOL, ROLLBACK_POOL)}


def stop_worker(home: Path | None = None, pool: str | None = None) -> bool:
    """Stop the worker of `pool` (every worker if None) and its flow runs (its process group)."""
    home = home or REPO / ".golive"
    pools = [pool] if pool else [WORK_POOL, ROLLBACK_POOL]
    return any([_stop_group(_worker_state(home, p)) for p in pools])


def _stop_group(state: Path) -> bool:
    if not state.exists():
        return False
    pid = json.loads(state.read_text())["pid"]
    state.unlink()
    try:
        os.killpg(pid, signal.SIGTERM)
    except ProcessLookupError:
        return False
    for _ in range(100):
        if not alive(pid):  # reaps our own dead child, which would otherwise linger as a zombie
            return True
        time.sleep(0.1)
    try:
        os.killpg(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
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
