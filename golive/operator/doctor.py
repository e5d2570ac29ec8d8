"""`golive doctor [--plan REF]`: what a real launch still lacks, one finding per thing it needs.

The Prefect side (API, pools, a live worker on each, the deployments without a sandbox plan
default, the rollback trigger and the heartbeat automation) and, with a plan, the plan's side:
it loads, the blocks it names exist, AWS credentials resolve (sts:GetCallerIdentity through the
environment's session, as pre-flight does) and each capability of the permission probe Gate B
runs (`tasks/permissions.py`). Findings are `golive.core.operator_view.Finding`s; deciding and
printing them is pure.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from golive.core.formatting import shorten
from golive.core.operator_view import Finding, sandbox_plan_default, worker_is_live
from golive.operator.setup import (
    HEARTBEAT_AUTOMATION,
    POOLS,
    ROLLBACK_TRIGGER,
    api_url,
    declared_deployments,
    deployed,
    heartbeat_spec,
)

HEARTBEAT_ADVICE = (
    "start the launch worker with PREFECT_FLOWS_HEARTBEAT_FREQUENCY=30: without heartbeats the "
    "automation cannot tell a dead launch from a quiet one (Prefect's minimum is 30 s)"
)


def _error(error: BaseException) -> str:
    return shorten(f"{type(error).__name__}: {error}", 200)


def prefect_findings(now: datetime | None = None) -> list[Finding]:
    from prefect.client.orchestration import get_client

    url = api_url()
    if not url:
        return [
            Finding(
                "Prefect API",
                False,
                "PREFECT_API_URL is not set (Prefect would start a throwaway server)",
                "export PREFECT_API_URL=https://<your server>/api (or `prefect profile use ...`)",
            )
        ]
    with get_client(sync_client=True) as client:
        if (unhealthy := client.api_healthcheck()) is not None:
            return [
                Finding(
                    "Prefect API",
                    False,
                    f"{url} does not answer ({_error(unhealthy)})",
                    "start the server or fix PREFECT_API_URL",
                )
            ]
        findings = [Finding("Prefect API", True, f"{url} answers")]
        findings += _pools_and_workers(client, now or datetime.now(UTC))
        findings += _deployments(client)
        findings += _automations(client)
    return findings


def _pools_and_workers(client: Any, now: datetime) -> list[Finding]:
    from prefect.exceptions import ObjectNotFound

    findings = []
    for pool in POOLS:
        try:
            client.read_work_pool(pool)
        except ObjectNotFound:
            findings.append(
                Finding(f"work pool {pool}", False, "missing", "golive setup creates it")
            )
            findings.append(
                Finding(
                    f"worker on {pool}",
                    False,
                    "no pool, no worker",
                    f"golive setup, then {_start(pool)}",
                )
            )
            continue
        findings.append(Finding(f"work pool {pool}", True, "exists"))
        workers = client.read_workers_for_work_pool(pool)
        live = [
            w
            for w in workers
            if worker_is_live(
                str(w.status.value), w.last_heartbeat_time, w.heartbeat_interval_seconds, now
            )
        ]
        if live:
            names = ", ".join(sorted(w.name for w in live))
            findings.append(Finding(f"worker on {pool}", True, f"{len(live)} live: {names}"))
        else:
            seen = (
                f"{len(workers)} known, none ONLINE with a recent heartbeat" if workers else "none"
            )
            findings.append(Finding(f"worker on {pool}", False, seen, _start(pool)))
    return findings


def _start(pool: str) -> str:
    if pool == POOLS[0]:
        return (
            f"PREFECT_FLOWS_HEARTBEAT_FREQUENCY=30 prefect worker start --pool {pool} "
            "(GOLIVE_REPO_DIR=<this checkout>)"
        )
    return (
        f"prefect worker start --pool {pool} on another host than the launch worker's "
        "(a rollback must outlive it)"
    )


def _deployments(client: Any) -> list[Finding]:
    on_server = deployed(client)
    findings = []
    for spec in declared_deployments():
        label = f"deployment {spec['name']} ({spec['entrypoint']})"
        found = on_server.get((spec["name"], spec["entrypoint"]))
        if found is None:
            findings.append(Finding(label, False, "not deployed", "golive setup"))
        elif default := sandbox_plan_default(found.parameters or {}):
            findings.append(
                Finding(
                    label,
                    False,
                    f"defaults `plan` to the sandbox's {default}",
                    "every run must name its plan: deploy a prefect.yaml without a plan default "
                    "(golive setup redeploys what differs from it)",
                )
            )
        elif found.paused:
            findings.append(Finding(label, False, "paused", "resume it in the UI"))
        else:
            findings.append(Finding(label, True, "deployed, no sandbox plan default"))
    return findings


def _automations(client: Any) -> list[Finding]:
    wanted = heartbeat_spec()["name"]
    findings = []
    for name, what in (
        (ROLLBACK_TRIGGER, "rollback/full's trigger (prefect deploy)"),
        (wanted, f"the heartbeat automation ({HEARTBEAT_AUTOMATION.name})"),
    ):
        found = client.read_automations_by_name(name)
        if not found:
            findings.append(
                Finding(f"automation {name}", False, f"missing: {what}", "golive setup")
            )
        elif not any(a.enabled for a in found):
            findings.append(
                Finding(f"automation {name}", False, "disabled", "enable it (UI: Automations)")
            )
        else:
            findings.append(Finding(f"automation {name}", True, f"enabled: {what}"))
    findings.append(Finding("launch heartbeats", True, HEARTBEAT_ADVICE, advice=True))
    return findings


def plan_findings(ref: str) -> list[Finding]:
    """The plan loads; its blocks exist; per environment: AWS identity, then each permission."""
    from flows.launch_plan import load_launch_plan
    from tasks.aws import aws_client
    from tasks.permissions import probe_permissions
    from tasks.plan_blocks import unresolvable_blocks

    try:
        plan = load_launch_plan(ref)
    except Exception as error:  # noqa: BLE001 - GateFailed, PlanError, a missing block: all say why
        return [Finding(f"plan {ref}", False, _error(error), f"golive plan check {ref}")]
    findings = [Finding(f"plan {ref}", True, f"{plan.app}: loads and validates")]
    try:
        missing = unresolvable_blocks(plan)
    except Exception as error:  # noqa: BLE001
        missing, findings = [], [*findings, Finding("plan blocks", False, _error(error), "")]
    if missing:
        for problem in missing:
            where = ".".join(str(part) for part in problem.loc)
            findings.append(
                Finding(
                    f"block {problem.given}", False, f"{where}: not on the server", problem.expected
                )
            )
    else:
        findings.append(Finding("plan blocks", True, "every block the plan names exists"))
    for name, environment in plan.environments.items():
        try:
            identity = aws_client("sts", environment).get_caller_identity()
        except Exception as error:  # noqa: BLE001
            findings.append(
                Finding(
                    f"{name}: AWS credentials",
                    False,
                    _error(error),
                    "give the environment credentials: its aws_credentials_block, its "
                    "GoliveEnvironment block, or boto3's chain (AWS_PROFILE, a role)",
                )
            )
            continue
        findings.append(
            Finding(f"{name}: AWS credentials", True, f"{identity['Arn']} ({identity['Account']})")
        )
        results, method = probe_permissions(lambda s, e=environment: aws_client(s, e), environment)
        for result in results:
            findings.append(
                Finding(
                    f"{name}: {result.capability}",
                    result.allowed,
                    f"{result.detail} ({result.method})",
                    "grant what `golive iam-policy PLAN` prints to the launch role",
                )
            )
        findings.append(Finding(f"{name}: permission probe", True, method, advice=True))
    return findings


def doctor(plan: str | None = None) -> list[Finding]:
    findings = prefect_findings()
    if plan:
        findings += plan_findings(plan)
    return findings
