"""Run the plan's end-to-end scenarios against an environment: one CheckResult per scenario.

Each scenario starts with `{id}` (and the id source's other captures, `{sku}`) set from one
record of the plan's id source, sends its steps in order, and stops at the first step whose
response is not as the plan says.
"""

from __future__ import annotations

from typing import Any

import httpx

from blocks.plan import Environment, LaunchPlan, Scenario
from golive.core.checks import CheckResult
from golive.core.scenarios import fill, judge_step
from tasks.http_auth import redact, safe_url
from tasks.http_checks import smoke_client
from tasks.id_source import IdPool, IdSourceError


def run_scenario(
    scenario: Scenario,
    base_url: str,
    client: httpx.Client,
    ids: IdPool | None,
    auth: httpx.Auth | None = None,
) -> CheckResult:
    name = f"scenario: {scenario.name}"
    threshold = f"{len(scenario.steps)} steps as the plan says"
    variables: dict[str, Any] = {}
    if ids is not None:
        try:
            ids.load(client, base_url, auth)
            # One record of the id source ({id}, {sku}, ...), as text: these are path values.
            variables.update({name: str(value) for name, value in ids.record().items()})
        except IdSourceError as error:
            return CheckResult(
                name=name, status="fail", value="not run", threshold=threshold, detail=str(error)
            )
    text_variables = set(variables)  # compared as text; a step's captures keep their JSON type
    for number, step in enumerate(scenario.steps, 1):
        url = base_url + fill(step.path, variables)
        extra = {"json": fill(step.body, variables)} if step.body is not None else {}
        try:
            response = client.request(
                step.method, url, auth=auth or httpx.USE_CLIENT_DEFAULT, **extra
            )
        except httpx.HTTPError as error:
            return CheckResult(
                name=name,
                status="fail",
                value=f"step {number}: no response",
                threshold=threshold,
                detail=redact(
                    f"{step.method} {safe_url(url)}: {type(error).__name__}: {error}", auth
                ),
            )
        try:
            body = response.json()
        except ValueError:
            body = None
        problems, captured = judge_step(
            step, response.status_code, body, variables, as_text=text_variables
        )
        if problems:
            return CheckResult(
                name=name,
                status="fail",
                value=f"step {number} of {len(scenario.steps)} failed",
                threshold=threshold,
                detail=f"{step.method} {safe_url(url)}: " + "; ".join(problems),
            )
        variables.update(captured)
        text_variables -= set(captured)
    return CheckResult(
        name=name,
        status="pass",
        value=f"{len(scenario.steps)} of {len(scenario.steps)} steps",
        threshold=threshold,
        detail=scenario.description,
    )


def run_scenarios(
    plan: LaunchPlan, env: Environment, auth: httpx.Auth | None = None
) -> list[CheckResult]:
    ids = IdPool(plan.probe.id_source) if plan.probe.id_source is not None else None
    with smoke_client() as client:
        return [run_scenario(s, env.api_base_url, client, ids, auth) for s in plan.scenarios]
