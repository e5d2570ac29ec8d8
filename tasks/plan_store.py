"""Plans stored on the Prefect server as `golive-plan` blocks, and the copy each launch keeps.

A worker on any host reads `golive-plan/<name>`; a launch writes the exact text it ran to
`golive-plan/launch-<launch id>` once (never overwritten with other text), and its rollbacks
read that copy.
"""

from __future__ import annotations

from pathlib import Path

import httpx
from prefect.exceptions import ObjectNotFound

from blocks.plan import (
    PlanError,
    PlanText,
    is_launch_snapshot,
    is_stored_ref,
    launch_snapshot_name,
    launch_snapshot_ref,
    stored_name,
)
from blocks.prefect_blocks import GolivePlan


def read_plan_text(ref: str, repo_root: Path) -> PlanText:
    """The plan a reference names: a stored plan, or a file (relative: from the working
    directory, then from `repo_root`). PlanError when it cannot be read."""
    if is_stored_ref(ref):
        try:
            name = stored_name(ref)
        except ValueError as error:
            raise PlanError([str(error)], source=ref) from None
        block = _load(name)
        if block is None:
            raise PlanError(
                [
                    f"no stored plan {name!r} on this Prefect server "
                    f"(store one: golive plan push PLAN.yaml --name {name})"
                ],
                source=ref,
            )
        return PlanText(ref=ref, text=block.plan_yaml, file=_stored_from(block))
    path = Path(ref)
    if not (path.is_absolute() or path.exists()):
        path = repo_root / path
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise PlanError([f"cannot read the plan: {exc.strerror or exc}"], source=path) from None
    return PlanText(ref=ref, text=text, file=path)


def push_plan(name: str, plan: PlanText) -> bool:
    """Store (or replace) `golive-plan/<name>`; False when it already held exactly this text
    from the same place."""
    existing = _load(name)
    where = _relative(plan.file) if plan.file else plan.ref
    if existing is not None and (existing.plan_yaml, existing.pushed_from) == (plan.text, where):
        return False
    GolivePlan(plan_yaml=plan.text, sha256=plan.sha256, pushed_from=where).save(
        name, overwrite=True
    )
    return True


def keep_launch_plan(launch_id: str, plan: PlanText) -> str:
    """Write the launch's copy of its plan once; the copy's reference. A copy already there with
    other text is an error: a launch's record is never rewritten."""
    name = launch_snapshot_name(launch_id)
    existing = _load(name)
    if existing is None:
        where = _relative(plan.file) if plan.file else plan.ref
        GolivePlan(plan_yaml=plan.text, sha256=plan.sha256, pushed_from=where).save(name)
    elif existing.plan_yaml != plan.text:
        raise PlanError(
            [f"launch {launch_id} already recorded another plan ({existing.sha256[:12]})"],
            source=plan.ref,
        )
    return launch_snapshot_ref(launch_id)


def launch_plan_copy(launch_id: str) -> PlanText | None:
    """The plan a launch recorded at its start, or None (it stopped before, or is older)."""
    block = _load(launch_snapshot_name(launch_id))
    if block is None:
        return None
    return PlanText(
        ref=launch_snapshot_ref(launch_id), text=block.plan_yaml, file=_stored_from(block)
    )


def stored_plan_names() -> list[str]:
    """The stored plans (not the launches' copies), by name."""
    from prefect.client.orchestration import get_client

    with get_client(sync_client=True) as client:
        try:
            documents = client.read_block_documents_by_type("golive-plan", include_secrets=False)
        except (ObjectNotFound, httpx.HTTPStatusError) as error:
            if isinstance(error, httpx.HTTPStatusError) and error.response.status_code != 404:
                raise
            return []  # the block type is not registered: nothing was ever stored
    return sorted(d.name for d in documents if d.name and not is_launch_snapshot(d.name))


def _relative(file: Path) -> str:
    """A plan file's path from the working directory when it is inside it (a worker's checkout
    has the same layout), else absolute: relative paths in the plan start at its folder."""
    resolved = file.resolve()
    try:
        return str(resolved.relative_to(Path.cwd()))
    except ValueError:
        return str(resolved)


def _stored_from(block: GolivePlan) -> Path | None:
    """Where a stored plan was read from (a path, not a stored plan's name), for its relative paths."""
    where = block.pushed_from
    return Path(where) if where and not is_stored_ref(where) else None


def _load(name: str) -> GolivePlan | None:
    try:
        return GolivePlan.load(name)
    except (ValueError, ObjectNotFound):
        return None
