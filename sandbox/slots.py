"""The API slots of the sandbox world: one ECS service per slot, the release each one runs.

A backend reports the release of the code it runs, as a real deployment does: the release is
the tag of the container image in its ECS service's task definition (`statusboard-api:v1.4.0`).
A deploy to a slot (RegisterTaskDefinition + UpdateService, through the sandbox's AWS endpoint
or straight to moto) changes what that slot's backend answers with; pointing the site's origin
at a release does not. moto keeps services and task definitions but runs no tasks: the slot
takes the new task definition at once (a real rolling deployment mixes old and new tasks for a
while, and golive waits for the service to be stable before it looks).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from sandbox.spec import WorldSpec

log = logging.getLogger("golive.sandbox.slots")

CONTAINER = "api"
SLOT_TASKS = 2  # each slot's desired count; moto counts them running (sandbox/daemon.py)
UNKNOWN = "unknown"


def slot_services(spec: WorldSpec) -> dict[str, tuple[str, str]]:
    """slot -> (cluster, service): staging's one API, production's stable and canary slots."""
    return {
        "staging": (spec.staging_cluster, spec.staging_service),
        "stable": (spec.production_cluster, spec.stable_service),
        "canary": (spec.production_cluster, spec.canary_service),
    }


def image(spec: WorldSpec, release: str) -> str:
    return f"{spec.api_image}:{release}"


def release_of_image(reference: str) -> str:
    """`repo/name:v1.4.0` -> v1.4.0 (a digest or an untagged image names no release)."""
    name = reference.rsplit("/", 1)[-1]
    return name.rsplit(":", 1)[1] if ":" in name and "@" not in name else UNKNOWN


def seed_slots(ecs: Any, spec: WorldSpec) -> None:
    """Every slot runs the initial release (idempotent: seeding doubles as reset)."""
    task_definition = ecs.register_task_definition(
        family=spec.api_image,
        containerDefinitions=[
            {
                "name": CONTAINER,
                "image": image(spec, spec.initial_release),
                "memory": 512,
                "essential": True,
            }
        ],
    )["taskDefinition"]["taskDefinitionArn"]
    clusters = {cluster for cluster, _ in slot_services(spec).values()}
    existing = {
        c["clusterName"] for c in ecs.describe_clusters(clusters=sorted(clusters))["clusters"]
    }
    for cluster in sorted(clusters - existing):
        ecs.create_cluster(clusterName=cluster)
    for cluster, service in slot_services(spec).values():
        found = ecs.describe_services(cluster=cluster, services=[service])["services"]
        if any(s.get("status") == "ACTIVE" for s in found):
            ecs.update_service(cluster=cluster, service=service, taskDefinition=task_definition)
        else:
            ecs.create_service(
                cluster=cluster,
                serviceName=service,
                taskDefinition=task_definition,
                desiredCount=SLOT_TASKS,
            )


class SlotReader:
    """Reads which release each slot's service runs; task definitions are immutable, so each
    one is described once."""

    def __init__(self, ecs: Any, spec: WorldSpec) -> None:
        self._ecs = ecs
        self._services = slot_services(spec)
        self._releases_by_arn: dict[str, str] = {}

    def read(self) -> dict[str, str]:
        by_cluster: dict[str, list[tuple[str, str]]] = {}
        for slot, (cluster, service) in self._services.items():
            by_cluster.setdefault(cluster, []).append((slot, service))
        releases: dict[str, str] = {}
        for cluster, slots in by_cluster.items():
            described = self._ecs.describe_services(
                cluster=cluster, services=[service for _, service in slots]
            )["services"]
            arns = {s["serviceName"]: s.get("taskDefinition", "") for s in described}
            for slot, service in slots:
                releases[slot] = self._release(arns.get(service, ""))
        return releases

    def _release(self, arn: str) -> str:
        if not arn:
            return UNKNOWN
        if arn not in self._releases_by_arn:
            definition = self._ecs.describe_task_definition(taskDefinition=arn)["taskDefinition"]
            containers: Mapping[str, Any] = {
                c["name"]: c for c in definition.get("containerDefinitions", [])
            }
            container = containers.get(CONTAINER) or next(iter(containers.values()), {})
            self._releases_by_arn[arn] = release_of_image(container.get("image", ""))
        return self._releases_by_arn[arn]
