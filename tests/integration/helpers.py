"""Small helpers the sandbox tests share."""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Callable
from typing import Any

import httpx

from sandbox import manager
from sandbox.aws import client


def aws(sandbox: manager.Sandbox, service: str) -> Any:
    return client(service, sandbox.urls["moto"])


def set_route53_weights(sandbox: manager.Sandbox, stable: int, canary: int) -> None:
    """UPSERT both weighted records with plain boto3, as a Route 53 user would."""
    spec = sandbox.spec
    aws(sandbox, "route53").change_resource_record_sets(
        HostedZoneId=sandbox.state["ids"]["hosted_zone_id"],
        ChangeBatch={
            "Changes": [
                {
                    "Action": "UPSERT",
                    "ResourceRecordSet": {
                        "Name": spec.record_name,
                        "Type": "CNAME",
                        "SetIdentifier": set_id,
                        "Weight": weight,
                        "TTL": 60,
                        "ResourceRecords": [{"Value": f"{set_id}.{spec.hosted_zone}"}],
                    },
                }
                for set_id, weight in (
                    (spec.stable_set_identifier, stable),
                    (spec.canary_set_identifier, canary),
                )
            ]
        },
    )


def set_alb_weights(sandbox: manager.Sandbox, stable: int, canary: int) -> None:
    """Point the listener's forward action at both target groups with plain boto3, as an ALB user would."""
    ids = sandbox.state["ids"]
    aws(sandbox, "elbv2").modify_listener(
        ListenerArn=ids["listener_arn"],
        DefaultActions=[
            {
                "Type": "forward",
                "ForwardConfig": {
                    "TargetGroups": [
                        {"TargetGroupArn": ids["stable_target_group_arn"], "Weight": stable},
                        {"TargetGroupArn": ids["canary_target_group_arn"], "Weight": canary},
                    ]
                },
            }
        ],
    )


def wait_for(predicate: Callable[[], bool], timeout: float = 5.0, interval: float = 0.05) -> float:
    """Poll until predicate() holds; return how long it took; fail after timeout."""
    start = time.monotonic()
    while not predicate():
        if time.monotonic() - start > timeout:
            raise AssertionError(f"condition not met within {timeout}s")
        time.sleep(interval)
    return time.monotonic() - start


async def fetch_many(url: str, count: int, concurrency: int) -> list[httpx.Response]:
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    semaphore = asyncio.Semaphore(concurrency)
    async with httpx.AsyncClient(timeout=30, limits=limits) as http:

        async def one() -> httpx.Response:
            async with semaphore:
                return await http.get(url)

        return await asyncio.gather(*(one() for _ in range(count)))


def routing_weights(sandbox: manager.Sandbox) -> dict[str, int]:
    return sandbox.routing()["weights"]


def users_see(sandbox: manager.Sandbox, n: int = 10) -> set[str]:
    """Every release the production edge serves users: the page's <meta name="golive-release">
    (as a real site tells it: the edge stamps nothing) and the release each API answer names."""
    edge = sandbox.urls["production_edge"]
    seen = set()
    for _ in range(n):
        page = httpx.get(edge + "/").text
        found = re.search(r'name="golive-release" content="([^"]+)"', page)
        seen.add(found.group(1) if found else "(no release)")
        seen.add(httpx.get(edge + "/health").headers.get("X-Golive-Release", "(no release)"))
    return seen
