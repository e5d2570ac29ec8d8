"""A plan read from its text (a stored plan) validates like the file, with its relative paths
starting where it was stored from; plan references and the launch's copy name (pure)."""

from __future__ import annotations

from pathlib import Path

import pytest

from blocks.plan import (
    PlanError,
    PlanText,
    is_launch_snapshot,
    is_stored_ref,
    launch_snapshot_ref,
    parse_plan_yaml,
    plan_name_for,
    stored_name,
    validate_plan,
)

REPO = Path(__file__).resolve().parents[2]
SANDBOX = REPO / "plans" / "sandbox.yaml"


def test_text_and_file_give_the_same_plan() -> None:
    raw = parse_plan_yaml(SANDBOX.read_text(), source="golive-plan/sandbox")
    from_file = validate_plan(raw, env={}, source=SANDBOX)
    stored = validate_plan(
        raw, env={}, source="golive-plan/sandbox", from_file=False, file=Path("plans/sandbox.yaml")
    )
    assert stored.model_dump() == from_file.model_dump()
    assert stored.build_working_dir == from_file.build_working_dir  # run from the repo root
    nowhere = validate_plan(raw, env={}, source="golive-plan/sandbox", from_file=False)
    assert nowhere.source_path is None and nowhere.plan_dir == Path.cwd()


def test_a_stored_plans_yaml_errors_name_it() -> None:
    with pytest.raises(PlanError) as error:
        parse_plan_yaml("app: a\napp: b\n", source="golive-plan/x")
    assert str(error.value).startswith("golive-plan/x: ") and "a key may appear once" in str(
        error.value
    )


def test_references_and_names() -> None:
    assert is_stored_ref("golive-plan/statusboard-v2") and not is_stored_ref("plans/x.yaml")
    assert stored_name("golive-plan/statusboard-v2") == "statusboard-v2"
    with pytest.raises(ValueError, match="lowercase letters, digits and dashes"):
        stored_name("golive-plan/Status Board")
    assert plan_name_for(Path("plans/StatusBoard_v2.yaml")) == "statusboard-v2"
    ref = launch_snapshot_ref("2F74CC8A-53a3")
    assert ref == "golive-plan/launch-2f74cc8a-53a3" and is_launch_snapshot(stored_name(ref))


def test_the_digest_is_of_the_exact_text() -> None:
    a, b = PlanText(ref="a", text="app: x\n"), PlanText(ref="b", text="app: x \n")
    assert a.sha256 != b.sha256 and len(a.sha256) == 64
    assert a.short == f"a (sha256 {a.sha256[:12]})"
