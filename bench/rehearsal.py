"""Benchmark: a zero-bake rehearsal of the whole launch, with the Prefect server already up.

The launch runs plans/rehearsal.yaml (plans/sandbox.yaml with shorter timings and smaller
volumes: one UAT signer, bake = evaluation interval = 0.5 s, one Gate G checkpoint, a
300-request probe at concurrency 64). Every gate runs for real (build, upload, invalidation, smoke
suites, probes, judge, every sign-off answered by the sandbox approver, the canary steps,
Gate G's scenarios, the reports), and each canary step passes on one evaluation (at 10 % after
one inconclusive: too few canary samples in a probe of 300): the time is the launch's own overhead,
what a dry run before the real launch costs.

Usage: .venv/bin/python bench/rehearsal.py [--trials 5] [--plan plans/rehearsal.yaml]
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
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
        "GOLIVE_REPORTS_DIR": str(_HOME / "reports"),
    }
)

from golive.local import prefect_server  # noqa: E402
from sandbox import manager  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
APPROVER_INTERVAL_S = 0.1


def gate_seconds(launch: str) -> dict[str, float]:
    """Each gate's duration, from the launch's timeline (start to pass)."""
    import boto3

    from tasks.timeline_store import read_timeline

    entries = read_timeline(boto3.client("s3"), os.environ["S3_BUCKET"], launch)
    started = {e.gate: e.at for e in entries if e.kind == "gate" and e.event == "started"}
    return {
        e.gate: (e.at - started[e.gate]).total_seconds()
        for e in entries
        if e.kind == "gate" and e.event == "passed" and e.gate in started
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=5)
    parser.add_argument("--plan", default=str(REPO / "plans" / "rehearsal.yaml"))
    args = parser.parse_args()
    server = prefect_server.start(_HOME / "server", port=_PORT, ui=False)
    sandbox = manager.up(_HOME / "sandbox")
    os.environ.update(sandbox.environment())
    times: list[float] = []
    gates: dict[str, list[float]] = {}
    try:
        import scipy.special  # noqa: F401 - loaded by the first judgement, as in a warm worker
        import scipy.stats  # noqa: F401

        from flows.launch import golive
        from golive.local.approver_bot import ApproverBot, sandbox_policy
        from golive.local.sandbox_blocks import ensure_sandbox_blocks

        ensure_sandbox_blocks(sandbox.environment())
        plan = args.plan
        for number in range(args.trials):
            sandbox.reset()
            # answers within 0.1 s: what a human takes to decide is not the launch's overhead
            with ApproverBot(sandbox_policy, interval=APPROVER_INTERVAL_S):
                started = time.monotonic()
                state = golive(
                    release=f"v0.{number}.0-rehearsal",
                    driver="bench-driver",
                    plan=str(plan),
                    return_state=True,
                )
                times.append(time.monotonic() - started)
            if not state.is_completed():
                raise RuntimeError(f"rehearsal {number} did not complete: {state.message}")
            for gate, seconds in gate_seconds(str(state.state_details.flow_run_id)).items():
                gates.setdefault(gate, []).append(seconds)
    finally:
        manager.down(_HOME / "sandbox")
        prefect_server.stop(server)
    for gate, values in gates.items():
        print(f"  {gate:18s} median {statistics.median(values):5.1f} s")
    print(
        f"zero-bake rehearsal, pre-flight to post-launch: median {statistics.median(times):5.1f} s  "
        f"min {min(times):5.1f} s  max {max(times):5.1f} s  ({len(times)} launches)"
    )
    # ±2 s is this machine's noise from one hour to the next (docs/benchmarks.md): the figure judged
    # is the median of the launches, the worst printed beside it
    median = statistics.median(times)
    print(
        f"target <= 20 s with the Prefect server up: {'met' if median <= 20 else 'MISSED'} "
        f"(median {median:.1f} s, worst {max(times):.1f} s)"
    )


if __name__ == "__main__":
    main()
