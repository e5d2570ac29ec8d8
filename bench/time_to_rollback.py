"""Benchmark: time to rollback in the sandbox, at the sandbox plan's defaults.

Runs real launches (Prefect server + sandbox, in-process flow, the sandbox approver),
injects a latency fault into the canary backend mid-stage (--onset-delay seconds after
the canary reaches 30 %, once the share check is done and the bake has begun), and measures from fault
onset to: the rollback decision (the rollback subflow starts),
weights back at stable (read from the sandbox's view of Route 53), and the edge serving
stable to every request.

Usage: uv run python bench/time_to_rollback.py [--trials 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import threading
import time
from pathlib import Path

from golive.local.prefect_server import free_port

_HOME = Path(tempfile.mkdtemp(prefix="golive-bench-"))
_PORT = free_port()
os.environ.update(
    {
        "PREFECT_HOME": str(_HOME),
        "PREFECT_API_URL": f"http://127.0.0.1:{_PORT}/api",
        "PREFECT_LOGGING_LEVEL": "WARNING",
    }
)

import httpx  # noqa: E402

from golive.local import prefect_server  # noqa: E402
from sandbox import manager  # noqa: E402


def edge_all_stable(sandbox: manager.Sandbox, n: int = 40) -> bool:
    url = sandbox.urls["production_edge"] + "/health"
    with httpx.Client(timeout=5) as client:
        return all(client.get(url).headers.get("X-Golive-Version") == "stable" for _ in range(n))


def trial(
    sandbox: manager.Sandbox, number: int, percent: int, onset_delay: float
) -> dict[str, float]:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterName

    from flows.launch import golive
    from golive.local.approver_bot import ApproverBot, sandbox_policy

    sandbox.reset()
    release = f"bench-{number}-{int(time.time())}"
    marks: dict[str, float] = {}
    done = threading.Event()

    def watch() -> None:
        while not done.is_set():
            weights = sandbox.routing()["weights"]
            if "onset" not in marks and weights["canary"] == percent:
                time.sleep(onset_delay)
                sandbox.set_fault("canary", latency_ms=900, endpoint="board")
                marks["onset"] = time.time()
            elif "onset" in marks and "weights" not in marks and weights["canary"] == 0:
                marks["weights"] = time.time()
                while not edge_all_stable(sandbox):
                    time.sleep(0.05)
                marks["edge"] = time.time()
                return
            time.sleep(0.05)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    with ApproverBot(sandbox_policy):
        state = golive(
            release=release, driver="bench-driver", plan="plans/sandbox.yaml", return_state=True
        )
    done.set()
    watcher.join(30)
    assert state.is_failed(), f"trial {number}: the launch was not rolled back: {state.message}"
    with get_client(sync_client=True) as client:
        runs = client.read_flow_runs(
            flow_run_filter=FlowRunFilter(
                name=FlowRunFilterName(any_=[f"Rollback — emergency · {release}"])
            )
        )
    marks["verdict"] = runs[0].start_time.timestamp()
    return {k: marks[k] - marks["onset"] for k in ("verdict", "weights", "edge")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=3)
    parser.add_argument("--percent", type=int, default=30)
    parser.add_argument("--onset-delay", type=float, default=2.0)
    args = parser.parse_args()
    server = prefect_server.start(_HOME / "server", port=_PORT, ui=False)
    sandbox = manager.up(_HOME / "sandbox")
    os.environ.update(sandbox.environment())
    try:
        from golive.local.sandbox_blocks import ensure_sandbox_blocks

        ensure_sandbox_blocks(sandbox.environment())
        results = [trial(sandbox, n, args.percent, args.onset_delay) for n in range(args.trials)]
    finally:
        manager.down(_HOME / "sandbox")
        prefect_server.stop(server)
    for name in ("verdict", "weights", "edge"):
        values = [r[name] for r in results]
        print(
            f"fault onset -> {name:8s}: median {statistics.median(values):5.2f} s  "
            f"max {max(values):5.2f} s  ({len(values)} trials at {args.percent} %)"
        )
    worst = max(r["edge"] for r in results)
    print(
        f"target <= 10 s to the edge serving stable: {'met' if worst <= 10 else 'MISSED'} (worst {worst:.2f} s)"
    )


if __name__ == "__main__":
    main()
