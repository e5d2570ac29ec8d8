"""Sign-offs' pure parts: the approvals plan options, the one-time code check with its replay
window, the attempt keys of a gate that asks again, and the messages a paused gate sends."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyotp
import pytest
import yaml

from blocks.message_templates import template_problem
from blocks.plan import PlanError, load_plan, validate_plan
from golive.core.approval_model import approval_form, attempt_key, is_attempt_of
from golive.core.checks import CheckResult, checks_markdown
from golive.core.messages import approval_values, render, shown_summary
from golive.core.totp import check_code

PLANS = Path(__file__).resolve().parents[2] / "plans"
SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
AT = 1_800_000_015.0  # 15 s into its 30 s time step
STEP = int(AT // 30)


def code(step: int, secret: str = SECRET) -> str:
    return pyotp.TOTP(secret).generate_otp(step)


@pytest.fixture(scope="module")
def raw() -> dict[str, Any]:
    return yaml.safe_load((PLANS / "statusboard-v2.yaml").read_text())


def with_approvals(raw: dict[str, Any], **approvals: Any) -> dict[str, Any]:
    data = copy.deepcopy(raw)
    data["approvals"] = {**data.get("approvals", {}), **approvals}
    return data


# ------------------------------------------------------------------ plan options


def test_defaults_prove_a_name_and_remind_a_quarter_of_the_timeout_at_most_15_minutes(
    raw: dict[str, Any],
) -> None:
    plan = validate_plan(with_approvals(raw, timeout="1h"), env={})
    assert plan.approvals.proof == "name"
    assert plan.approvals.secret_prefix == "golive/approvers/"
    assert plan.approvals.reminder_lead_s == 900  # 25 % of 1h is 15 min
    assert validate_plan(with_approvals(raw, timeout="2h"), env={}).approvals.reminder_lead_s == 900
    assert validate_plan(with_approvals(raw, timeout="20s"), env={}).approvals.reminder_lead_s == 5


def test_remind_before_must_be_shorter_than_the_timeout(raw: dict[str, Any]) -> None:
    plan = validate_plan(with_approvals(raw, timeout="10m", remind_before="2m"), env={})
    assert plan.approvals.reminder_lead_s == 120
    with pytest.raises(PlanError) as caught:
        validate_plan(with_approvals(raw, timeout="10m", remind_before="10m"), env={})
    assert "approvals.remind_before: '10m' — must be shorter than timeout ('10m')" in str(
        caught.value
    )


def test_proof_is_name_or_totp_and_the_prefix_a_secret_name(raw: dict[str, Any]) -> None:
    plan = validate_plan(with_approvals(raw, proof="totp", secret_prefix="ops/otp-"), env={})
    assert plan.approvals.proof == "totp" and plan.approvals.secret_prefix == "ops/otp-"
    with pytest.raises(PlanError) as caught:
        validate_plan(with_approvals(raw, proof="password", secret_prefix="a b"), env={})
    text = str(caught.value)
    assert "approvals.proof" in text and "approvals.secret_prefix" in text


def test_the_shipped_plans_still_load() -> None:
    for name in ("statusboard-v2.yaml", "sandbox.yaml", "rehearsal.yaml", "partsdesk.yaml"):
        assert load_plan(PLANS / name, env={}).approvals.proof == "name"


# ------------------------------------------------------------------ one-time codes


def test_the_code_of_the_step_or_a_neighbour_is_accepted_and_says_its_step() -> None:
    assert check_code(SECRET, code(STEP), AT).step == STEP
    assert check_code(SECRET, code(STEP - 1), AT).step == STEP - 1
    assert check_code(SECRET, code(STEP + 1), AT).step == STEP + 1
    assert check_code(SECRET, " " + code(STEP)[:3] + " " + code(STEP)[3:], AT).accepted


def test_a_wrong_a_stale_or_a_malformed_code_is_refused_without_saying_it() -> None:
    for bad, why in (
        (code(STEP, "KRSXG5CTMVRXEZLUKRSXG5CTMVRXEZLU"), "wrong code"),  # someone else's secret
        (code(STEP - 2), "wrong code"),  # a minute old
        ("12345", "not a 6-digit code"),
        ("abcdef", "not a 6-digit code"),
    ):
        checked = check_code(SECRET, bad, AT)
        assert not checked.accepted and checked.why == why and bad not in checked.why


def test_a_code_is_good_once_and_no_earlier_step_after_it() -> None:
    first = check_code(SECRET, code(STEP), AT)
    assert first.accepted
    replay = check_code(SECRET, code(STEP), AT + 5, used={first.step})
    assert not replay.accepted and "already used" in replay.why and replay.step == STEP
    earlier = check_code(SECRET, code(STEP - 1), AT, used={first.step})
    assert not earlier.accepted and "already used" in earlier.why
    # the next step's code is fresh, even before its time (within the window)
    assert check_code(SECRET, code(STEP + 1), AT, used={first.step}).accepted


def test_a_secret_that_is_not_base32_or_an_otpauth_uri_is_refused() -> None:
    assert check_code("not base32!", "123456", AT).why.startswith("the secret stored")
    uri = pyotp.TOTP(SECRET).provisioning_uri(name="bob", issuer_name="golive")
    assert check_code(uri, code(STEP), AT).accepted


# ------------------------------------------------------------------ forms and keys


def test_attempt_keys_keep_the_documented_base_key() -> None:
    assert [attempt_key("gate-a-approval", n) for n in (1, 2, 3)] == [
        "gate-a-approval",
        "gate-a-approval-2",
        "gate-a-approval-3",
    ]
    assert is_attempt_of("gate-a-approval-2", "gate-a-approval")
    assert is_attempt_of("uat-signoff-1", "uat-signoff-1")
    assert not is_attempt_of("uat-signoff-12", "uat-signoff-1")
    assert not is_attempt_of("uat-signoff-1", "uat-signoff")  # N of uat-signoff-N is not an attempt
    assert not is_attempt_of("gate-a-approval-1", "gate-a-approval")


def test_the_form_asks_for_a_code_only_with_totp_and_hides_it() -> None:
    assert "code" not in approval_form("Gate A passed", ["bob"], "x").model_fields
    form = approval_form("Gate A passed", ["alice", "bob"], "x", with_code=True)
    answer = form(decision="approve", approver="bob", code="123456")
    assert "123456" not in repr(answer) and answer.code.get_secret_value() == "123456"
    assert form.model_json_schema()["properties"]["code"]["format"] == "password"


# ------------------------------------------------------------------ messages


SHOWN = checks_markdown(
    "Gate A for StatusBoardV2 v1.4.0",
    [
        CheckResult(name="build", status="pass", value="ok", threshold="exit 0"),
        CheckResult(name="error rate", status="pass", value="0.12 %", threshold="< 0.5 %"),
        CheckResult(name="board p95", status="pass", value="412 ms", threshold="< 800 ms"),
    ],
    "Staging serves v1.4.0; all suites and SLOs green.",
)
DEADLINE = datetime(2026, 12, 7, 15, 30, tzinfo=UTC)


def values(**changes: Any) -> dict[str, str]:
    given: dict[str, Any] = {
        "gate": "Gate A",
        "title": "Gate A passed",
        "shown": SHOWN,
        "approvers": ["alice", "bob"],
        "proof": "name",
        "deadline": DEADLINE,
        "remaining_s": 3600,
        "run_id": "0b7c",
        "ui_url": "http://127.0.0.1:4200/",
        **changes,
    }
    return {"app": "StatusBoardV2", "release": "v1.4.0", **approval_values(**given)}


def test_the_summary_is_the_shown_prose_then_each_check_and_its_value() -> None:
    assert shown_summary(SHOWN) == (
        "Staging serves v1.4.0; all suites and SLOs green. "
        "Checks: ✅ build ok; ✅ error rate 0.12 %; ✅ board p95 412 ms."
    )
    assert shown_summary("# Full rollout\n\nEvery step passed.") == "Every step passed."
    assert len(shown_summary(SHOWN, limit=60)) <= 60


def test_the_request_names_the_numbers_who_the_deadline_and_links_the_paused_run() -> None:
    message = render("approval_requested", values())
    assert message.missing == [] and message.subject.startswith("⏸ Gate A waits for a sign-off")
    assert message.body == (
        "⏸ Gate A waits for a sign-off: 'Gate A passed'. Staging serves v1.4.0; all suites and SLOs "
        "green. Checks: ✅ build ok; ✅ error rate 0.12 %; ✅ board p95 412 ms. Who may decide: "
        "alice, bob (answer with your name). Deadline: 2026-12-07 15:30:00 UTC. "
        "Decide here: http://127.0.0.1:4200/runs/flow-run/0b7c"
    )


def test_with_no_ui_url_the_message_says_so_and_names_the_run() -> None:
    body = render("approval_requested", values(ui_url=None, proof="totp")).body
    assert "no Prefect UI URL is known" in body and "`golive approve 0b7c`" in body
    assert "answer with your name and one-time code" in body


def test_the_reminder_says_how_long_is_left() -> None:
    assert "12min left" in render("approval_reminder", values(remaining_s=730)).body
    assert "45s left" in render("approval_reminder", values(remaining_s=45.2)).body


def test_the_sign_off_messages_are_overridable_with_their_placeholders() -> None:
    assert template_problem("approval_requested", "{gate}: {link} by {deadline}", []) is None
    assert "unknown placeholder {percent}" in (
        template_problem("approval_reminder", "{percent}", []) or ""
    )
    override = {"approval_requested": "{gate} needs {approvers}: {link}"}
    assert (
        render("approval_requested", values(), override).body
        == "Gate A needs alice, bob: http://127.0.0.1:4200/runs/flow-run/0b7c"
    )
