"""Post-launch: the launch report (or the incident report), the UAT and the playbook
summaries, as Prefect artifacts and as files (tasks/report_bundle.py). Runs after a
successful launch and after a failed one — then it is the incident's report.

The documents are written from inside the Post-launch step, so they show it "in
progress"; once the launch has recorded the step's end, `publish_reports` rewrites them
(and a rollback run of the launch does the same when it ends), so the files, the S3 copy
and the artifacts end up telling the whole story.
"""

from __future__ import annotations

import logging

from prefect import flow, get_run_logger
from prefect.artifacts import create_markdown_artifact
from prefect.exceptions import MissingContextError

from blocks.plan import LaunchPlan
from flows.artifacts import artifact_key
from flows.scribe import Scribe
from tasks.report_bundle import Bundle, reports_dir, rewrite_until_settled


@flow(name="post-launch", flow_run_name="Post-launch · {release}", log_prints=True)
def post_launch(plan: LaunchPlan, release: str, launch: str) -> dict[str, str]:
    return publish_reports(plan, release, launch)


def publish_reports(plan: LaunchPlan, release: str, launch: str) -> dict[str, str]:
    """Build the documents from S3, write them (locally and to S3) and publish them as artifacts
    of the current run; returns name -> local path. LookupError if the launch has no timeline."""
    scribe = Scribe.for_plan(plan, launch, release)
    bundle, written = rewrite_until_settled(
        plan, scribe.s3, scribe.bucket, launch, reports_dir(launch)
    )
    _artifacts(bundle, written, scribe.bucket)
    _logger().info(
        "%s written (%s): %s",
        bundle.report.title,
        bundle.report.outcome,
        written["launch-report.html"],
    )
    return written


def _logger() -> logging.Logger | logging.LoggerAdapter[logging.Logger]:
    try:  # a state hook may rewrite the reports after the launch's run has ended
        return get_run_logger()
    except MissingContextError:
        return logging.getLogger("golive.reports")


def _artifacts(bundle: Bundle, written: dict[str, str], bucket: str) -> None:
    release = bundle.release
    key = artifact_key(
        "incident-report" if bundle.report.kind == "incident" else "launch-report", release
    )
    where = (
        f"\n\n---\nFiles: `{written['launch-report.html']}` (charts), `{written['samples.csv']}`; "
        f"also s3://{bucket}/golive/launches/{bundle.launch}/report/"
    )
    create_markdown_artifact(
        key=key, markdown=bundle.report.markdown + where, description=bundle.report.title
    )
    create_markdown_artifact(
        key=artifact_key("uat-summary", release), markdown=bundle.uat, description="UAT sign-offs"
    )
    create_markdown_artifact(
        key=artifact_key("playbook-summary", release),
        markdown=bundle.playbook,
        description="each runbook step: status, time, who",
    )
    create_markdown_artifact(
        key=artifact_key("timeline", release),
        markdown=bundle.timeline,
        description="the Scribe's log",
    )
