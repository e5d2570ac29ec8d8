"""A launch that died leaves its subflows (and their tasks) Running, Pending or Paused in the
Prefect UI forever: nobody is left to end them. This marks every run under the launch that is
not final as Crashed (or Cancelled, for a cancelled launch) with a message saying why.

It uses the synchronous client: it runs in the launch's state hooks (maybe in the worker,
after the launch's process is gone) and in the rollback deployment. Idempotent: runs that
already ended are left as they are.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import (
    FlowRunFilter,
    FlowRunFilterId,
    FlowRunFilterParentFlowRunId,
    FlowRunFilterState,
    FlowRunFilterStateType,
    TaskRunFilter,
    TaskRunFilterState,
    TaskRunFilterStateType,
)
from prefect.client.schemas.objects import StateType
from prefect.states import Cancelled, Crashed

UNFINISHED = [
    StateType.SCHEDULED,
    StateType.PENDING,
    StateType.RUNNING,
    StateType.PAUSED,
    StateType.CANCELLING,
]
MAX_DEPTH = 5  # launch -> canary step -> rollback: a little room beyond


def _subflows(client: Any, parents: list[UUID]) -> list[Any]:
    return client.read_flow_runs(
        flow_run_filter=FlowRunFilter(parent_flow_run_id=FlowRunFilterParentFlowRunId(any_=parents))
    )


def settle_orphans(launch: str | UUID, ended_as: str, why: str) -> list[str]:
    """Mark the launch's unfinished descendant flow runs and the unfinished task runs of the launch
    and its descendants `ended_as` ('Cancelled' makes them Cancelled, anything else Crashed);
    returns the names of the runs marked."""
    state = Cancelled if ended_as.lower() == "cancelled" else Crashed
    marked: list[str] = []
    with get_client(sync_client=True) as client:
        family, parents = [UUID(str(launch))], [UUID(str(launch))]
        for _ in range(MAX_DEPTH):
            children = _subflows(client, parents)
            parents = [run.id for run in children if run.id not in family]
            if not parents:
                break
            family += parents
        unfinished = (
            client.read_flow_runs(
                flow_run_filter=FlowRunFilter(
                    id=FlowRunFilterId(any_=family[1:]),
                    state=FlowRunFilterState(type=FlowRunFilterStateType(any_=UNFINISHED)),
                )
            )
            if family[1:]
            else []
        )
        for run in unfinished:
            client.set_flow_run_state(run.id, state(message=why), force=True)
            marked.append(run.name)
        tasks = client.read_task_runs(
            flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=family)),
            task_run_filter=TaskRunFilter(
                state=TaskRunFilterState(type=TaskRunFilterStateType(any_=UNFINISHED))
            ),
        )
        for task_run in tasks:
            client.set_task_run_state(task_run.id, state(message=why), force=True)
            marked.append(task_run.name)
    return marked
