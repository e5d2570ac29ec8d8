"""The durable timeline and samples of a launch, in the production bucket.

    s3://<bucket>/golive/launches/<launch>/timeline/<time>-<id>.json   one object per entry
    s3://<bucket>/golive/launches/<launch>/samples/<stage>-<n>.csv    one per evaluation

One object per entry makes appending a single PUT: nothing is read back and rewritten,
so two writers (the launch and a rollback run) never lose each other's lines, and a
launch killed mid-way keeps everything it wrote before it died.
"""

from __future__ import annotations

import io
import re
import uuid
from typing import TYPE_CHECKING, Any

from golive.core.timeline import TimelineEntry, ordered

if TYPE_CHECKING:  # pandas is imported where samples are handled: a rollback run must start fast
    import pandas as pd

LAUNCH_PREFIX = "golive/launches"


def launch_prefix(launch: str) -> str:
    return f"{LAUNCH_PREFIX}/{launch}"


def append(s3: Any, bucket: str, entry: TimelineEntry) -> str:
    key = f"{launch_prefix(entry.launch)}/timeline/{entry.at:%Y%m%dT%H%M%S.%f}-{uuid.uuid4().hex[:8]}.json"
    s3.put_object(
        Bucket=bucket,
        Key=key,
        Body=entry.model_dump_json().encode(),
        ContentType="application/json",
    )
    return key


def _keys(s3: Any, bucket: str, prefix: str) -> list[str]:
    keys: list[str] = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        keys += [o["Key"] for o in page.get("Contents", [])]
    return sorted(keys)


def timeline_keys(s3: Any, bucket: str, launch: str) -> list[str]:
    """The keys of a launch's entries: a cheap way to see whether anything was added."""
    return _keys(s3, bucket, f"{launch_prefix(launch)}/timeline/")


def read_entry(s3: Any, bucket: str, key: str) -> TimelineEntry:
    return TimelineEntry.model_validate_json(s3.get_object(Bucket=bucket, Key=key)["Body"].read())


def read_timeline(s3: Any, bucket: str, launch: str) -> list[TimelineEntry]:
    return ordered([read_entry(s3, bucket, key) for key in timeline_keys(s3, bucket, launch)])


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "stage"


def write_samples(
    s3: Any, bucket: str, launch: str, stage: str, number: int, frame: pd.DataFrame
) -> str:
    """One evaluation's samples, tagged with the stage, so the report can chart them later."""
    key = f"{launch_prefix(launch)}/samples/{_slug(stage)}-{number:03d}.csv"
    tagged = frame.assign(stage=stage, evaluation=number)
    s3.put_object(
        Bucket=bucket, Key=key, Body=tagged.to_csv(index=False).encode(), ContentType="text/csv"
    )
    return key


def sample_keys(s3: Any, bucket: str, launch: str) -> list[str]:
    return _keys(s3, bucket, f"{launch_prefix(launch)}/samples/")


def read_sample(s3: Any, bucket: str, key: str) -> pd.DataFrame:
    import pandas as pd

    return pd.read_csv(io.BytesIO(s3.get_object(Bucket=bucket, Key=key)["Body"].read()))


def read_samples(s3: Any, bucket: str, launch: str) -> pd.DataFrame:
    return combine_samples(
        [read_sample(s3, bucket, key) for key in sample_keys(s3, bucket, launch)]
    )


def combine_samples(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """Evaluations' samples as one frame in time order."""
    import pandas as pd

    frames = [f for f in frames if not f.empty]
    if not frames:
        return pd.DataFrame(
            columns=[
                "ts",
                "slo",
                "path",
                "status",
                "latency_ms",
                "error",
                "version",
                "release",
                "stage",
                "evaluation",
            ]
        )
    return (
        pd.concat(frames, ignore_index=True).sort_values("ts", kind="stable").reset_index(drop=True)
    )


def launches(s3: Any, bucket: str) -> list[str]:
    """Launch ids that have a timeline, oldest prefix first."""
    found: list[str] = []
    for page in s3.get_paginator("list_objects_v2").paginate(
        Bucket=bucket, Prefix=f"{LAUNCH_PREFIX}/", Delimiter="/"
    ):
        found += [
            p["Prefix"].rstrip("/").rsplit("/", 1)[-1] for p in page.get("CommonPrefixes", [])
        ]
    return found
