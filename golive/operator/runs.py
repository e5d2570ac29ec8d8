"""The release engineer's verbs on the Prefect API: find a launch (by flow-run id or release), list
past launches, start one, follow a run to its end, cancel a launch and find the rollback its
`on_cancellation` hook dispatched, run a rollback deployment. Synchronous client throughout."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any
from uuid import UUID

from golive.core.operator_view import LaunchRow, stopped_at

LAUNCH_FLOW = "golive"
LAUNCH_DEPLOYMENT = "golive/launch"
ROLLBACK_MODES = ("emergency", "full", "validate")


def _uuid(ref: str) -> UUID | None:
    try:
        return UUID(ref)
    except ValueError:
        return None


def launch_runs(client: Any, limit: int = 20) -> list[Any]:
    """Top-level runs of the launch flow, newest first (by expected start: a scheduled one too)."""
    from prefect.client.schemas.filters import (
        FlowFilter,
        FlowFilterName,
        FlowRunFilter,
        FlowRunFilterParentTaskRunId,
    )
    from prefect.client.schemas.sorting import FlowRunSort

    return client.read_flow_runs(
        flow_filter=FlowFilter(name=FlowFilterName(any_=[LAUNCH_FLOW])),
        flow_run_filter=FlowRunFilter(
            parent_task_run_id=FlowRunFilterParentTaskRunId(is_null_=True)
        ),
        sort=FlowRunSort.EXPECTED_START_TIME_DESC,
        limit=min(limit, PAGE),
    )


def is_final(run: Any) -> bool:
    return bool(run.state and run.state.is_final())


def active_launches(client: Any) -> list[Any]:
    return [run for run in launch_runs(client, limit=50) if not is_final(run)]


def production_holder(plan: str) -> Any:
    """Who holds the plan's production now (a `tasks.launch_lease.Holder`), or None when it is
    free. A reading for an early, friendly refusal: the launch's own pre-flight is what the
    server enforces."""
    from flows.launch_plan import load_launch_plan
    from tasks.launch_lease import Holder, current_holder, lease_name, slots_taken

    launch_plan = load_launch_plan(plan)
    production = launch_plan.environments.production
    name = lease_name(launch_plan.app, production.cloudfront_distribution_id)
    if not slots_taken(name):
        return None
    return current_holder(name) or Holder("?", "?", "?", "?", "")


def find_launch(client: Any, ref: str | None = None) -> Any:
    """The launch `ref` names: a flow-run id, or a release (its newest launch); None: the launch in
    progress, else the newest. LookupError when there is none."""
    from prefect.exceptions import ObjectNotFound

    if ref and (run_id := _uuid(ref)) is not None:
        try:
            return client.read_flow_run(run_id)
        except ObjectNotFound:
            raise LookupError(f"no flow run {ref} on this Prefect server") from None
    runs = launch_runs(client, limit=200)
    if ref:
        runs = [r for r in runs if (r.parameters or {}).get("release") == ref]
        if not runs:
            raise LookupError(f"no launch of release {ref!r} on this Prefect server")
        return runs[0]
    if not runs:
        raise LookupError("no golive launch on this Prefect server yet")
    active = [r for r in runs if not is_final(r)]
    return (active or runs)[0]


PAGE = 200  # the most a Prefect API answers per read (PREFECT_API_DEFAULT_LIMIT)


def _all(read: Callable[..., list[Any]], **query: Any) -> list[Any]:
    """Every page of a read (`read_flow_runs`, `read_task_runs`), PAGE at a time."""
    found: list[Any] = []
    while True:
        page = read(**query, limit=PAGE, offset=len(found))
        found += page
        if len(page) < PAGE:
            return found


def children(client: Any, parent_ids: Iterable[UUID]) -> list[Any]:
    """The subflows of these launches (the server counts subflows of subflows in too)."""
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterParentFlowRunId

    ids = list(parent_ids)
    if not ids:
        return []
    return _all(
        client.read_flow_runs,
        flow_run_filter=FlowRunFilter(parent_flow_run_id=FlowRunFilterParentFlowRunId(any_=ids)),
    )


def row(run: Any, gates: list[Any]) -> LaunchRow:
    parameters = run.parameters or {}
    state_type = run.state.type.value if run.state else ""
    return LaunchRow(
        id=str(run.id),
        release=str(parameters.get("release", "?")),
        driver=str(parameters.get("driver", "?")),
        state=run.state.name if run.state else "?",
        state_type=state_type,
        started=run.start_time,
        ended=run.end_time,
        stopped_at=stopped_at(
            state_type,
            [(g.name, g.state.name if g.state else "?", g.start_time) for g in gates],
        ),
        plan=str(parameters.get("plan", "")),
    )


def launch_rows(client: Any, limit: int = 20) -> list[LaunchRow]:
    runs = launch_runs(client, limit)
    by_parent: dict[str, list[Any]] = {}
    for child in _children_with_parents(client, runs):
        by_parent.setdefault(str(child[0]), []).append(child[1])
    return [row(run, by_parent.get(str(run.id), [])) for run in runs]


def _children_with_parents(client: Any, runs: list[Any]) -> list[tuple[UUID, Any]]:
    """(launch id, gate subflow run): a subflow's parent is its parent task run's flow run."""
    subflows = children(client, [r.id for r in runs])
    if not subflows:
        return []
    from prefect.client.schemas.filters import TaskRunFilter, TaskRunFilterId

    task_ids = [s.parent_task_run_id for s in subflows if s.parent_task_run_id]
    tasks = _all(
        client.read_task_runs, task_run_filter=TaskRunFilter(id=TaskRunFilterId(any_=task_ids))
    )
    parent = {t.id: t.flow_run_id for t in tasks}
    return [(parent[s.parent_task_run_id], s) for s in subflows if s.parent_task_run_id in parent]


def gate_runs(client: Any, launch_id: UUID) -> list[Any]:
    return [child for _, child in _children_with_parents(client, [client.read_flow_run(launch_id)])]


def create_launch(client: Any, release: str, driver: str, plan: str, queue: bool = False) -> Any:
    deployment = client.read_deployment_by_name(LAUNCH_DEPLOYMENT)
    parameters: dict[str, Any] = {"release": release, "driver": driver, "plan": plan}
    if queue:
        parameters["queue"] = True
    return client.create_flow_run_from_deployment(deployment.id, parameters=parameters)


def create_rollback(
    client: Any, mode: str, reason: str, plan: str, launch: str | None, triggered_by: str
) -> Any:
    deployment = client.read_deployment_by_name(f"rollback/{mode}")
    parameters = {"reason": reason, "plan": plan, "triggered_by": triggered_by}
    if launch:
        parameters["launch"] = launch
    return client.create_flow_run_from_deployment(deployment.id, parameters=parameters)


def wait_final(
    client: Any,
    run_id: UUID,
    on_poll: Callable[[Any], None] | None = None,
    poll_s: float = 1.0,
    timeout_s: float | None = None,
) -> Any:
    """Poll the run until its state is final (or `timeout_s`: then the run as it is)."""
    deadline = None if timeout_s is None else time.monotonic() + timeout_s
    while True:
        run = client.read_flow_run(run_id)
        if on_poll is not None:
            on_poll(run)
        if is_final(run) or (deadline is not None and time.monotonic() >= deadline):
            return run
        time.sleep(poll_s)


def cancel(client: Any, run_id: UUID, message: str) -> datetime:
    """Cancelling, as the UI's Cancel: the worker stops the run's process, and the launch's
    on_cancellation hook runs. Returns when the server set it (its clock)."""
    from prefect.states import Cancelling

    client.set_flow_run_state(run_id, Cancelling(message=message), force=True)
    state = client.read_flow_run(run_id).state
    return state.timestamp


def rollbacks_of(
    client: Any, launch_id: str, mode: str = "full", since: datetime | None = None
) -> list[Any]:
    """Runs of rollback/<mode> for this launch (their `launch` parameter), newest first; with
    `since` (the server's time), only those created from then on."""
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterDeploymentId
    from prefect.client.schemas.sorting import FlowRunSort

    deployment = client.read_deployment_by_name(f"rollback/{mode}")
    runs = client.read_flow_runs(
        flow_run_filter=FlowRunFilter(
            deployment_id=FlowRunFilterDeploymentId(any_=[deployment.id])
        ),
        sort=FlowRunSort.EXPECTED_START_TIME_DESC,
        limit=200,
    )
    return [
        r
        for r in runs
        if str((r.parameters or {}).get("launch", "")) == launch_id
        and (since is None or (r.created is not None and r.created >= since))
    ]


def production_weights(plan_ref: str) -> dict[str, int]:
    """The production router's weights now ({"stable": 100, "canary": 0} is users on stable)."""
    from flows.launch_plan import load_launch_plan
    from tasks.traffic import router_for

    return router_for(load_launch_plan(plan_ref).environments.production).weights()


def new_gate_states(gates: list[Any], seen: dict[str, str]) -> list[tuple[str, str]]:
    """(gate run name, state) for each gate whose state changed since `seen` (updated in place)."""
    changed = []
    for gate in sorted(gates, key=lambda r: r.created or 0):
        state = gate.state.name if gate.state else "?"
        if seen.get(gate.name) != state:
            seen[gate.name] = state
            changed.append((gate.name, state))
    return changed
