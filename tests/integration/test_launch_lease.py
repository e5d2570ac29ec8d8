"""One launch per production, enforced by the Prefect server: two real launches, then the holder
SIGKILLed (its lease runs out and a queued launch takes production)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from uuid import UUID

from prefect.client.orchestration import get_client
from prefect.states import Crashed

from blocks.plan import load_plan
from flows.launch import golive
from golive.local.approver_bot import ApproverBot
from golive.local.sandbox_blocks import ensure_sandbox_blocks
from sandbox import manager
from tasks.launch_lease import LEASE_SECONDS, current_holder, lease_name
from tasks.timeline_store import read_timeline
from tests.integration.helpers import aws
from tests.integration.launch_helpers import REHEARSAL, REPO, scripted

HOLDER = (
    "from flows.launch import golive; "
    f"golive(release='v9.1.0', driver='dana', plan={str(REPO / REHEARSAL)!r})"
)


def wait_for(what: str, condition, timeout: float):  # noqa: ANN001, ANN201
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := condition():
            return value
        time.sleep(0.5)
    raise AssertionError(f"not within {timeout}s: {what}")


def timeline(sandbox: manager.Sandbox, launch: str) -> list:
    return read_timeline(aws(sandbox, "s3"), sandbox.environment()["S3_BUCKET"], launch)


def routing(sandbox: manager.Sandbox) -> dict:
    return {k: v for k, v in sandbox.routing().items() if k != "read_at"}


def test_a_second_launch_is_refused_and_a_killed_holder_frees_production(
    sandbox: manager.Sandbox, prefect_api
) -> None:  # noqa: ANN001
    ensure_sandbox_blocks(sandbox.environment())
    plan = load_plan(REPO / REHEARSAL, env=sandbox.environment())
    production = plan.environments.production
    name = lease_name(plan.app, production.cloudfront_distribution_id)
    before = routing(sandbox)

    # launch 1, in its own process: it takes production at pre-flight and waits for its green light
    holder_process = subprocess.Popen(
        [sys.executable, "-c", HOLDER], cwd=REPO, env=dict(os.environ), start_new_session=True
    )
    try:
        holder = wait_for("launch 1 holds production", lambda: current_holder(name), 120)
        assert (holder.release, holder.driver) == ("v9.1.0", "dana")
        first = UUID(holder.flow_run_id)
        assert holder.run_url.endswith(f"/runs/flow-run/{first}")

        # launch 2 is refused at pre-flight, naming who holds production; production is untouched
        refused = golive(release="v9.2.0", driver="erin", plan=REHEARSAL, return_state=True)
        assert refused.is_failed()
        message = str(refused.message)
        assert "GateFailed: Pre-flight FAILED - production StatusBoardV2" in message, message
        assert "held by the launch of v9.1.0 by dana" in message, message
        assert f"/runs/flow-run/{first}" in message and "queue=true" in message
        second = str(refused.state_details.flow_run_id)
        entries = timeline(sandbox, second)
        assert "refused" in [e.event for e in entries if e.kind == "launch"]
        assert not any(e.kind == "gate" and e.gate == "Gate A" for e in entries)
        assert routing(sandbox) == before
        assert current_holder(name).flow_run_id == str(first)  # the refusal took nothing

        # SIGKILL the holder: nothing of it runs to give production back; the lease runs out
        os.killpg(holder_process.pid, signal.SIGKILL)
        holder_process.wait(10)
        killed_at = time.monotonic()
        with get_client(sync_client=True) as client:  # as the heartbeat automation would mark it
            client.set_flow_run_state(first, Crashed(message="SIGKILLed by the test"), force=True)

        # launch 3 queues behind the dead holder, then takes production once its lease has expired
        box: dict = {}
        reject = scripted({"preflight-green-light": ("bob", "reject", "lease test: stop here")})
        with ApproverBot(reject):
            third = threading.Thread(
                target=lambda: box.setdefault(
                    "state",
                    golive(
                        release="v9.3.0",
                        driver="dana",
                        plan=REHEARSAL,
                        queue=True,
                        return_state=True,
                    ),
                ),
                daemon=True,
            )
            third.start()
            third.join(LEASE_SECONDS + 120)
        assert not third.is_alive(), "the queued launch never got production"
        state = box["state"]
        assert state.is_failed() and "lease test: stop here" in str(state.message)
        entries = timeline(sandbox, str(state.state_details.flow_run_id))
        events = [(e.event, e.at) for e in entries if e.kind == "launch"]
        queued = [e for e in entries if e.kind == "launch" and e.event == "queued"]
        assert queued and "held by the launch of v9.1.0 by dana" in queued[0].summary
        assert "holds_production" in [event for event, _ in events]
        waited = time.monotonic() - killed_at
        assert waited <= LEASE_SECONDS + 60, f"production freed {waited:.0f}s after the kill"
        assert routing(sandbox) == before
        # the queued launch ended: production is free, and its label gone
        assert current_holder(name) is None
    finally:
        if holder_process.poll() is None:
            os.killpg(holder_process.pid, signal.SIGKILL)
            holder_process.wait(10)


def test_a_launch_is_refused_while_production_still_carries_a_canary(
    sandbox: manager.Sandbox, prefect_api, production
) -> None:  # noqa: ANN001
    from tasks.traffic import router_for

    ensure_sandbox_blocks(sandbox.environment())
    router_for(production).set_canary_weight(
        30
    )  # what a dead launch's canary leaves until rolled back
    state = golive(release="v9.4.0", driver="dana", plan=REHEARSAL, return_state=True)
    assert state.is_failed(), state.message
    message = str(state.message)
    assert "production at rest" in message and "traffic is split" in message, message
    assert (
        current_holder(lease_name("StatusBoardV2", production.cloudfront_distribution_id)) is None
    )  # the refused launch gave production back
