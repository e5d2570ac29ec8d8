"""Find paused gates and resume them through the Prefect API, exactly as the UI's Resume form does.

Used by `golive approvals`, `golive approve`, the demo's sandbox approver and the tests.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import httpx
from prefect.client.orchestration import SyncPrefectClient, get_client
from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterState, FlowRunFilterStateType
from prefect.client.schemas.objects import FlowRun, StateType
from prefect.client.schemas.sorting import FlowRunSort
from prefect.exceptions import ObjectNotFound

from golive.core.approval_model import CODE_FIELD


@dataclass(frozen=True)
class PendingApproval:
    run_id: UUID
    run_name: str
    pause_key: str
    title: str  # the form's title (what is being approved)
    who_field: str  # "approver" or "signer"
    eligible: list[str]  # the dropdown's names
    description: str  # the markdown the approver is shown
    paused_since: str
    timeout_at: str | None
    needs_code: bool = False  # the form asks for a one-time code (`approvals.proof: totp`)

    @property
    def ready(self) -> bool:
        """The flow has saved its form; resuming before that is rejected by the server."""
        return bool(self.eligible)


@dataclass(frozen=True)
class ResumeResult:
    accepted: bool
    reason: str


def _paused_runs(client: SyncPrefectClient) -> list[FlowRun]:
    return client.read_flow_runs(
        flow_run_filter=FlowRunFilter(
            state=FlowRunFilterState(type=FlowRunFilterStateType(any_=[StateType.PAUSED]))
        ),
        sort=FlowRunSort.START_TIME_DESC,
        limit=200,
    )


def _read_input(client: SyncPrefectClient, run_id: UUID, key: str) -> str | None:
    try:
        return client.read_flow_run_input(run_id, key)
    except (ObjectNotFound, httpx.HTTPStatusError):
        return None


def describe(client: SyncPrefectClient, run: FlowRun) -> PendingApproval:
    details = run.state.state_details if run.state else None
    keyset: dict[str, str] = (details.run_input_keyset or {}) if details else {}
    schema: dict[str, Any] = {}
    if keyset.get("schema"):
        raw = _read_input(client, run.id, keyset["schema"])
        schema = json.loads(raw) if raw else {}
    properties = schema.get("properties", {})
    who_field = next((name for name in ("approver", "signer") if name in properties), "approver")
    who = properties.get(who_field, {})
    # a one-name Literal is rendered as "const" rather than a one-item "enum"
    eligible = list(who.get("enum", [])) or ([who["const"]] if "const" in who else [])
    description = (
        (_read_input(client, run.id, keyset["description"]) or "")
        if keyset.get("description")
        else ""
    )
    expires = details.pause_timeout if details else None
    return PendingApproval(
        run_id=run.id,
        run_name=run.name,
        pause_key=(details.pause_key or "") if details else "",
        title=schema.get("title", ""),
        who_field=who_field,
        eligible=eligible,
        description=_unquote(description),
        paused_since=str(run.state.timestamp) if run.state else "",
        timeout_at=str(expires) if expires else None,
        needs_code=CODE_FIELD in properties,
    )


def _unquote(value: str) -> str:
    """Flow run inputs are stored JSON-encoded."""
    try:
        decoded = json.loads(value)
        return decoded if isinstance(decoded, str) else value
    except ValueError:
        return value


def pending_approvals(client: SyncPrefectClient | None = None) -> list[PendingApproval]:
    if client is None:
        with get_client(sync_client=True) as own:
            return pending_approvals(own)
    return [describe(client, run) for run in _paused_runs(client)]


def resume(
    run_id: UUID | str,
    who: str,
    decision: str = "approve",
    comment: str = "",
    client: SyncPrefectClient | None = None,
    code: str | None = None,
) -> ResumeResult:
    """Resume a paused gate with a decision. The server validates `who` against the form's list;
    the flow checks the one-time `code` (when the form asks for one) and may still refuse the
    answer, and then asks again under a new pause key (see `golive approvals`)."""
    if client is None:
        with get_client(sync_client=True) as own:
            return resume(run_id, who, decision, comment, own, code)
    run_id = UUID(str(run_id))
    pending = describe(client, client.read_flow_run(run_id))
    if not pending.ready:
        return ResumeResult(
            False, "this run is not waiting for an approval form (not paused, or not ready yet)"
        )
    run_input = {"decision": decision, pending.who_field: who, "comment": comment}
    if pending.needs_code:
        if not code:
            return ResumeResult(False, "this sign-off asks for your one-time code (--code)")
        run_input[CODE_FIELD] = code
    result = client.resume_flow_run(run_id, run_input=run_input)
    accepted = result.status.value == "ACCEPT"
    reason = getattr(result.details, "reason", None) or (
        "accepted" if accepted else str(result.status.value)
    )
    return ResumeResult(accepted, reason)
