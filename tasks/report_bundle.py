"""The post-launch documents as files: built from the launch's durable record, written to a
local directory and beside the timeline in S3.

    launch-report.html   self-contained: charts, SLO compliance, decisions, sign-offs
    launch-report.md     the same, as the Prefect artifact shows it
    samples.csv          every probe sample of every evaluation
    uat-summary.md, playbook-summary.md, timeline.md

Built only from what S3 holds (the timeline and the samples), so `golive report LAUNCH`
regenerates exactly what the launch wrote, also for a launch whose process died.

The documents are rewritten whenever the record grows after them: by the launch once its
Post-launch step has ended, and by every rollback run of the launch when it ends (the
hooks' and the server's rollbacks arrive after the launch wrote its report).
`rewrite_until_settled` closes the race between two such writers: each rewrites until no
entry arrived while it was writing, so the last copy written holds every entry.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from blocks.plan import LaunchPlan
from golive.core.report import Report, launch_report
from golive.core.summaries import playbook_summary_markdown, uat_summary_markdown
from golive.core.timeline import TimelineEntry, ordered, timeline_markdown
from tasks import timeline_store

if TYPE_CHECKING:
    import pandas as pd

REPO = Path(__file__).resolve().parent.parent
READERS = 8  # parallel GETs: a full launch's record is a few hundred small objects
CACHED_LAUNCHES = 8
T = TypeVar("T")


@dataclass
class Bundle:
    launch: str
    release: str
    report: Report
    uat: str
    playbook: str
    timeline: str
    entries: list[TimelineEntry]

    def files(self) -> dict[str, str]:
        return {
            "launch-report.html": self.report.html,
            "launch-report.md": self.report.markdown,
            "samples.csv": self.report.csv,
            "uat-summary.md": self.uat,
            "playbook-summary.md": self.playbook,
            "timeline.md": self.timeline,
        }


def reports_dir(launch: str) -> Path:
    root = Path(os.environ.get("GOLIVE_REPORTS_DIR") or REPO / ".golive" / "reports")
    return root / launch


@dataclass
class _Record:
    """What this process has read of one launch's record, by S3 key. Entries and samples are
    written once under unique keys and never rewritten, so a rewrite reads only what is new."""

    entries: dict[str, TimelineEntry] = field(default_factory=dict)
    samples: dict[str, pd.DataFrame] = field(default_factory=dict)


_records: OrderedDict[tuple[str, str], _Record] = OrderedDict()
_records_lock = threading.Lock()


def _record(bucket: str, launch: str) -> _Record:
    with _records_lock:
        record = _records.pop((bucket, launch), None) or _Record()
        _records[(bucket, launch)] = record
        while len(_records) > CACHED_LAUNCHES:
            _records.popitem(last=False)
        return record


def _read_new(keys: list[str], known: dict[str, T], read: Callable[[str], T]) -> list[T]:
    missing = [key for key in keys if key not in known]
    if missing:
        with ThreadPoolExecutor(
            max_workers=min(READERS, len(missing)), thread_name_prefix="golive-report"
        ) as pool:
            known.update(zip(missing, pool.map(read, missing), strict=True))
    return [known[key] for key in keys]


def read_record(s3: Any, bucket: str, launch: str) -> tuple[list[TimelineEntry], pd.DataFrame]:
    """The launch's timeline (in order) and samples, reading only objects not read before."""
    record = _record(bucket, launch)
    entries = _read_new(
        timeline_store.timeline_keys(s3, bucket, launch),
        record.entries,
        lambda key: timeline_store.read_entry(s3, bucket, key),
    )
    frames = _read_new(
        timeline_store.sample_keys(s3, bucket, launch),
        record.samples,
        lambda key: timeline_store.read_sample(s3, bucket, key),
    )
    return ordered(entries), timeline_store.combine_samples(frames)


def build_bundle(plan: LaunchPlan, s3: Any, bucket: str, launch: str) -> Bundle:
    entries, samples = read_record(s3, bucket, launch)
    if not entries:
        raise LookupError(
            f"no timeline for launch {launch} in s3://{bucket}/{timeline_store.launch_prefix(launch)}/"
        )
    release = entries[0].release
    return Bundle(
        launch=launch,
        release=release,
        report=launch_report(entries, samples, plan, release),
        uat=uat_summary_markdown(entries, plan.roles.uat_signers),
        playbook=playbook_summary_markdown(entries, plan),
        timeline=timeline_markdown(entries, f"Timeline · {plan.app} {release}"),
        entries=entries,
    )


def write_bundle(bundle: Bundle, directory: Path, s3: Any, bucket: str) -> dict[str, str]:
    """Write every file locally and to s3://bucket/golive/launches/<launch>/report/; name -> local path."""
    directory.mkdir(parents=True, exist_ok=True)
    written = {}
    for name, text in bundle.files().items():
        (directory / name).write_text(text, encoding="utf-8")
        content_type = (
            "text/html"
            if name.endswith(".html")
            else "text/csv"
            if name.endswith(".csv")
            else "text/markdown"
        )
        s3.put_object(
            Bucket=bucket,
            Key=f"{timeline_store.launch_prefix(bundle.launch)}/report/{name}",
            Body=text.encode(),
            ContentType=f"{content_type}; charset=utf-8",
        )
        written[name] = str(directory / name)
    return written


def rewrite_until_settled(
    plan: LaunchPlan, s3: Any, bucket: str, launch: str, directory: Path, rounds: int = 3
) -> tuple[Bundle, dict[str, str]]:
    """Build and write the bundle; again if the timeline grew meanwhile (at most `rounds` times)."""
    for _ in range(rounds):
        bundle = build_bundle(plan, s3, bucket, launch)
        written = write_bundle(bundle, directory, s3, bucket)
        if len(timeline_store.timeline_keys(s3, bucket, launch)) == len(bundle.entries):
            break
    return bundle, written


def find_launch(s3: Any, bucket: str, launch_or_release: str) -> str:
    """A launch id as given, or the latest launch of a release."""
    known = timeline_store.launches(s3, bucket)
    if launch_or_release in known:
        return launch_or_release
    matches = []
    for launch in known:
        entries = timeline_store.read_timeline(s3, bucket, launch)
        if entries and entries[0].release == launch_or_release:
            matches.append((entries[0].at, launch))
    if not matches:
        raise LookupError(
            f"no launch with id or release {launch_or_release!r} in s3://{bucket}/{timeline_store.LAUNCH_PREFIX}/"
        )
    return max(matches)[1]
