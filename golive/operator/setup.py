"""`golive setup`: a Prefect workspace made ready for golive, on whatever API PREFECT_API_URL names.

Block types (golive's own, prefect-aws's AwsCredentials, and the notifier and Secret types plans
name), both process work pools, the deployments of prefect.yaml (with the rollback trigger
`prefect deploy` creates) and the heartbeat automation. Idempotent: each step reads first and
says whether it created, updated or found its object; `prefect deploy --all` runs only when a
deployment is missing or differs from prefect.yaml. The local stack calls the same `setup`.
"""

from __future__ import annotations

import inspect
import json
import os
import re
import subprocess
import sys
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml

from golive.core.operator_view import SetupStep

REPO = Path(__file__).resolve().parents[2]  # golive/operator/setup.py -> the repo
WORK_POOL = "golive-pool"
ROLLBACK_POOL = (
    "golive-rollback-pool"  # its own worker: a rollback must outlive the launch's worker
)
POOLS = (WORK_POOL, ROLLBACK_POOL)
HEARTBEAT_AUTOMATION = REPO / "automations" / "launch-heartbeat.yaml"
ROLLBACK_TRIGGER = "golive-launch-rollback"  # prefect.yaml's trigger on rollback/full


def api_url() -> str:
    from prefect.settings import get_current_settings

    return str(get_current_settings().api.url or "")


def block_classes() -> list[type]:
    """Every block type golive loads: blocks/prefect_blocks.py's (with the AwsCredentials it
    imports), each notifier kind's, and Secret (smoke checks' bearer tokens)."""
    from prefect.blocks.core import Block
    from prefect.blocks.system import Secret

    from blocks import prefect_blocks
    from tasks.notify_registry import NOTIFIERS

    classes = [c for _, c in inspect.getmembers(prefect_blocks) if Block.is_block_class(c)]
    classes += [notifier.block_type() for notifier in NOTIFIERS]
    classes.append(Secret)
    unique = {
        c.get_block_type_slug(): c for c in classes if c is not Block and not inspect.isabstract(c)
    }
    return list(unique.values())


def ensure_block_types(client: Any) -> list[SetupStep]:
    """Each type registered with its current schema (`prefect block register`), only if the server
    lacks the type or that schema."""
    steps = []
    for cls in block_classes():
        slug = cls.get_block_type_slug()
        has_type = _found(client.read_block_type_by_slug, slug)
        if has_type and _found(
            client.read_block_schema_by_checksum, cls._calculate_schema_checksum()
        ):
            steps.append(SetupStep("block type", slug, "found"))
            continue
        cls.register_type_and_schema()
        steps.append(
            SetupStep("block type", slug, "updated", "new schema")
            if has_type
            else SetupStep("block type", slug, "created")
        )
    return steps


def _found(read: Any, key: str) -> bool:
    from prefect.exceptions import ObjectNotFound

    try:
        read(key)
        return True
    except ObjectNotFound:
        return False


def ensure_pools(client: Any) -> list[SetupStep]:
    """Both process pools with the process worker's default job template; an existing pool is left
    as it is (its template may be the team's own)."""
    from prefect.client.schemas.actions import WorkPoolCreate
    from prefect.exceptions import ObjectNotFound
    from prefect.workers.process import ProcessWorker

    steps = []
    for name in POOLS:
        try:
            pool = client.read_work_pool(name)
            steps.append(SetupStep("work pool", name, "found", f"type {pool.type}"))
        except ObjectNotFound:
            template = ProcessWorker.get_default_base_job_template()
            client.create_work_pool(
                work_pool=WorkPoolCreate(name=name, type="process", base_job_template=template)
            )
            steps.append(SetupStep("work pool", name, "created", "type process"))
    return steps


def project_file(repo: Path = REPO) -> dict[str, Any]:
    return dict(yaml.safe_load((repo / "prefect.yaml").read_text()))


def declared_deployments(repo: Path = REPO) -> list[dict[str, Any]]:
    return list(project_file(repo)["deployments"])


REPO_DIR_ENV = "GOLIVE_REPO_DIR"  # prefect.yaml's pull step: where the workers find this checkout
_ENV_TEMPLATE = re.compile(r"\{\{\s*\$(\w+)\s*\}\}")


def deploy_env(repo: Path = REPO, env: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment `prefect deploy` renders `{{ $VAR }}` with: this process's, `env` over it,
    and GOLIVE_REPO_DIR this checkout unless set."""
    environment = {**os.environ, "PREFECT_API_URL": api_url(), **(env or {})}
    environment.setdefault(REPO_DIR_ENV, str(repo))
    return environment


def _rendered(value: Any, env: Mapping[str, str]) -> Any:
    """`{{ $VAR }}` replaced as `prefect deploy` does, in every string of a YAML value."""
    if isinstance(value, str):
        return _ENV_TEMPLATE.sub(lambda m: env.get(m.group(1), ""), value)
    if isinstance(value, list):
        return [_rendered(v, env) for v in value]
    if isinstance(value, dict):
        return {k: _rendered(v, env) for k, v in value.items()}
    return value


def _declared_schedule(schedule: Mapping[str, Any]) -> tuple[Any, ...]:
    if "interval" in schedule:
        anchor = schedule.get("anchor_date")
        return (
            "interval",
            float(schedule["interval"]),
            datetime.fromisoformat(str(anchor)).timestamp() if anchor else None,
            schedule.get("timezone") or "UTC",
            bool(schedule.get("active", True)),
        )
    return ("other", json.dumps(dict(schedule), sort_keys=True, default=str))


def _server_schedule(deployment_schedule: Any) -> tuple[Any, ...]:
    schedule = deployment_schedule.schedule
    if getattr(schedule, "interval", None) is not None:
        anchor = getattr(schedule, "anchor_date", None)
        return (
            "interval",
            schedule.interval.total_seconds(),
            anchor.timestamp() if anchor else None,
            getattr(schedule, "timezone", None) or "UTC",
            bool(deployment_schedule.active),
        )
    return ("other", "")  # a cron or rrule schedule: not compared field by field, always redeployed


def _as_deployed(
    spec: Mapping[str, Any], pull: list[Any], env: Mapping[str, str]
) -> dict[str, Any]:
    """The fields of a prefect.yaml entry the server keeps (what `deploy` would change)."""
    pool = spec.get("work_pool") or {}
    return {
        "entrypoint": spec["entrypoint"],
        "description": (spec.get("description") or "").strip(),
        "parameters": dict(spec.get("parameters") or {}),
        "tags": sorted(spec.get("tags") or []),
        "work_pool_name": pool.get("name"),
        "work_queue_name": pool.get("work_queue_name") or "default",
        "pull_steps": _rendered(spec.get("pull", pull) or [], env),
        "schedules": sorted((_declared_schedule(s) for s in spec.get("schedules") or []), key=repr),
    }


def _server_side(deployment: Any) -> dict[str, Any]:
    return {
        "entrypoint": deployment.entrypoint,
        "description": (deployment.description or "").strip(),
        "parameters": dict(deployment.parameters or {}),
        "tags": sorted(deployment.tags or []),
        "work_pool_name": deployment.work_pool_name,
        "work_queue_name": deployment.work_queue_name or "default",
        "pull_steps": list(deployment.pull_steps or []),
        "schedules": sorted((_server_schedule(s) for s in deployment.schedules or []), key=repr),
    }


def deployed(client: Any) -> dict[tuple[str, str], Any]:
    """The server's deployments by (name, entrypoint): how a prefect.yaml entry is found."""
    return {(d.name, d.entrypoint): d for d in client.read_deployments(limit=200)}


def deployment_drift(
    client: Any, repo: Path = REPO, env: Mapping[str, str] | None = None
) -> dict[str, str]:
    """prefect.yaml's deployment name -> "missing", "same", or "differs: <fields>" on the server
    (pull steps rendered with the environment the deploy would run with)."""
    on_server = deployed(client)
    project = project_file(repo)
    rendering = deploy_env(repo, env)
    drift = {}
    for spec in project["deployments"]:
        found = on_server.get((spec["name"], spec["entrypoint"]))
        if found is None:
            drift[spec["name"]] = "missing"
            continue
        wanted = _as_deployed(spec, project.get("pull") or [], rendering)
        server = _server_side(found)
        differing = [field for field in wanted if wanted[field] != server[field]]
        drift[spec["name"]] = f"differs: {', '.join(differing)}" if differing else "same"
    return drift


def ensure_deployments(
    client: Any, repo: Path = REPO, env: Mapping[str, str] | None = None, force: bool = False
) -> list[SetupStep]:
    """`prefect --no-prompt deploy --all` from the repo when a deployment (or the rollback trigger)
    is missing or differs; else nothing runs and each is "found"."""
    drift = deployment_drift(client, repo, env)
    trigger_missing = not client.read_automations_by_name(ROLLBACK_TRIGGER)
    if force or trigger_missing or any(state != "same" for state in drift.values()):
        deploy_all(repo, env)
    steps = []
    for name, state in drift.items():
        if state == "missing":
            steps.append(SetupStep("deployment", name, "created"))
        elif state != "same":
            steps.append(SetupStep("deployment", name, "updated", state.replace("differs: ", "")))
        else:
            steps.append(
                SetupStep("deployment", name, "updated", "redeployed")
                if force
                else SetupStep("deployment", name, "found")
            )
    steps.append(
        SetupStep(
            "automation",
            ROLLBACK_TRIGGER,
            "created" if trigger_missing else "found",
            "rollback/full's trigger, made by prefect deploy",
        )
    )
    return steps


def prefect_cli(
    *args: str, env: Mapping[str, str] | None = None, repo: Path = REPO, timeout: float = 300
) -> str:
    """`prefect ARGS` from the repo, against the API this process talks to (a profile, a temporary
    setting) unless `env` names another; its output, or RuntimeError with it."""
    environment = deploy_env(repo, env)
    done = subprocess.run(
        [sys.executable, "-m", "prefect", *args],
        cwd=repo,
        env=environment,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if done.returncode != 0:
        raise RuntimeError(
            f"prefect {' '.join(args)} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}"
        )
    return done.stdout


def deploy_all(repo: Path = REPO, env: Mapping[str, str] | None = None) -> None:
    prefect_cli("--no-prompt", "deploy", "--all", env=env, repo=repo)


def heartbeat_spec(within_s: int | None = None) -> dict[str, Any]:
    """automations/launch-heartbeat.yaml, its `within` (and message) overridden if asked."""
    spec = yaml.safe_load(HEARTBEAT_AUTOMATION.read_text())
    if within_s is not None:
        spec["trigger"]["within"] = within_s
        spec["actions"][0]["message"] = spec["actions"][0]["message"].replace(
            "90 s", f"{within_s} s"
        )
    return spec


def _without_ids(value: Any) -> Any:
    """A model's dump without its generated ids (python mode: `expect`, `after` and `for_each` stay
    sets, whose order is not the server's business)."""
    if isinstance(value, dict):
        return {k: _without_ids(v) for k, v in value.items() if k != "id"}
    if isinstance(value, list):
        return [_without_ids(v) for v in value]
    return value


def ensure_heartbeat_automation(client: Any, within_s: int | None = None) -> SetupStep:
    """The heartbeat automation as the file says: created, updated in place when it differs (also
    when it was disabled), or found. Duplicates of the same name are removed."""
    from prefect.events.schemas.automations import AutomationCore

    wanted = AutomationCore.model_validate(heartbeat_spec(within_s))
    existing = client.read_automations_by_name(wanted.name)
    for extra in existing[1:]:
        client.delete_automation(extra.id)
    if not existing:
        client.create_automation(wanted)
        return SetupStep("automation", wanted.name, "created")
    current = AutomationCore.model_validate(existing[0].model_dump(exclude={"id"}))
    if _without_ids(current.model_dump()) == _without_ids(wanted.model_dump()):
        return SetupStep("automation", wanted.name, "found")
    client.update_automation(existing[0].id, wanted)
    return SetupStep("automation", wanted.name, "updated", "as automations/launch-heartbeat.yaml")


def setup(
    repo: Path = REPO,
    env: Mapping[str, str] | None = None,
    heartbeat_within_s: int | None = None,
    redeploy: bool = False,
) -> list[SetupStep]:
    """Everything golive needs on the Prefect API, in order: block types, pools, deployments (and
    the rollback trigger), the heartbeat automation. `env` is added to the deploy's environment."""
    from prefect.client.orchestration import get_client

    with get_client(sync_client=True) as client:
        steps = ensure_block_types(client)
        steps += ensure_pools(client)
        steps += ensure_deployments(client, repo, env, force=redeploy)
        steps.append(ensure_heartbeat_automation(client, heartbeat_within_s))
    return steps
