"""Every evaluation's samples, kept in S3 beside the launch's timeline: the report's charts and CSV."""

from __future__ import annotations

import pandas as pd
from prefect import get_run_logger

from flows.scribe import current as current_scribe
from tasks.timeline_store import write_samples


def keep_samples(stage: str, number: int, frame: pd.DataFrame) -> None:
    """Every evaluation's samples go to S3 beside the timeline: the report's charts and CSV."""
    scribe = current_scribe()
    if scribe is None or not stage:
        return
    try:
        write_samples(scribe.s3, scribe.bucket, scribe.launch, stage, number, frame)
    except Exception as error:  # the report loses a point; the verdict does not depend on it
        get_run_logger().warning(
            "samples of %s #%d not kept: %s", stage, number, type(error).__name__
        )
