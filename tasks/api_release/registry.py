"""How the API release gets out: one entry per kind the plan's `api_release.kind` names.

- `redeploy`: the production deploy puts the release on the canary slot; at promotion the
  stable slot takes it (an ECS deploy, waited until stable and verified) before traffic returns
  to it; a full rollback points each slot's service back at the task definition the backup
  manifest recorded.
- `site_only`: the launch releases the site alone; the API is not golive's to move, and what
  it serves is not checked against the release.

Each entry's steps return the checks they made, so the gates show them. What a slot runs is
verified by the release its own responses name when the plan gives the slot's URL, else by its
ECS task definition's image tag (and then by the responses at the front door, where every
check of the canary's share counts only responses naming the launched release).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from blocks.plan import EcsService, Environment, LaunchPlan, Problem
from golive.core.checks import CheckResult
from golive.core.registry import Registry
from tasks.api_release.ecs import SlotState, deploy_release, point_service, slot_state
from tasks.aws import aws_client
from tasks.backup import BackupManifest

__all__ = ["API_RELEASES", "ApiReleaseKind", "api_release_problems", "kind_for", "verify_slot"]


@dataclass(frozen=True)
class ApiReleaseKind:
    kind: str
    describe: str
    # production deploy, before any traffic moves: the canary slot on the release, verified
    prepare: Callable[[LaunchPlan, str], list[CheckResult]]
    # promotion, before traffic returns to the stable slot: the stable slot on the release
    promote: Callable[[LaunchPlan, str], list[CheckResult]]
    # a full rollback: every slot as the backup manifest recorded it
    restore: Callable[[LaunchPlan, BackupManifest], list[CheckResult]]
    # does every API response name the launched release once promoted?
    api_follows_release: bool = True


def _slots(plan: LaunchPlan) -> dict[str, EcsService]:
    slots = plan.environments.production.api_slots
    return {"stable": slots.stable, "canary": slots.canary} if slots else {}


def slot_states(plan: LaunchPlan) -> dict[str, SlotState]:
    """Each production slot's ECS state (empty when the plan names no slots)."""
    api = plan.api_release
    production = plan.environments.production
    container = api.container if api else "api"
    return {
        name: slot_state(aws_client("ecs", production), slot, container)
        for name, slot in _slots(plan).items()
    }


def verify_slot(
    plan: LaunchPlan, environment: Environment, name: str, slot: EcsService, release: str
) -> CheckResult:
    """The slot runs `release`: by its own responses when the plan gives its URL, else by ECS."""
    title = f"{name} slot runs {release}"
    if slot.url:
        from tasks.served import slot_release  # the probe's transport: imported when first used

        seen = slot_release(plan, slot.url, environment.health_path)
        ok = set(seen) == {release}
        return CheckResult(
            name=title,
            status="pass" if ok else "fail",
            value=", ".join(f"{k}: {v}" for k, v in seen.items()),
            threshold=f"every response from {slot.url} names {release}",
            samples=sum(seen.values()),
        )
    api = plan.api_release
    state = slot_state(aws_client("ecs", environment), slot, api.container if api else "api")
    return CheckResult(
        name=title,
        status="pass" if state.release == release else "fail",
        value=f"{state.image} ({state.task_definition.rsplit('/', 1)[-1]})",
        threshold=f"image tag {release}",
        detail="by its ECS task definition (no slot URL in the plan); responses are checked at the front door",
    )


def deploy_to_slot(
    plan: LaunchPlan, environment: Environment, name: str, slot: EcsService, release: str
) -> list[CheckResult]:
    """Put `release` on one slot if the plan says how (an image), then verify it runs there."""
    api = plan.api_release
    checks: list[CheckResult] = []
    if api is not None and api.image is not None:
        before, after = deploy_release(
            aws_client("ecs", environment),
            slot,
            api.image,
            api.container,
            release,
            api.deploy_timeout_s,
        )
        checks.append(
            CheckResult(
                name=f"{name} slot deployed",
                status="pass",
                value=f"{before.release} -> {after.release}"
                + ("" if before != after else " (already there)"),
                threshold=f"{slot.cluster}/{slot.service} on {api.image}:{release}",
            )
        )
    checks.append(verify_slot(plan, environment, name, slot, release))
    return checks


def _prepare_canary_slot(plan: LaunchPlan, release: str) -> list[CheckResult]:
    production = plan.environments.production
    slots = _slots(plan)
    if not slots:
        return []
    return deploy_to_slot(plan, production, "canary", slots["canary"], release)


def _redeploy_stable(plan: LaunchPlan, release: str) -> list[CheckResult]:
    return deploy_to_slot(
        plan, plan.environments.production, "stable", _slots(plan)["stable"], release
    )


def _restore_slots(plan: LaunchPlan, manifest: BackupManifest) -> list[CheckResult]:
    production = plan.environments.production
    api = plan.api_release
    container = api.container if api else "api"
    checks = []
    for name, slot in _slots(plan).items():
        recorded = manifest.api_slots.get(name)
        if recorded is None:
            continue
        ecs = aws_client("ecs", production)
        now = slot_state(ecs, slot, container)
        if now.task_definition == recorded:
            continue
        after = point_service(ecs, slot, recorded, container, api.deploy_timeout_s if api else 600)
        checks.append(
            CheckResult(
                name=f"{name} slot restored",
                status="pass" if after.task_definition == recorded else "fail",
                value=f"{now.release} -> {after.release}",
                threshold=recorded.rsplit("/", 1)[-1],
            )
        )
    return checks


def slots_differ(plan: LaunchPlan, manifest: BackupManifest) -> bool:
    """Does any slot run another task definition than the backup manifest recorded?"""
    if not manifest.api_slots or not _slots(plan):
        return False
    now = slot_states(plan)
    return any(
        name in now and now[name].task_definition != arn for name, arn in manifest.api_slots.items()
    )


def _nothing(plan: LaunchPlan, release: str) -> list[CheckResult]:
    return []


def _restore_nothing(plan: LaunchPlan, manifest: BackupManifest) -> list[CheckResult]:
    return []


API_RELEASES: Registry[ApiReleaseKind] = Registry(
    "API release kind",
    [
        ApiReleaseKind(
            "redeploy",
            "the canary slot takes the release at the deploy, the stable slot at promotion "
            "(ECS, waited until stable) before traffic returns to it",
            _prepare_canary_slot,
            _redeploy_stable,
            _restore_slots,
        ),
        ApiReleaseKind(
            "site_only",
            "the site alone is released; the API is not this launch's to move",
            _nothing,
            _nothing,
            _restore_nothing,
            api_follows_release=False,
        ),
    ],
)


def kind_for(plan: LaunchPlan) -> ApiReleaseKind:
    if plan.api_release is None:  # the plan model requires it; fail loudly if bypassed
        raise ValueError("the plan has no api_release")
    return API_RELEASES.get(plan.api_release.kind)


def api_release_problems(plan: LaunchPlan) -> list[Problem]:
    from golive.core.registry import kind_problem

    if plan.api_release is None:
        return []
    problems = []
    if problem := kind_problem(API_RELEASES, plan.api_release.kind, ("api_release", "kind")):
        problems.append(problem)
    if plan.api_release.kind == "site_only" and plan.arms.by == "release":
        problems.append(
            Problem(
                ("arms", "by"),
                "release",
                "header with api_release.kind site_only: the API never names the launched release",
            )
        )
    return problems
