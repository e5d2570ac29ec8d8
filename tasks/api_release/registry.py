"""How the API release gets out: one entry per kind the plan's `api_release.kind` names.

- `redeploy`: the production deploy puts the release on the canary slot; at promotion the
  stable slot takes it (an ECS deploy, waited until stable and verified) before traffic returns
  to it; a full rollback points each slot's service back at the task definition the backup
  manifest recorded.
- `slot_swap`: blue/green. The slot that serves nobody (the router's other target) takes the
  release at the deploy, or is only verified when the plan gives no image (a candidate slot
  already running it); at 100 % it stays there and becomes the live slot, so the next launch's
  candidate is the other one. The backup manifest records which slot was live
  (`live_slot`); a rollback, before or after promotion, sends traffic back to it, and it
  still runs the previous release.
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
from tasks.traffic.roles import live_slot_of, other_slot

__all__ = [
    "API_RELEASES",
    "ApiReleaseKind",
    "api_release_problems",
    "kind_for",
    "live_slot",
    "verify_slot",
]


@dataclass(frozen=True)
class ApiReleaseKind:
    kind: str
    describe: str
    # production deploy, before any traffic moves: the candidate slot on the release, verified
    # (the arguments: the plan, the release, the router's name of the slot serving users)
    prepare: Callable[[LaunchPlan, str, str], list[CheckResult]]
    # promotion, before traffic returns to the live slot: the live slot on the release
    promote: Callable[[LaunchPlan, str, str], list[CheckResult]]
    # a full rollback: every slot as the backup manifest recorded it
    restore: Callable[[LaunchPlan, BackupManifest], list[CheckResult]]
    # does every API response name the launched release once promoted?
    api_follows_release: bool = True
    # does traffic return to the live slot at promotion? (slot_swap: the candidate stays live)
    returns_traffic: bool = True
    # do the roles swap between launches? (then the live slot is read from the router)
    swaps_slots: bool = False


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


def _prepare_candidate_slot(plan: LaunchPlan, release: str, live_slot: str) -> list[CheckResult]:
    slots = _slots(plan)
    if not slots:
        return []
    candidate = other_slot(live_slot)
    return deploy_to_slot(plan, plan.environments.production, candidate, slots[candidate], release)


def _redeploy_live(plan: LaunchPlan, release: str, live_slot: str) -> list[CheckResult]:
    return deploy_to_slot(
        plan, plan.environments.production, live_slot, _slots(plan)[live_slot], release
    )


def _candidate_still_runs(plan: LaunchPlan, release: str, live_slot: str) -> list[CheckResult]:
    """slot_swap's promotion: nothing moves; the candidate, at 100 %, must still run the release."""
    candidate = other_slot(live_slot)
    production = plan.environments.production
    return [verify_slot(plan, production, candidate, _slots(plan)[candidate], release)]


def live_slot(plan: LaunchPlan) -> str:
    """The router's name of the slot serving every user now: always `stable` unless the kind
    swaps slots; then the target at 100 % (fail closed when traffic is split: a launch
    cannot tell which slot to leave alone)."""
    api = plan.api_release
    if api is None or not API_RELEASES.get(api.kind).swaps_slots:
        return "stable"
    from tasks.traffic import router_for  # the router's own names, not the launch's roles

    weights = router_for(plan.environments.production).weights()
    slot = live_slot_of(weights)
    if slot is None:
        raise LookupError(
            f"neither API slot serves every user (weights {weights}): slot_swap cannot tell which "
            "slot is live; finish or roll back the launch that split traffic first"
        )
    return slot


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


def _nothing(plan: LaunchPlan, release: str, live_slot: str) -> list[CheckResult]:
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
            _prepare_candidate_slot,
            _redeploy_live,
            _restore_slots,
        ),
        ApiReleaseKind(
            "slot_swap",
            "blue/green: the slot serving nobody takes the release at the deploy and stays at "
            "100 % when it is promoted (the next launch uses the other slot); a rollback returns "
            "traffic to the slot that was live",
            _prepare_candidate_slot,
            _candidate_still_runs,
            _restore_slots,
            returns_traffic=False,
            swaps_slots=True,
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
    if plan.api_release.kind == "slot_swap" and plan.arms.by != "release":
        problems.append(
            Problem(
                ("arms", "by"),
                plan.arms.by,
                "release with api_release.kind slot_swap: the roles swap every launch, so a "
                "header naming the slot cannot tell canary from stable",
            )
        )
    if plan.api_release.kind == "site_only" and plan.arms.by == "release":
        problems.append(
            Problem(
                ("arms", "by"),
                "release",
                "header with api_release.kind site_only: the API never names the launched release",
            )
        )
    return problems
