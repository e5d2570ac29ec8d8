"""Start, inspect and stop a sandbox from the outside (the CLI and the tests use this).

A sandbox lives in a state directory: state.json (pids, ports, ids), sandbox.env,
and the logs. The sandbox runs in its own session (process group), so `down` can stop
it and its moto child together and nothing leaks.
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
from typing import Any

import httpx

from sandbox.aws_fault_rules import SERVICE_ALIASES
from sandbox.spec import WorldSpec

DEFAULT_DIR_ENV = "GOLIVE_SANDBOX_DIR"


class SandboxError(RuntimeError):
    pass


def default_state_dir() -> Path:
    return Path(os.environ.get(DEFAULT_DIR_ENV) or Path.cwd() / ".golive" / "sandbox").resolve()


@dataclass
class Sandbox:
    state_dir: Path
    state: dict[str, Any]

    @property
    def urls(self) -> dict[str, str]:
        return self.state["urls"]

    @property
    def spec(self) -> WorldSpec:
        """The world this sandbox was seeded for."""
        return WorldSpec.model_validate(self.state["spec"])

    @property
    def env_file(self) -> Path:
        return self.state_dir / "sandbox.env"

    def environment(self) -> dict[str, str]:
        """The variables of the env file, as a dict (for subprocesses and tests)."""
        env: dict[str, str] = {}
        for line in self.env_file.read_text().splitlines():
            if line.startswith("export "):
                key, _, value = line[len("export ") :].partition("=")
                env[key] = value.strip("'")
        return env

    def control(self, method: str, path: str, **kwargs: Any) -> Any:
        response = httpx.request(method, self.urls["control"] + path, timeout=60, **kwargs)
        if response.status_code >= 400:
            raise SandboxError(
                f"sandbox control {method} {path}: {response.status_code} {response.text}"
            )
        return response.json()

    def set_fault(
        self,
        target: str,
        *,
        latency_ms: float = 0,
        error_rate: float = 0,
        down: bool = False,
        endpoint: str | None = None,
        drop_headers: list[str] | None = None,
    ) -> dict[str, Any]:
        return self.control(
            "POST",
            "/faults",
            json={
                "target": target,
                "latency_ms": latency_ms,
                "error_rate": error_rate,
                "down": down,
                "endpoint": endpoint,
                "drop_headers": drop_headers or [],
            },
        )

    def clear_faults(self, target: str | None = None) -> None:
        self.control("DELETE", "/faults", params={"target": target} if target else None)

    def set_aws_fault(
        self,
        service: str,
        kind: str,
        *,
        count: int | None = 1,
        action: str | None = None,
        after: int = 0,
        delay_s: float = 0.0,
    ) -> dict[str, Any]:
        """Fault the next `count` calls (None or -1: every call) to `service` (and `action`), after
        letting `after` through. Kinds: throttle, access_denied, server_error, slow (delay_s)."""
        return self.control(
            "POST",
            "/aws-faults",
            json={
                "service": service,
                "kind": kind,
                "count": count,
                "action": action,
                "after": after,
                "delay_s": delay_s,
            },
        )

    def clear_aws_faults(self) -> None:
        """Drop every AWS fault rule and the record of faulted calls."""
        self.control("DELETE", "/aws-faults")

    def aws_fault_rules(self) -> list[dict[str, Any]]:
        return self.control("GET", "/aws-faults")["rules"]

    def aws_faulted_calls(self, service: str | None = None) -> list[dict[str, Any]]:
        """The calls the AWS proxy faulted, oldest first: service, action, kind, status, code, ..."""
        calls = self.control("GET", "/aws-faults")["calls"]
        wanted = SERVICE_ALIASES.get(service, service) if service else None
        return [c for c in calls if wanted is None or c["service"] == wanted]

    def lateness(self) -> dict[str, dict[str, float]]:
        """How late simulated answers left against their deadlines (ms), per "<backend>/<endpoint>"."""
        return self.control("GET", "/timing")

    def clear_lateness(self) -> None:
        self.control("DELETE", "/timing")

    def routing(self) -> dict[str, Any]:
        return self.control("GET", "/state")

    def use_router(self, kind: str) -> None:
        self.control("POST", "/router", json={"kind": kind})

    def reset(self) -> None:
        self.control("POST", "/reset")

    def start_users(self, rate: float, duration_s: float = 600.0) -> dict[str, Any]:
        """Users at `rate` requests per second through the production edge (sandbox/users.py)."""
        return self.control("POST", "/users", json={"rate": rate, "duration_s": duration_s})

    def stop_users(self) -> dict[str, Any]:
        return self.control("DELETE", "/users")

    def users(self) -> dict[str, Any]:
        return self.control("GET", "/users")

    def messages(self) -> list[dict[str, Any]]:
        return httpx.get(self.urls["chat"] + "/messages", timeout=10).json()


def _read_state(state_dir: Path) -> dict[str, Any] | None:
    try:
        return json.loads((state_dir / "state.json").read_text())
    except (FileNotFoundError, ValueError):
        return None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # a zombie child of ours is dead for our purposes
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split(") ")[-1].split()[0] != "Z"
    except OSError:
        return True


def status(state_dir: Path | None = None) -> Sandbox | None:
    """The running sandbox in state_dir, or None if there is none (or it died)."""
    state_dir = state_dir or default_state_dir()
    state = _read_state(state_dir)
    if not state or not state.get("ready") or not _alive(int(state["pid"])):
        return None
    try:
        httpx.get(state["urls"]["control"] + "/health", timeout=2).raise_for_status()
    except httpx.HTTPError:
        return None
    return Sandbox(state_dir, state)


# What the daemon imports that a production worker does not install (golive's `sandbox` extra)
SANDBOX_PACKAGES = ("moto", "httptools")


def _require_sandbox_packages() -> None:
    import importlib.util

    missing = [name for name in SANDBOX_PACKAGES if importlib.util.find_spec(name) is None]
    if missing:
        raise SandboxError(
            f"the sandbox needs {', '.join(missing)}, in golive's `sandbox` extra, which a "
            "production worker does not install: `uv sync --extra sandbox` (what `make` does) "
            "or `pip install 'golive[sandbox]'`"
        )


def up(
    state_dir: Path | None = None, spec: WorldSpec | None = None, timeout: float = 90
) -> Sandbox:
    """Start a sandbox in the background and return when it serves; reuse a running one."""
    state_dir = state_dir or default_state_dir()
    running = status(state_dir)
    if running:
        return running
    _require_sandbox_packages()
    _stop_leftovers(state_dir)
    state_dir.mkdir(parents=True, exist_ok=True)
    (state_dir / "state.json").unlink(missing_ok=True)
    command = [sys.executable, "-m", "sandbox.daemon", "--state-dir", str(state_dir)]
    if spec is not None:
        (state_dir / "spec.json").write_text(spec.model_dump_json(indent=2))
        command += ["--spec", str(state_dir / "spec.json")]
    with open(state_dir / "sandbox.log", "ab") as log:
        process = subprocess.Popen(
            command,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
            cwd=Path(__file__).resolve().parent.parent,
        )
    try:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            state = _read_state(state_dir)
            if state and state.get("failed") or process.poll() is not None:
                raise SandboxError(f"sandbox failed to start:\n{_log_tail(state_dir)}")
            if state and state.get("ready"):
                running = status(state_dir)
                if running:
                    return running
            time.sleep(0.1)
        raise SandboxError(f"sandbox not ready after {timeout:.0f}s:\n{_log_tail(state_dir)}")
    except BaseException:  # a Ctrl-C while it starts too: leave no daemon (or moto) behind
        _kill_group(process.pid)
        process.poll()  # reap it
        raise


def down(state_dir: Path | None = None) -> bool:
    """Stop the sandbox and every process it started. True if something was running."""
    state_dir = state_dir or default_state_dir()
    state = _read_state(state_dir)
    if not state or "pid" not in state:
        return False
    was_running = _alive(int(state["pid"]))
    _kill_group(int(state.get("pgid", state["pid"])))
    (state_dir / "state.json").unlink(missing_ok=True)
    return was_running


def _stop_leftovers(state_dir: Path) -> None:
    state = _read_state(state_dir)
    if state and "pid" in state:
        _kill_group(int(state.get("pgid", state["pid"])))


def _kill_group(pgid: int, grace: float = 5.0) -> None:
    try:
        os.killpg(pgid, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline:
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return
        if not _group_has_live_members(pgid):
            return
        time.sleep(0.05)
    try:
        os.killpg(pgid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def _group_has_live_members(pgid: int) -> bool:
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(") ", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[2]) == pgid and fields[0] != "Z":
            return True
    return False


def _log_tail(state_dir: Path, lines: int = 30) -> str:
    try:
        return "\n".join((state_dir / "sandbox.log").read_text().splitlines()[-lines:])
    except FileNotFoundError:
        return "(no sandbox.log)"
