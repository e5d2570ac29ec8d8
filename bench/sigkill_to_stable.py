"""Benchmark: SIGKILL of a launch mid-canary -> production traffic back on stable.

The real thing, as the system tests run it: a Prefect server, the launch and rollback
process workers, `prefect deploy --all`, `prefect deployment run golive/launch`. Once
the canary is at 10 %, the launch's process is SIGKILLed; the launch worker reports it
Crashed and runs its on_crashed hook, the server's trigger fires too, and the rollback
worker runs rollback/full. Measured from the kill to: the run marked Crashed, the
Route 53 weights back at stable, and the edge serving stable to every request.

Usage: uv run python bench/sigkill_to_stable.py [--trials 3]
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import statistics
import tempfile
import time
from pathlib import Path
from uuid import UUID

import httpx
import yaml

from golive.local import local_stack
from golive.local.approver_bot import ApproverBot, sandbox_policy

REPO = Path(__file__).resolve().parent.parent


def long_bake_plan(directory: Path) -> Path:
    """The sandbox plan with a bake long enough to kill the launch mid-canary."""
    data = yaml.safe_load((REPO / "plans" / "sandbox.yaml").read_text())
    data["canary"].update({"bake": "60s", "evaluation_interval": "2s"})
    data["build"]["working_dir"] = str((REPO / "plans" / data["build"]["working_dir"]).resolve())
    path = directory / "plans" / "long-bake.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def edge_all_stable(edge: str, n: int = 40) -> bool:
    with httpx.Client(timeout=5) as client:
        return all(
            client.get(edge + "/health").headers.get("X-Golive-Version") == "stable"
            for _ in range(n)
        )


def trial(stack: local_stack.Stack, plan: Path, number: int) -> dict[str, float]:
    from prefect.client.orchestration import get_client

    stack.sandbox.reset()
    release = f"v9.{number}.{int(time.time()) % 100000}"
    out = local_stack.run_prefect(
        stack,
        "deployment",
        "run",
        "golive/launch",
        "-p",
        f"release={release}",
        "-p",
        "driver=bench-driver",
        "-p",
        f"plan={plan}",
        "-p",
        "queue=true",  # the previous trial's killed launch holds production until its lease lapses
    )
    run_id = UUID(re.search(r"UUID: ([0-9a-f-]{36})", out).group(1))
    with ApproverBot(sandbox_policy):
        deadline = time.monotonic() + 300  # up to ~75 s of it queued behind the previous trial
        while stack.sandbox.routing()["weights"]["canary"] != 10:
            if time.monotonic() > deadline:
                raise RuntimeError(f"trial {number}: the canary never reached 10 %")
            time.sleep(0.1)
    with get_client(sync_client=True) as client:
        pid = int(str(client.read_flow_run(run_id).infrastructure_pid).rsplit(":", 1)[-1])
        killed = time.monotonic()
        os.kill(pid, signal.SIGKILL)
        marks: dict[str, float] = {}
        while len(marks) < 3 and time.monotonic() - killed < 120:
            now = time.monotonic() - killed
            if "crashed" not in marks and client.read_flow_run(run_id).state.name == "Crashed":
                marks["crashed"] = now
            if "weights" not in marks and stack.sandbox.routing()["weights"]["canary"] == 0:
                marks["weights"] = now
            if (
                "weights" in marks
                and "edge" not in marks
                and edge_all_stable(stack.sandbox.urls["production_edge"])
            ):
                marks["edge"] = time.monotonic() - killed
            time.sleep(0.1)
    if len(marks) < 3:
        raise RuntimeError(f"trial {number}: not restored within 120 s: {marks}")
    return marks


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=3)
    args = parser.parse_args()
    home = Path(tempfile.mkdtemp(prefix="golive-bench-kill-"))
    stack = local_stack.start_stack(home, ui=False)
    try:
        local_stack.setup_workspace(stack)
        local_stack.start_workers(stack, prefix="bench")
        plan = long_bake_plan(home)
        results = [trial(stack, plan, n) for n in range(args.trials)]
    finally:
        local_stack.stop_stack(home)
    for name in ("crashed", "weights", "edge"):
        values = [r[name] for r in results]
        print(
            f"SIGKILL -> {name:8s}: median {statistics.median(values):5.2f} s  max {max(values):5.2f} s  "
            f"({len(values)} trials)"
        )
    worst = max(r["edge"] for r in results)
    print(
        f"target <= 15 s to the edge serving stable: {'met' if worst <= 15 else 'MISSED'} (worst {worst:.2f} s)"
    )


if __name__ == "__main__":
    main()
