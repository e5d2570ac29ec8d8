"""Post-launch: the launch report (or the incident report), the UAT summary and the playbook
summary, as Prefect artifacts and as files (tasks/report_bundle.py). Runs after a
successful launch and after a failed one — then it is the incident's report."""

from __future__ import annotations

from prefect import flow, get_run_logger
from prefect.artifacts import create_markdown_artifact

from blocks.plan import LaunchPlan
from flows.artifacts import artifact_key
from flows.scribe import Scribe
from tasks.report_bundle import build_bundle, reports_dir, write_bundle


@flow(name="post-launch", flow_run_name="Post-launch · {release}", log_prints=True)
def post_launch(plan: LaunchPlan, release: str, launch: str) -> dict[str, str]:
    scribe = Scribe.for_plan(plan, launch, release)
    bundle = build_bundle(plan, scribe.s3, scribe.bucket, launch)
    written = write_bundle(bundle, reports_dir(launch), scribe.s3, scribe.bucket)
    key = artifact_key("incident-report" if bundle.report.kind == "incident" else "launch-report", release)
    where = (f"\n\n---\nFiles: `{written['launch-report.html']}` (charts), `{written['samples.csv']}`; "
             f"also s3://{scribe.bucket}/golive/launches/{launch}/report/")
    create_markdown_artifact(key=key, markdown=bundle.report.markdown + where, description=bundle.report.title)
    create_markdown_artifact(key=artifact_key("uat-summary", release), markdown=bundle.uat,
                             description="UAT sign-offs")
    create_markdown_artifact(key=artifact_key("playbook-summary", release), markdown=bundle.playbook,
                             description="each runbook step: status, time, who")
    create_markdown_artifact(key=artifact_key("timeline", release), markdown=bundle.timeline,
                             description="the Scribe's log")
    get_run_logger().info("%s written: %s", bundle.report.title, written["launch-report.html"])
    return written
