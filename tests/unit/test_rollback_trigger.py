"""The server's rollback trigger (prefect.yaml), rendered by Prefect's own templating from a launch's
flow run as the server has it: the reason names the launch by release and driver, and every
parameter arrives as the string the rollback flow takes."""

from __future__ import annotations

import copy
import uuid
from pathlib import Path
from typing import Any

import pytest
import yaml
from prefect.server.events.actions import RunDeployment
from prefect.server.schemas.responses import FlowRunResponse
from prefect.server.schemas.states import State, StateType
from prefect.utilities.schema_tools.hydration import HydrationContext, hydrate

PREFECT_YAML = Path(__file__).resolve().parents[2] / "prefect.yaml"


def trigger_parameters() -> dict[str, Any]:
    config = yaml.safe_load(PREFECT_YAML.read_text())
    [trigger] = [
        t for d in config["deployments"] if d["name"] == "full" for t in d.get("triggers", [])
    ]
    assert trigger["name"] == "golive-launch-rollback"
    return copy.deepcopy(trigger["parameters"])


def rendered(flow_run: FlowRunResponse) -> dict[str, Any]:
    """As the server does it (RunDeployment.render_parameters), with the run in the context."""
    parameters = trigger_parameters()
    RunDeployment._upgrade_v1_templates(parameters)
    return hydrate(
        parameters,
        HydrationContext(
            raise_on_error=True, render_jinja=True, jinja_context={"flow_run": flow_run}
        ),
    )


def launch_run(state: StateType, name: str, **parameters: str) -> FlowRunResponse:
    return FlowRunResponse(
        id=uuid.uuid4(),
        name="tremendous-kakapo",
        flow_id=uuid.uuid4(),
        parameters=parameters,
        state=State(type=state, name=name),
    )


@pytest.mark.parametrize(
    ("state", "name"), [(StateType.CRASHED, "Crashed"), (StateType.FAILED, "Failed")]
)
def test_the_reason_names_the_release_and_driver_not_the_run_name(
    state: StateType, name: str
) -> None:
    run = launch_run(state, name, release="v7.0.0", driver="dana", plan="plans/sandbox.yaml")
    parameters = rendered(run)
    assert parameters["reason"] == f"launch of v7.0.0 by dana became {name} (server automation)"
    assert "kakapo" not in parameters["reason"]
    assert parameters["triggered_by"] == f"server automation (launch {name})"
    assert parameters["plan"] == "plans/sandbox.yaml"
    assert parameters["launch"] == str(run.id) and isinstance(parameters["launch"], str)


def test_a_run_without_the_parameters_still_renders() -> None:
    parameters = rendered(launch_run(StateType.CRASHED, "Crashed"))
    assert parameters["reason"] == "launch of ? by ? became Crashed (server automation)"
    assert parameters["plan"] == ""  # no plan: the rollback reads the launch's copy, or refuses
