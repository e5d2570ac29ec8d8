"""Benchmark: what the sandbox's users and Prometheus cost on this machine, and what the probe sees.

One sandbox; for each user rate (0 = none) it runs the users for `--seconds`, reads the CPU
time of the daemon, the users' process and Prometheus from /proc over that span (per cent of
one core) and their resident memory, and probes the production edge (the sandbox plan's probe:
250 requests, concurrency 32) to show whether the users move what the probe measures (board
p95, drawer mean, the probe's own client lag p95). It also checks that Prometheus counted what
the users' process says it got answered.

Usage: uv run python bench/sandbox_users.py [--rates 0 50 100] [--seconds 20]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import httpx

from blocks.plan import load_plan
from sandbox import manager

TICK = os.sysconf("SC_CLK_TCK")
REPO = Path(__file__).resolve().parents[1]


def _pids(name_part: str) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            except OSError:
                continue
            if name_part in command:
                found.append(int(entry.name))
    return found


def _cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:  # gone
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICK


def _rss_mb(pid: int) -> float:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0.0
    for line in status.splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _counted(prometheus: str) -> float:
    answer = httpx.get(
        f"{prometheus}/api/v1/query",
        params={"query": 'sum(http_requests_total{slot!="staging"})'},
        timeout=5,
    ).json()
    result = answer["data"]["result"]
    return float(result[0]["value"][1]) if result else 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rates", type=float, nargs="+", default=[0.0, 50.0, 100.0])
    parser.add_argument("--seconds", type=float, default=20.0)
    args = parser.parse_args()
    from golive.core.judge import judge
    from tasks.metrics.probe import probe

    with tempfile.TemporaryDirectory() as tmp:
        world = manager.up(Path(tmp))
        try:
            plan = load_plan(REPO / "plans" / "sandbox.yaml", env=world.environment())
            daemon, prometheus = (
                world.state["pid"],
                _pids(f"--storage.tsdb.path={tmp}/prometheus/data"),
            )
            print(
                "| users/s | daemon CPU | users' CPU | Prometheus CPU | RSS daemon / users / "
                "Prometheus | board p95 | drawer mean | probe lag p95 | counted / answered |"
            )
            print("|---|---|---|---|---|---|---|---|---|")
            for rate in args.rates:
                world.stop_users()
                before_count = _counted(world.urls["prometheus"])
                if rate:
                    world.start_users(rate, args.seconds + 30)
                time.sleep(1.0)
                users = _pids("-m sandbox.users ")
                watched = [daemon, *users, *prometheus]
                start = {pid: _cpu_seconds(pid) for pid in watched}
                began = time.monotonic()
                time.sleep(args.seconds)
                span = time.monotonic() - began
                use = {pid: 100 * (_cpu_seconds(pid) - start[pid]) / span for pid in watched}
                rss = {pid: _rss_mb(pid) for pid in watched}
                samples = probe(plan.environments.production.api_base_url, plan)
                verdict = judge(samples, plan.slos)
                values = {c.name: c.value for c in verdict.checks}
                world.stop_users()
                time.sleep(2.5)  # the last answers scraped
                counted = _counted(world.urls["prometheus"]) - before_count - len(samples)
                answered = _answered(Path(tmp) / "users.log") if rate else 0
                print(
                    f"| {rate:g} | {use[daemon]:.0f} % | "
                    f"{sum(use[p] for p in users):.0f} % | {sum(use[p] for p in prometheus):.1f} % | "
                    f"{rss[daemon]:.0f} / {sum(rss[p] for p in users):.0f} / "
                    f"{sum(rss[p] for p in prometheus):.0f} MB | {values.get('board p95', '-')} | "
                    f"{values.get('drawer mean', '-')} | {samples['client_lag_ms'].quantile(0.95):.1f} ms | "
                    f"{counted:.0f} / {answered} |"
                )
        finally:
            world.stop_users()
            manager.down(Path(tmp))


def _answered(log: Path) -> int:
    import json

    lines = [line for line in log.read_text().splitlines() if line.startswith("{")]
    return int(json.loads(lines[-1])["answered"]) if lines else 0


if __name__ == "__main__":
    main()
