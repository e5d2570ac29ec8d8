"""Put a release on an API slot, and read which release a slot runs: an ECS service whose
container image is tagged with the release (`<image>:<release>`).

A deploy registers a task definition copying the service's current one with only the image
changed, updates the service and waits until it is stable (the `services_stable` waiter: one
deployment, running = desired). Idempotent: a slot already on the release is left alone, so a
re-run, a retry or a deploy of the same release changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from blocks.plan import EcsService
from tasks.aws_errors import aws_action

# What RegisterTaskDefinition accepts of a described task definition (the rest is AWS's own).
_REGISTER_FIELDS = (
    "family",
    "taskRoleArn",
    "executionRoleArn",
    "networkMode",
    "containerDefinitions",
    "volumes",
    "placementConstraints",
    "requiresCompatibilities",
    "cpu",
    "memory",
    "pidMode",
    "ipcMode",
    "proxyConfiguration",
    "inferenceAccelerators",
    "ephemeralStorage",
    "runtimePlatform",
)
UNKNOWN = "unknown"


@dataclass(frozen=True)
class SlotState:
    task_definition: str  # the service's task definition ARN
    image: str
    release: str  # the image's tag, or "unknown"


def release_of_image(reference: str) -> str:
    """`repo/name:v1.4.0` -> v1.4.0; a digest or an untagged image names no release."""
    name = reference.rsplit("/", 1)[-1]
    return name.rsplit(":", 1)[1] if ":" in name and "@" not in name else UNKNOWN


def slot_state(ecs: Any, slot: EcsService, container: str) -> SlotState:
    with aws_action("ecs:DescribeServices", f"{slot.cluster}/{slot.service}"):
        services = ecs.describe_services(cluster=slot.cluster, services=[slot.service])["services"]
    active = [s for s in services if s.get("status") == "ACTIVE"]
    if not active:
        raise LookupError(f"ECS service {slot.cluster}/{slot.service} not found or not ACTIVE")
    arn = active[0]["taskDefinition"]
    definition = _task_definition(ecs, arn)
    image = _container(definition, container, arn).get("image", "")
    return SlotState(arn, image, release_of_image(image))


def deploy_release(
    ecs: Any, slot: EcsService, image: str, container: str, release: str, timeout_s: int
) -> tuple[SlotState, SlotState]:
    """The slot on `<image>:<release>`, waited until stable -> (before, after)."""
    before = slot_state(ecs, slot, container)
    wanted = f"{image}:{release}"
    if before.image == wanted:
        return before, before
    definition = _task_definition(ecs, before.task_definition)
    registration = {k: definition[k] for k in _REGISTER_FIELDS if definition.get(k) is not None}
    registration["containerDefinitions"] = [
        {**c, "image": wanted} if c["name"] == container else c
        for c in definition["containerDefinitions"]
    ]
    with aws_action("ecs:RegisterTaskDefinition", definition["family"]):
        arn = ecs.register_task_definition(**registration)["taskDefinition"]["taskDefinitionArn"]
    return before, point_service(ecs, slot, arn, container, timeout_s)


def point_service(
    ecs: Any, slot: EcsService, task_definition: str, container: str, timeout_s: int
) -> SlotState:
    """The slot's service on `task_definition` (a rollback restores the recorded one), stable."""
    with aws_action("ecs:UpdateService", f"{slot.cluster}/{slot.service}"):
        ecs.update_service(
            cluster=slot.cluster, service=slot.service, taskDefinition=task_definition
        )
    delay = 2
    with aws_action(
        "ecs:DescribeServices", f"{slot.cluster}/{slot.service} (waiting until stable)"
    ):
        ecs.get_waiter("services_stable").wait(
            cluster=slot.cluster,
            services=[slot.service],
            WaiterConfig={"Delay": delay, "MaxAttempts": max(1, timeout_s // delay)},
        )
    return slot_state(ecs, slot, container)


def _task_definition(ecs: Any, arn: str) -> dict[str, Any]:
    with aws_action("ecs:DescribeTaskDefinition", arn):
        return ecs.describe_task_definition(taskDefinition=arn)["taskDefinition"]


def _container(definition: dict[str, Any], name: str, arn: str) -> dict[str, Any]:
    for container in definition.get("containerDefinitions", []):
        if container["name"] == name:
            return container
    names = [c["name"] for c in definition.get("containerDefinitions", [])]
    raise LookupError(f"task definition {arn} has no container {name!r} (it has {names})")
