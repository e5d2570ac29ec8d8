"""The launch's hold on its production (tasks/launch_lease.py), in the launch's words: a refusal
fails pre-flight naming who holds production; waiting and holding go on the timeline."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict
from datetime import UTC, datetime

from prefect import get_run_logger

from blocks.plan import LaunchPlan
from flows.errors import GateFailed
from flows.scribe import record
from tasks.launch_lease import Holder, ProductionBusy, holding_production, lease_name
from tasks.prefect_links import flow_run_url


@contextmanager
def holding_the_production(
    plan: LaunchPlan, release: str, driver: str, launch_id: str, queue: bool
) -> Iterator[None]:
    production = plan.environments.production
    name = lease_name(plan.app, production.cloudfront_distribution_id)
    where = f"{plan.app} ({production.url})"
    me = Holder(
        release=release,
        driver=driver,
        since=datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S UTC"),
        flow_run_id=launch_id,
        run_url=flow_run_url(launch_id) or "",
    )
    said: set[str] = set()

    def waiting(holder: Holder | None) -> None:
        who = holder.describe() if holder else "another launch"
        get_run_logger().info("Queued: production %s is held by %s", where, who)
        if who not in said:  # once per holder on the timeline, not every poll
            said.add(who)
            record("launch", "queued", f"waiting for production: held by {who}", gate="Pre-flight")

    try:
        with holding_production(name, where, me, queue=queue, waiting=waiting):
            record(
                "launch",
                "holds_production",
                f"holds production {where} until the launch ends (lease {name})",
                gate="Pre-flight",
                data={"lease": name},
            )
            yield
    except ProductionBusy as busy:
        record(
            "launch",
            "refused",
            str(busy),
            gate="Pre-flight",
            data={"holder": asdict(busy.holder) if busy.holder else None},
        )
        raise GateFailed("Pre-flight", str(busy)) from None
