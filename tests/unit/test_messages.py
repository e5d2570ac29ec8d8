"""Communication templates: the runbook's wording, n/a for missing values, overrides validated by the plan."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from blocks.message_templates import TEMPLATES, placeholders, template_problem
from blocks.plan import LaunchPlan, PlanError, load_plan, validate_plan
from golive.core.checks import CheckResult
from golive.core.formatting import ELLIPSIS, shorten
from golive.core.messages import (
    MISSING,
    approval_role,
    canary_values,
    decision_word,
    gate_values,
    launch_label,
    measured_values,
    no_decision_reason,
    orphan_reason,
    plan_values,
    rejection_reason,
    render,
)

PLANS = Path(__file__).resolve().parents[2] / "plans"
RELEASE = "v1.4.0"


@pytest.fixture(scope="module")
def raw() -> dict[str, Any]:
    return yaml.safe_load((PLANS / "statusboard-v2.yaml").read_text())


@pytest.fixture(scope="module")
def plan() -> LaunchPlan:
    return load_plan(PLANS / "statusboard-v2.yaml", env={})


@pytest.fixture(scope="module")
def measured(plan: LaunchPlan) -> dict[str, str]:
    checks = [
        CheckResult(
            name="error rate", status="pass", value="0.20 %", threshold="< 0.5 %", samples=400
        ),
        CheckResult(
            name="board p95", status="pass", value="412 ms", threshold="< 800 ms", samples=300
        ),
        CheckResult(
            name="drawer mean", status="pass", value="48 ms", threshold="< 200 ms", samples=100
        ),
    ]
    return measured_values(plan, checks)


def with_templates(raw: dict[str, Any], templates: dict[str, Any]) -> dict[str, Any]:
    data = copy.deepcopy(raw)
    data["communications"] = {"templates": templates}
    return data


def problems_of(raw: dict[str, Any]) -> str:
    with pytest.raises(PlanError) as caught:
        validate_plan(raw, env={})
    return str(caught.value)


# ------------------------------------------------------------------ runbook wording


def test_every_runbook_template_is_there() -> None:
    assert set(TEMPLATES) == {
        "kickoff",
        "gate_passed",
        "gate_failed",
        "canary_stage_passed",
        "canary_stage_failed",
        "rollback_complete",
        "stabilization_passed",
        "stabilization_failed",
        "launch_success",
        "launch_failed",
        "health_check_failed",
        "rollback_started",
        "rollback_failed",
        "approval_requested",
        "approval_reminder",
    }


def test_gate_a_passed_reads_as_the_runbook(plan: LaunchPlan, measured: dict[str, str]) -> None:
    values = {**plan_values(plan, RELEASE), **measured, **gate_values("Gate A", measured)}
    message = render("gate_passed", values)
    assert message.body == (
        "Gate A PASSED - Staging validation complete. Board: 412 ms, Drawer: 48 ms, "
        "All tests green. Proceeding to Gate B."
    )
    assert message.subject == "Gate A PASSED · StatusBoardV2 v1.4.0"
    assert message.missing == []


def test_gate_b_passed_reads_as_the_runbook(plan: LaunchPlan) -> None:
    message = render("gate_passed", {**plan_values(plan, RELEASE), **gate_values("Gate B")})
    assert (
        message.body
        == "Gate B PASSED - Production environment ready. All systems green. Proceeding to deployment."
    )


def test_canary_stage_passed_with_real_numbers(plan: LaunchPlan, measured: dict[str, str]) -> None:
    values = {**plan_values(plan, RELEASE), **measured, **canary_values(plan, 10)}
    message = render("canary_stage_passed", values)
    assert (
        message.body
        == "Canary 10% PASSED - Error: 0.20 %, Board: 412 ms, Drawer: 48 ms. Advancing to 30%."
    )


def test_last_canary_step_advances_to_gate_g(plan: LaunchPlan) -> None:
    assert canary_values(plan, 100) == {"percent": "100", "next_step": "Gate G"}
    assert canary_values(plan, 30)["next_percent"] == "50"


def test_kickoff_lists_the_plans_slos(plan: LaunchPlan) -> None:
    message = render("kickoff", plan_values(plan, RELEASE))
    assert message.body == (
        "🚀 StatusBoardV2 GO-LIVE initiated. Target SLOs: Board p95 <800 ms, Drawer mean "
        "<200 ms, errors <0.5 %. Team ready. Beginning Gate A validation."
    )


def test_incident_alert_and_stabilization(plan: LaunchPlan) -> None:
    values = {**plan_values(plan, RELEASE), "percent": 30, "metrics": "board p95 1210 ms >= 800 ms"}
    assert render("canary_stage_failed", values).body == (
        "🚨 SLO breach detected at 30% rollout. Metrics: board p95 1210 ms >= 800 ms. "
        "Executing emergency rollback immediately."
    )
    assert render("stabilization_passed", plan_values(plan, RELEASE)).body == (
        "Gate G PASSED - 30min stability confirmed. All SLOs green. StatusBoardV2 launch SUCCESSFUL!"
    )
    assert render("rollback_complete", {}).body.startswith("Emergency rollback COMPLETE.")
    assert render("rollback_complete", {"mode": "Full"}).body.startswith("Full rollback COMPLETE.")


# ------------------------------------------------------------------ never fails


def test_missing_values_render_na_and_are_listed() -> None:
    message = render("canary_stage_passed", {"percent": 50})
    assert (
        message.body == f"Canary 50% PASSED - Error: {MISSING}, {MISSING}. Advancing to {MISSING}."
    )
    assert message.missing == [
        "error_rate",
        "slo_values",
        "next_step",
        "app",
        "release",
    ]  # body, then subject
    assert "app" in render("kickoff", {}).missing


def test_none_and_empty_count_as_missing() -> None:
    assert render(
        "launch_failed", {"app": "X", "release": None, "gate": "", "reason": "r"}
    ).body == ("❌ X n/a launch FAILED at n/a - r. Incident investigation initiated.")


def test_values_are_substituted_literally() -> None:
    # A value holding braces is text, not a template; dotted SLO names are plain keys.
    message = render(
        "launch_failed", {"app": "{release}", "release": "v1", "gate": "Gate A", "reason": "{x}"}
    )
    assert (
        message.body
        == "❌ {release} v1 launch FAILED at Gate A - {x}. Incident investigation initiated."
    )


def test_override_is_used() -> None:
    message = render(
        "kickoff",
        {"app": "Shop", "slo_targets": "fast"},
        {"kickoff": "{app} goes live: {slo_targets}"},
    )
    assert message.body == "Shop goes live: fast"
    assert message.overridden


def test_broken_override_falls_back_to_the_runbook() -> None:
    message = render("kickoff", {"app": "Shop"}, {"kickoff": "{app"})
    assert message.body.startswith("🚀 Shop GO-LIVE initiated.")
    assert not message.overridden


def test_unknown_template_name_is_a_bug() -> None:
    with pytest.raises(KeyError, match="unknown message template 'gate_pased'"):
        render("gate_pased", {})


# ------------------------------------------------------------------ plan validation


def test_plan_accepts_overrides_with_per_slo_placeholders(raw: dict[str, Any]) -> None:
    text = "Canary {percent}% ok: board {board} (< {board_threshold}), drawer {drawer}, errors {error_rate}"
    plan = validate_plan(with_templates(raw, {"canary_stage_passed": text}), env={})
    assert plan.communications.templates == {"canary_stage_passed": text}
    assert (
        LaunchPlan.model_validate(plan.model_dump(mode="json")).communications
        == plan.communications
    )


def test_plans_without_communications_get_the_defaults(plan: LaunchPlan) -> None:
    assert plan.communications.templates == {}


@pytest.mark.parametrize(
    ("templates", "expected"),
    [
        (
            {"gate_passed": "Gate {foo} ok"},
            "communications.templates.gate_passed: 'Gate {foo} ok' — unknown placeholder {foo}; available: app,",
        ),
        (
            {"gate_pased": "x"},
            "communications.templates.gate_pased: 'x' — unknown template 'gate_pased'; templates:",
        ),
        (
            {"kickoff": "{board} now"},
            "communications.templates.kickoff: '{board} now' — unknown placeholder {board}",
        ),
        ({"kickoff": "{app"}, "communications.templates.kickoff: '{app' — not a valid template"),
        (
            {"kickoff": "{} go"},
            "communications.templates.kickoff: '{} go' — placeholders need a name",
        ),
        (
            {"kickoff": "{app!r}"},
            "communications.templates.kickoff: '{app!r}' — {app} takes no format spec",
        ),
        ({"kickoff": " "}, "communications.templates.kickoff: ' ' — a non-empty message"),
        ({"kickoff": 5}, "communications.templates.kickoff: 5 — a string"),
    ],
)
def test_bad_overrides_name_the_field(
    raw: dict[str, Any], templates: dict[str, Any], expected: str
) -> None:
    assert expected in problems_of(with_templates(raw, templates))


def test_unknown_key_in_communications(raw: dict[str, Any]) -> None:
    data = copy.deepcopy(raw)
    data["communications"] = {"templats": {}}
    assert (
        "communications.templats: {} — unknown key 'templats'; did you mean 'templates'?"
        in problems_of(data)
    )


def test_every_bad_override_is_listed(raw: dict[str, Any]) -> None:
    message = problems_of(
        with_templates(raw, {"kickoff": "{nope}", "launch_failed": "{gate} {why}"})
    )
    assert "(2 problems)" in message
    assert (
        "templates.kickoff" in message
        and "templates.launch_failed" in message
        and "{why}" in message
    )


def test_placeholders_follow_the_plans_slos() -> None:
    assert "board" in placeholders("canary_stage_passed", ["board"])
    assert "board" not in placeholders("kickoff", ["board"])
    assert "board_threshold" in placeholders("kickoff", ["board"])
    assert template_problem("canary_stage_passed", "{api.v2}", ["api.v2"]) is None


def test_every_default_uses_only_its_placeholders() -> None:
    for name, template in TEMPLATES.items():
        assert template_problem(name, template.body, ["board", "drawer"]) is None, name
        assert template_problem(name, template.subject, ["board", "drawer"]) is None, name


# ------------------------------------------------------------------ rollbacks that run on their own


def test_a_rollback_on_its_own_announces_start_and_end(plan: LaunchPlan) -> None:
    values = {
        **plan_values(plan, "v7.0.0"),
        "mode": "Full",
        "triggered_by": "launch hook on_crashed",
        "reason": "launch of StatusBoardV2 v7.0.0 by dana Crashed: exit code -9",
        "restored_release": "v1.0.0",
    }
    started = render("rollback_started", values)
    assert started.body == (
        "🚨 Full rollback of StatusBoardV2 v7.0.0 started (launch hook on_crashed): launch of "
        "StatusBoardV2 v7.0.0 by dana Crashed: exit code -9. Restoring v1.0.0."
    )
    assert (
        started.subject == "🚨 Full rollback started · StatusBoardV2 v7.0.0"
        and started.missing == []
    )
    failed = render(
        "rollback_failed",
        {
            **values,
            "failure": "ran but verification failed: every response from v1.0.0: v7.0.0: 12",
        },
    )
    assert failed.body.startswith(
        "❌ Full rollback of StatusBoardV2 v7.0.0 FAILED - ran but verification failed"
    )
    assert "roll back by hand" in failed.body and failed.missing == []


# ------------------------------------------------------------------ wording


def test_shorten_keeps_short_text_and_cuts_long_text_where_a_reader_would() -> None:
    assert shorten("board p95: 976 ms", 500) == "board p95: 976 ms"
    reason = (
        "board p95: 976 ms (>= 800 ms); drawer mean: 291 ms (>= 200 ms); security/hsts: missing "
        "(expected status 200 and the Strict-Transport-Security header)"
    )
    cut = shorten(reason, 80)
    assert (
        cut == "board p95: 976 ms (>= 800 ms); drawer mean: 291 ms (>= 200 ms)" + ELLIPSIS
    )  # at the '; '
    mid = shorten(
        "the staging probe measured the board at 976 ms (expected status 200 everywhere)", 60
    )
    assert len(mid) <= 60 and mid.endswith(ELLIPSIS)
    assert (
        mid[:-1] == "the staging probe measured the board at 976 ms (expected"
    )  # at a space, not 'stat'
    assert shorten("x" * 50, 10) == "x" * 9 + ELLIPSIS  # one word longer than the room: cut it
    for limit in (1, 2, 5, 17, 33, 120):
        assert len(shorten(reason, limit)) <= limit
    with pytest.raises(ValueError, match="limit must be at least 1"):
        shorten(reason, 0)


def test_shortened_text_never_ends_mid_word() -> None:
    text = "Gate A FAILED - " + " ".join(
        f"check{i}: {i * 7} ms (expected status {i})" for i in range(40)
    )
    for limit in range(30, 600, 37):
        cut = shorten(text, limit)
        assert len(cut) <= limit and cut.endswith(ELLIPSIS)
        word = cut[:-1].rsplit(" ", 1)[-1].rstrip(";:,.)(")
        assert any(w.rstrip(";:,.)(") == word for w in text.split(" ")), (limit, cut)


def test_decisions_read_as_english() -> None:
    assert decision_word("approve") == "approved" and decision_word("reject") == "rejected"
    assert approval_role("approver") == "Approver" and approval_role("signer") == "UAT signer"
    assert (
        f"Gate A FAILED - {rejection_reason('Approver', 'rita', 'Gate A passed', 'board looks off')}"
        == "Gate A FAILED - the Approver rita rejected 'Gate A passed': board looks off"
    )
    assert (
        rejection_reason("UAT signer", "qa-lead", "UAT sign-off")
        == "the UAT signer qa-lead rejected 'UAT sign-off'"
    )
    assert (
        no_decision_reason("Gate A passed", "3s")
        == "no decision on 'Gate A passed' within 3s (fails closed)"
    )


def test_a_launch_is_named_by_app_release_and_driver() -> None:
    assert launch_label("v7.0.0", "dana", "StatusBoardV2") == "StatusBoardV2 v7.0.0 by dana"
    assert launch_label("v7.0.0") == "v7.0.0" and launch_label("", "dana") == "? by dana"
    assert orphan_reason("StatusBoardV2 v7.0.0 by dana", "Crashed") == (
        "the launch (StatusBoardV2 v7.0.0 by dana) ended Crashed while this step ran; its process is gone"
    )
    assert (
        orphan_reason("x", "Cancelled") == "the launch (x) was cancelled; this step stopped with it"
    )
