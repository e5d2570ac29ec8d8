"""Gate A — staging validation: build, deploy to staging, smoke suites, staging SLOs, UAT
sign-offs; then the Approver's "Gate A passed". Touches nothing in production."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE

from blocks.plan import Environment, LaunchPlan
from flows.approvals import request_approval
from flows.artifacts import publish_checks
from flows.errors import GateFailed
from flows.samples import keep_samples
from golive.core.checks import CheckResult, checks_markdown, failed, failure_summary
from golive.core.gate_checks import NO_UAT, uat_not_required
from tasks.api_release.registry import deploy_to_slot, kind_for
from tasks.aws import aws_client, session_for
from tasks.build import BuildFailed, BuildOutput, run_build
from tasks.cloudfront import invalidate, point_origin
from tasks.http_auth import AuthChooser, load_secret
from tasks.http_checks import run_smoke_suites, smoke_client
from tasks.metrics.confirmed import confirmed_slo_checks
from tasks.s3_release import upload_release
from tasks.served import site_reader_text, site_releases

GATE = "Gate A"
STAGING_PROBE = (
    f"{GATE} — staging probe"  # the samples' stage: one evaluation, judged on all its probes
)


@task(name="build frontend", cache_policy=NO_CACHE)
def build_frontend(plan: LaunchPlan, release: str, out_dir: Path) -> BuildOutput:
    return run_build(plan.build.command, plan.build_working_dir, out_dir, release)


@task(name="upload release", retries=2, retry_delay_seconds=2, cache_policy=NO_CACHE)
def upload(environment: Environment, release: str, build: BuildOutput) -> int:
    uploaded = upload_release(
        aws_client("s3", environment),
        environment.bucket,
        environment.release_prefix(release),
        build.directory,
        release,
    )
    return len(uploaded)


@task(name="point distribution at release", retries=2, retry_delay_seconds=2, cache_policy=NO_CACHE)
def point_distribution(environment: Environment, release: str) -> str:
    change = point_origin(
        aws_client("cloudfront", environment),
        environment.cloudfront_distribution_id,
        environment.origin_id,
        environment.release_prefix(release),
    )
    return f"{change.origin_id}: {change.previous_path or '/'} -> {change.new_path}" + (
        "" if change.changed else " (already there)"
    )


@task(name="invalidate and wait", retries=1, retry_delay_seconds=5, cache_policy=NO_CACHE)
def invalidate_and_wait(environment: Environment) -> dict:
    return invalidate(aws_client("cloudfront", environment), environment.cloudfront_distribution_id)


@task(name="wait until served", cache_policy=NO_CACHE)
def wait_until_served(
    plan: LaunchPlan, environment: Environment, release: str, timeout: float = 120
) -> CheckResult:
    """The site must serve the new release before anything is measured against it: read as the
    plan's site_release reader reads it (tasks/served.py), every response of a burst."""
    started = time.monotonic()
    seen: dict[str, int] = {}
    while time.monotonic() - started < timeout:
        seen = site_releases(plan, environment, requests=8, concurrency=4)
        if set(seen) == {release}:
            return CheckResult(
                name="staging serves the release",
                status="pass",
                value=release,
                threshold=f"{release} by {site_reader_text(plan)}",
                detail=f"after {time.monotonic() - started:.1f} s",
            )
        time.sleep(0.5)
    return CheckResult(
        name="staging serves the release",
        status="fail",
        value=", ".join(f"{k}: {v}" for k, v in seen.items()) or "nothing",
        threshold=f"{release} by {site_reader_text(plan)}",
        detail=f"still not served after {timeout:.0f} s",
    )


@task(name="deploy staging API", cache_policy=NO_CACHE)
def deploy_staging_api(
    plan: LaunchPlan, environment: Environment, release: str
) -> list[CheckResult]:
    """The staging API on the release (when the plan names its service), so the smoke suites and
    the staging SLOs test the API that will ship, not the one before it."""
    if environment.api_service is None or not kind_for(plan).api_follows_release:
        return []
    return deploy_to_slot(plan, environment, "staging API", environment.api_service, release)


@task(name="smoke suites", cache_policy=NO_CACHE)
def smoke_suites(plan: LaunchPlan, environment: Environment) -> list[CheckResult]:
    auth = AuthChooser(session_factory=lambda: session_for(environment), secret_loader=load_secret)
    with smoke_client() as client:
        return run_smoke_suites(plan, environment, client, auth)


@task(name="staging SLO probe", cache_policy=NO_CACHE)
def staging_slos(plan: LaunchPlan, environment: Environment) -> list[CheckResult]:
    checks, samples = confirmed_slo_checks(plan, environment)
    if len(samples):
        keep_samples(
            STAGING_PROBE, 1, samples
        )  # the report charts them, also when they stop the launch
    return checks


@flow(
    name="gate-a-staging", flow_run_name="Gate A — staging validation · {release}", log_prints=True
)
def gate_a_staging(plan: LaunchPlan, release: str, driver: str) -> list[CheckResult]:
    logger = get_run_logger()
    staging = plan.environments.staging
    checks: list[CheckResult] = []
    with tempfile.TemporaryDirectory(prefix=f"golive-build-{release}-") as tmp:
        try:
            build = build_frontend(plan, release, Path(tmp) / "dist")
        except BuildFailed as error:
            checks.append(
                CheckResult(
                    name="build",
                    status="fail",
                    value="failed",
                    threshold="exit 0 + index.html",
                    detail=str(error),
                )
            )
            return _fail(release, checks)
        checks.append(
            CheckResult(
                name="build",
                status="pass",
                value=f"{build.files} files in {build.seconds} s",
                threshold="exit 0 + index.html",
            )
        )
        count = upload(staging, release, build)
    checks.append(
        CheckResult(
            name="upload to staging",
            status="pass",
            value=f"{count} objects",
            threshold=f"s3://{staging.bucket}/{staging.release_prefix(release)}/",
        )
    )
    moved = point_distribution(staging, release)
    checks.append(
        CheckResult(
            name="staging distribution",
            status="pass",
            value=moved,
            threshold=staging.cloudfront_distribution_id,
        )
    )
    invalidation = invalidate_and_wait(staging)
    checks.append(
        CheckResult(
            name="invalidation",
            status="pass",
            value=f"{invalidation['id']} {invalidation['status']} in {invalidation['seconds']} s",
            threshold="Completed",
        )
    )
    checks.append(wait_until_served(plan, staging, release))
    checks += deploy_staging_api(plan, staging, release)
    if failed(checks):
        return _fail(release, checks)
    checks += smoke_suites(plan, staging)
    checks += staging_slos(plan, staging)
    if failed(checks):
        return _fail(release, checks)
    uat = plan.roles.uat_required
    logger.info(
        "Gate A checks all green; " + ("collecting UAT sign-offs" if uat else f"UAT {NO_UAT}")
    )
    publish_checks(
        "gate-a",
        release,
        f"Gate A — staging validation · {release}",
        checks,
        "All checks passed; waiting for "
        + ("UAT sign-offs and the Approver." if uat else f"the Approver (UAT {NO_UAT})."),
    )
    checks += collect_uat_signoffs(plan, release, driver, checks)
    shown = checks_markdown(
        f"Gate A for {plan.app} {release}",
        checks,
        f"Staging serves {release}; all suites and SLOs green; "
        + ("UAT signed. " if uat else f"UAT {NO_UAT}. ")
        + "Approve to announce Gate A PASSED and proceed to Gate B.",
    )
    decision = request_approval(GATE, "gate-a-approval", "Gate A passed", shown, plan, driver)
    checks.append(
        CheckResult(
            name="approver: Gate A passed",
            status="pass",
            value=f"approved by {decision.approver}"
            + (f" ({decision.comment})" if decision.comment else ""),
            threshold=f"one of {', '.join(plan.roles.approvers)}, not the driver",
        )
    )
    publish_checks(
        "gate-a", release, f"Gate A — staging validation · {release}", checks, "Gate A PASSED."
    )
    return checks


def collect_uat_signoffs(
    plan: LaunchPlan, release: str, driver: str, checks: list[CheckResult]
) -> list[CheckResult]:
    """Every required UAT signer signs, in any order; the runbook's `uat-validation.sh status`.
    A plan with no UAT signers asks nobody: one passing check says UAT is not required."""
    if not plan.roles.uat_required:
        return [uat_not_required()]
    remaining = list(plan.roles.uat_signers)
    signed: list[CheckResult] = []
    shown = checks_markdown(
        f"UAT sign-off for {plan.app} {release}",
        checks,
        f"Staging ({plan.environments.staging.url}) serves {release}. Sign off once user acceptance testing is done.",
    )
    for number in range(1, len(remaining) + 1):
        decision = request_approval(
            GATE,
            f"uat-signoff-{number}",
            f"UAT sign-off ({', '.join(remaining)})",
            shown,
            plan,
            driver,
            eligible=remaining,
            who_field="signer",
            forbid_driver=False,
        )
        remaining.remove(decision.approver)
        signed.append(
            CheckResult(
                name=f"UAT: {decision.approver}",
                status="pass",
                value="approved",
                threshold="required signer",
                detail=decision.comment,
            )
        )
    return signed


def _fail(release: str, checks: list[CheckResult]) -> list[CheckResult]:
    publish_checks(
        "gate-a", release, f"Gate A — staging validation · {release}", checks, "Gate A FAILED."
    )
    reasons = failure_summary(checks)
    raise GateFailed(GATE, reasons, checks)
