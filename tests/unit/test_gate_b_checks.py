"""Gate B's UAT confirmation (pure): every required signer of this release, or it fails; a plan
with no UAT signers requires none, and says so."""

from __future__ import annotations

from pathlib import Path

import pytest

from blocks.plan import LaunchPlan, load_plan, read_plan_file, validate_plan
from golive.core.checks import CheckResult
from golive.core.gate_checks import uat_confirmed, uat_not_required
from golive.core.preflight_checks import check_roles
from golive.core.summaries import uat_summary_markdown

PLAN = load_plan("plans/sandbox.yaml", env={})


def signed(*names: str) -> list[CheckResult]:
    return [
        CheckResult(name=f"UAT: {n}", status="pass", value="approved", threshold="required signer")
        for n in names
    ]


def test_all_required_signers_confirm_uat() -> None:
    assert uat_confirmed(PLAN, signed("qa-lead", "product-owner")).status == "pass"


def test_a_missing_signer_fails_closed() -> None:
    check = uat_confirmed(PLAN, signed("qa-lead"))
    assert check.status == "fail" and check.detail == "missing: product-owner"


def test_no_gate_a_evidence_fails_closed() -> None:
    check = uat_confirmed(PLAN, [])
    assert check.status == "fail" and check.value == "signed by nobody"


def without_uat(uat_signers: object = ()) -> LaunchPlan:
    raw = read_plan_file(Path("plans/sandbox.yaml"))
    if uat_signers == ():
        del raw["roles"]["uat_signers"]  # the key absent
    else:
        raw["roles"]["uat_signers"] = uat_signers
    return validate_plan(raw, env={})


@pytest.mark.parametrize("uat_signers", [(), []])
def test_a_plan_may_require_no_uat(uat_signers: object) -> None:
    plan = without_uat(uat_signers)
    assert plan.roles.uat_signers == [] and not plan.roles.uat_required


def test_no_uat_in_the_plan_passes_gate_b_and_says_so() -> None:
    check = uat_confirmed(without_uat([]), [])
    assert (check.status, check.value) == ("pass", "none required by the plan")


def test_gate_a_says_no_uat_is_required() -> None:
    check = uat_not_required()
    assert (check.name, check.status, check.value) == ("UAT", "pass", "none required by the plan")
    assert uat_confirmed(without_uat([]), [check]).status == "pass"


def test_roles_and_summary_say_no_uat_is_required() -> None:
    plan = without_uat([])
    roles = check_roles(plan, "dana")
    assert roles.status == "pass" and "UAT none required by the plan" in roles.value
    summary = uat_summary_markdown([], plan.roles.uat_signers)
    assert "**UAT: none required by the plan**" in summary
    assert "No UAT sign-off recorded." not in summary
