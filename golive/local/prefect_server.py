"""Start and stop a local Prefect API server (SQLite), for the demo and the tests.

The UI calls the API at PREFECT_SERVER_API_HOST:PORT, so both are set to the address
the server really listens on (a server started with --port alone serves a UI that
cannot reach its own API).

A new server's database starts as a copy of the empty database the first server of this Prefect
version made (its migrations run, nothing else in it), kept in the user's cache: running the
migrations again costs each new server 5-6 s on a 2-core machine.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

import httpx

from golive.local.processes import stop_group


@dataclass
class PrefectServer:
    home: Path
    port: int
    pid: int

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api"

    @property
    def ui_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def client_env(self) -> dict[str, str]:
        """What a process (worker, CLI) needs to talk to this server."""
        return {"PREFECT_API_URL": self.api_url}


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def healthy(api_url: str) -> bool:
    try:
        return httpx.get(f"{api_url}/health", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def server_env(
    home: Path, port: int, ui: bool = True, extra: dict[str, str] | None = None
) -> dict[str, str]:
    env = {**os.environ, **(extra or {})}
    env.update(
        {
            "PREFECT_HOME": str(home),
            "PREFECT_API_DATABASE_CONNECTION_URL": f"sqlite+aiosqlite:///{home / 'prefect.db'}",
            # SQLite's busy timeout: on a busy machine the server's own services hold the write lock
            # longer than the default 10 s, and an API write (a deploy, an automation) then fails
            # "database is locked"
            "PREFECT_SERVER_DATABASE_TIMEOUT": "60",
            "PREFECT_SERVER_API_HOST": "127.0.0.1",
            "PREFECT_SERVER_API_PORT": str(port),
            "PREFECT_UI_API_URL": f"http://127.0.0.1:{port}/api",
            "PREFECT_UI_ENABLED": "true" if ui else "false",
            "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
            "PREFECT_API_URL": f"http://127.0.0.1:{port}/api",
        }
    )
    return env


def empty_database_template() -> Path:
    """Where the empty, migrated database of this Prefect version is kept ($XDG_CACHE_HOME/golive)."""
    from importlib.metadata import version

    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "golive"
    return cache / f"prefect-{version('prefect')}-empty.db"


def _seed_database(database: Path) -> bool:
    """Start a new database from the template if there is one; whether the database is new and
    made by the server itself (so it can become the template)."""
    if database.exists():
        return False
    template = empty_database_template()
    if template.exists():
        shutil.copyfile(template, database)
        return False
    return True


def _keep_as_template(database: Path) -> None:
    """A consistent copy of a running server's new database (SQLite's backup API), made atomic by a
    rename so that two servers starting at once never read half a template."""
    template = empty_database_template()
    template.parent.mkdir(parents=True, exist_ok=True)
    partial = template.with_suffix(f".{os.getpid()}.partial")
    try:
        with (
            closing(sqlite3.connect(database)) as source,
            closing(sqlite3.connect(partial)) as copy,
        ):
            source.backup(copy)
        os.replace(partial, template)
    except (OSError, sqlite3.Error):
        partial.unlink(missing_ok=True)  # no template: the next server migrates, as this one did


def start(
    home: Path,
    port: int | None = None,
    ui: bool = True,
    timeout: float = 120,
    extra_env: dict[str, str] | None = None,
) -> PrefectServer:
    """Start `prefect server start` in its own process group; reuse one already running in `home`.
    Interrupted (Ctrl-C) or failed before it is healthy, it stops what it started."""
    home.mkdir(parents=True, exist_ok=True)
    state_file = home / "server.json"
    if state_file.exists():
        known = json.loads(state_file.read_text())
        server = PrefectServer(home, known["port"], known["pid"])
        if healthy(server.api_url):
            return server
    port = port or free_port()
    database = home / "prefect.db"
    new_database = _seed_database(database)
    log = open(home / "server.log", "ab")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "prefect",
            "server",
            "start",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        env=server_env(home, port, ui, extra_env),
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
    )
    log.close()
    server = PrefectServer(home, port, process.pid)
    try:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(
                    f"prefect server exited ({process.returncode}); see {home / 'server.log'}"
                )
            if healthy(server.api_url):
                state_file.write_text(json.dumps({"port": port, "pid": process.pid}))
                if new_database:
                    _keep_as_template(database)
                return server
            time.sleep(0.5)
        raise RuntimeError(
            f"prefect server not healthy after {timeout:.0f}s; see {home / 'server.log'}"
        )
    except (
        BaseException
    ):  # KeyboardInterrupt too: a server nobody knows about would be left running
        stop(server)
        raise


def stop(server: PrefectServer) -> None:
    """SIGTERM the server's process group (it and its uvicorn/services children), SIGKILL after 10 s."""
    stop_group(server.pid, grace=10)
    (server.home / "server.json").unlink(missing_ok=True)
