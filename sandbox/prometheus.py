"""A real Prometheus server for the sandbox: it scrapes the three backends' `/metrics` every second.

Debian's `prometheus` package provides the binary (`make` installs it; `GOLIVE_PROMETHEUS_BIN`
names another). The sandbox daemon starts it as a child, as it starts moto, with a config of
its own, its data under the state directory and its HTTP API on a loopback port, and stops it
with the world. Without the binary the sandbox still runs, and says so: a plan that judges on
Prometheus then finds no server and fails closed (its evaluations are inconclusive).

Each target carries the label `slot` (staging, stable, canary) as a scrape config would add a
deployment's labels; the app's own metrics name the slot and release as well (sandbox/app_metrics.py).
"""

from __future__ import annotations

import logging
import os
import shutil
import socket
import subprocess
import time
from collections.abc import Mapping
from pathlib import Path

import httpx

log = logging.getLogger("golive.sandbox.prometheus")

SCRAPE_INTERVAL_S = 1
READY_TIMEOUT_S = 30.0


def prometheus_binary() -> str | None:
    """The Prometheus server to run: $GOLIVE_PROMETHEUS_BIN, else `prometheus` on PATH, else None."""
    named = os.environ.get("GOLIVE_PROMETHEUS_BIN")
    if named:
        return named if Path(named).exists() else None
    return shutil.which("prometheus")


def scrape_config(targets: Mapping[str, str]) -> str:
    """prometheus.yml for `targets` ({slot: "127.0.0.1:port"}); YAML is a superset of this JSON-ish text."""
    static = "\n".join(
        f"      - targets: ['{address}']\n        labels: {{slot: '{slot}'}}"
        for slot, address in targets.items()
    )
    return (
        "global:\n"
        f"  scrape_interval: {SCRAPE_INTERVAL_S}s\n"
        "  scrape_timeout: 900ms\n"
        f"  evaluation_interval: {SCRAPE_INTERVAL_S}s\n"
        "scrape_configs:\n"
        "  - job_name: api\n"
        "    metrics_path: /metrics\n"
        "    static_configs:\n"
        f"{static}\n"
    )


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_prometheus(
    state_dir: Path, targets: Mapping[str, str], attempts: int = 5
) -> tuple[subprocess.Popen[bytes], str] | None:
    """Start Prometheus scraping `targets`; (process, base URL) once it answers ready, None without a binary.

    Prometheus picks no free port itself: reserve one, release it, start on it, retry on a clash."""
    binary = prometheus_binary()
    if binary is None:
        log.warning(
            "no Prometheus server (install Debian's prometheus, or set GOLIVE_PROMETHEUS_BIN): "
            "the sandbox runs without one"
        )
        return None
    home = state_dir / "prometheus"
    home.mkdir(parents=True, exist_ok=True)
    config = home / "prometheus.yml"
    config.write_text(scrape_config(targets))
    log_file = open(state_dir / "prometheus.log", "ab")  # noqa: SIM115 - the child writes it as long as it runs
    for _ in range(attempts):
        port = _free_port()
        process = subprocess.Popen(
            [
                binary,
                f"--config.file={config}",
                f"--storage.tsdb.path={home / 'data'}",
                "--storage.tsdb.retention.time=1d",
                f"--web.listen-address=127.0.0.1:{port}",
                "--log.level=warn",
            ],
            stdout=log_file,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=False,
        )
        url = f"http://127.0.0.1:{port}"
        if _wait_ready(process, url):
            return process, url
        process.kill()
        process.wait()
    raise RuntimeError(f"Prometheus did not start; see {state_dir / 'prometheus.log'}")


def _wait_ready(process: subprocess.Popen[bytes], url: str) -> bool:
    deadline = time.monotonic() + READY_TIMEOUT_S
    while time.monotonic() < deadline and process.poll() is None:
        try:
            if httpx.get(f"{url}/-/ready", timeout=1).status_code == 200:
                return True
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    return False


def stop(process: subprocess.Popen[bytes], timeout: float = 5.0) -> None:
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
