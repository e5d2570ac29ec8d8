"""Gate artifacts: a markdown summary (every check: value, threshold, pass/fail) and a table."""

from __future__ import annotations

import re

from prefect.artifacts import create_markdown_artifact, create_table_artifact

from golive.core.checks import CheckResult, checks_markdown, checks_table


def artifact_key(*parts: str) -> str:
    """Prefect artifact keys allow lowercase letters, digits and dashes only."""
    return re.sub(r"-+", "-", re.sub(r"[^a-z0-9-]", "-", "-".join(parts).lower())).strip("-")


def publish_checks(
    gate_slug: str, release: str, title: str, checks: list[CheckResult], summary: str = ""
) -> None:
    key = artifact_key(gate_slug, release)
    create_markdown_artifact(
        key=key,
        markdown=checks_markdown(title, checks, summary),
        description=f"{title}: every check with its value and threshold",
    )
    create_table_artifact(
        key=f"{key}-checks", table=checks_table(checks), description=f"{title}: checks"
    )
