"""A rollback of a launch that never touched production is a recorded no-op (the rollbacks of a
completed launch are tested on the full launch: tests/integration/test_full_launch.py)."""

from __future__ import annotations

import boto3

from flows.rollback_deployments import rollback
from golive.core.timeline import TimelineEntry
from golive.local.sandbox_blocks import ensure_sandbox_blocks
from sandbox import manager
from tasks.timeline_store import launch_prefix, read_timeline
from tests.integration.launch_helpers import run_launch, scripted


def s3(sandbox: manager.Sandbox):  # noqa: ANN201 - a boto3 client
    return boto3.client(
        "s3", region_name="us-east-1", endpoint_url=sandbox.environment()["AWS_ENDPOINT_URL"]
    )


def timeline(sandbox: manager.Sandbox, launch: str) -> list[TimelineEntry]:
    return read_timeline(s3(sandbox), sandbox.environment()["S3_BUCKET"], launch)


def rollbacks(entries: list[TimelineEntry], event: str) -> list[TimelineEntry]:
    return [e for e in entries if e.kind == "rollback" and e.event == event]


def test_a_launch_stopped_at_gate_a_rolls_nothing_back(
    sandbox: manager.Sandbox, prefect_api
) -> None:  # noqa: ANN001
    ensure_sandbox_blocks(sandbox.environment())
    before = sandbox.routing()
    launch = run_launch(
        "v6.4.0", policy=scripted({"gate-a-approval": ("bob", "reject", "not today")})
    )
    assert launch.state.is_failed() and "Gate A FAILED" in launch.message
    launch_id = str(launch.state.state_details.flow_run_id)

    note = rollback(
        reason="launch Failed", mode="full", launch=launch_id, triggered_by="server automation"
    )
    assert note.startswith(
        f"no-op: the launch of StatusBoardV2 v6.4.0 by dana ({launch_id}) stopped at Gate A "
        "before production was touched"
    )
    after = sandbox.routing()
    assert (after["weights"], after["production_origins"]) == (
        before["weights"],
        before["production_origins"],
    )
    entries = timeline(sandbox, launch_id)
    not_needed = rollbacks(entries, "not_needed")
    assert [e.actor for e in not_needed] == ["launch hook on_failure"]
    assert "stopped at Gate A" in not_needed[0].summary
    assert [e.actor for e in rollbacks(entries, "noop")] == ["server automation"]
    assert not rollbacks(entries, "effective")
    # the rollback arrived after the launch wrote its report: it rewrote it, and a no-op says nothing
    report = (
        s3(sandbox)
        .get_object(
            Bucket=sandbox.environment()["S3_BUCKET"],
            Key=f"{launch_prefix(launch_id)}/report/launch-report.md",
        )["Body"]
        .read()
        .decode()
    )
    listed = report.split("## Rollbacks", 1)[1].split("\n## ", 1)[0]
    assert (
        "| noop | server automation |" in listed
        and "| not_needed | launch hook on_failure |" in listed
    )
    assert not [m for m in sandbox.messages() if "rollback" in m["text"].lower()]
