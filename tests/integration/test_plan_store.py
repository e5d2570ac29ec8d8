"""Plans stored on a real Prefect server (`golive plan push`), the copy each launch keeps, and the
refusals when no plan is given."""

from __future__ import annotations

import uuid

import pytest
from typer.testing import CliRunner

from blocks.plan import PlanError, PlanText
from flows.launch import golive
from flows.launch_plan import REPO_ROOT, plan_of_launch, read_launch_plan
from flows.rollback_deployments import rollback
from golive.cli import app
from golive.local.sandbox_blocks import ensure_sandbox_blocks
from sandbox import manager
from tasks.plan_store import keep_launch_plan, launch_plan_copy, read_plan_text, stored_plan_names


def test_a_pushed_plan_is_read_back_exactly_with_its_relative_paths(
    sandbox: manager.Sandbox, prefect_api
) -> None:  # noqa: ANN001
    ensure_sandbox_blocks(sandbox.environment())  # the blocks the plan names: push checks them
    pushed = CliRunner().invoke(
        app, ["plan", "push", "plans/rehearsal.yaml", "--name", "rehearsal-x"]
    )
    assert pushed.exit_code == 0, pushed.output
    assert pushed.output.startswith("golive-plan/rehearsal-x: stored · StatusBoardV2 · sha256 ")
    again = CliRunner().invoke(
        app, ["plan", "push", "plans/rehearsal.yaml", "--name", "rehearsal-x"]
    )
    assert "unchanged" in again.output
    assert "rehearsal-x" in stored_plan_names()

    plan, text = read_launch_plan("golive-plan/rehearsal-x")
    assert text.text == (REPO_ROOT / "plans/rehearsal.yaml").read_text()
    # relative paths start where the plan was pushed from, inside the worker's checkout
    assert plan.build_working_dir == (REPO_ROOT / "examples/statusboard-frontend").resolve()


def test_a_bad_plan_or_name_is_not_stored(sandbox: manager.Sandbox, prefect_api, tmp_path) -> None:  # noqa: ANN001
    ensure_sandbox_blocks(sandbox.environment())
    bad = tmp_path / "bad.yaml"
    bad.write_text((REPO_ROOT / "plans/rehearsal.yaml").read_text().replace("app: ", "ap: ", 1))
    refused = CliRunner().invoke(app, ["plan", "push", str(bad)])
    assert refused.exit_code == 1 and "bad" not in stored_plan_names()
    named = CliRunner().invoke(app, ["plan", "push", "plans/rehearsal.yaml", "--name", "No Spaces"])
    assert named.exit_code == 1 and "--name" in named.output


def test_a_launch_keeps_its_plan_once_and_never_rewrites_it(prefect_api) -> None:  # noqa: ANN001
    launch = str(uuid.uuid4())
    text = read_plan_text("plans/rehearsal.yaml", REPO_ROOT)
    ref = keep_launch_plan(launch, text)
    assert ref == f"golive-plan/launch-{launch}"
    assert keep_launch_plan(launch, text) == ref  # a retry writes nothing new
    with pytest.raises(PlanError, match="already recorded another plan"):
        keep_launch_plan(launch, PlanText(ref="other.yaml", text=text.text + "\n# edited\n"))
    kept = launch_plan_copy(launch)
    assert kept is not None and kept.sha256 == text.sha256
    # a rollback of that launch is judged by the copy, whatever plan it is handed
    _, used = plan_of_launch(launch, "plans/sandbox.yaml")
    assert used.ref == ref
    assert launch_plan_copy(str(uuid.uuid4())) is None


def test_no_plan_is_refused_with_what_to_pass(prefect_api) -> None:  # noqa: ANN001
    launch = golive(release="v9.9.0", driver="dana", return_state=True)
    assert launch.is_failed() and "no plan given" in str(launch.message)
    assert "golive-plan/<name>" in str(launch.message)
    unknown = golive(release="v9.9.1", driver="dana", plan="golive-plan/nope", return_state=True)
    assert unknown.is_failed() and "no stored plan 'nope'" in str(unknown.message)
    # the server's trigger for that launch: it kept no plan, so there is nothing to roll back
    dead = str(launch.state_details.flow_run_id)
    assert rollback(reason="launch Failed", mode="full", launch=dead).startswith(
        f"no-op: launch {dead} kept no plan"
    )
    lost = rollback(reason="drill", mode="full", return_state=True)
    assert lost.is_failed() and "no plan given" in str(lost.message)
    assert "locates production" in str(lost.message)
