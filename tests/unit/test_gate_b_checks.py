"""Gate B's UAT confirmation (pure): every required signer of this release, or it fails."""

from __future__ import annotations

from blocks.plan import load_plan
from golive.core.checks import CheckResult
from golive.core.gate_checks import uat_confirmed

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
