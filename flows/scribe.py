"""The Scribe: appends each timeline entry to S3 the moment it happens.

The launch flow opens a Scribe and every gate, approval, verdict, rollback and message
records through `record(...)`. Entries also stay in memory for the timeline artifact.
Writing is retried by boto3; an entry that still cannot be written is logged and kept
in memory (the launch is not stopped for its diary), except entries marked `required`
— the "production is about to change" marker a later rollback relies on — which fail
the step instead.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from blocks.plan import LaunchPlan
from golive.core.timeline import (
    Kind,
    TimelineEntry,
)
from tasks import timeline_store
from tasks.aws import aws_client

_current: ContextVar[Scribe | None] = ContextVar("golive_scribe", default=None)


def _logger() -> logging.Logger | logging.LoggerAdapter[logging.Logger]:
    from prefect import get_run_logger
    from prefect.exceptions import MissingContextError

    try:
        return get_run_logger()
    except MissingContextError:
        return logging.getLogger("golive.scribe")


@dataclass
class Scribe:
    launch: str
    release: str
    bucket: str
    s3: Any = field(repr=False)
    entries: list[TimelineEntry] = field(default_factory=list)

    @classmethod
    def for_plan(cls, plan: LaunchPlan, launch: str, release: str) -> Scribe:
        production = plan.environments.production
        return cls(
            launch=launch,
            release=release,
            bucket=production.bucket,
            s3=aws_client("s3", production),
        )

    def record(
        self,
        kind: Kind,
        event: str,
        summary: str,
        *,
        gate: str = "",
        actor: str = "golive",
        data: dict[str, Any] | None = None,
        required: bool = False,
    ) -> TimelineEntry:
        entry = TimelineEntry(
            launch=self.launch,
            release=self.release,
            kind=kind,
            event=event,
            summary=summary,
            gate=gate,
            actor=actor,
            data=data or {},
        )
        self.entries.append(entry)
        try:
            timeline_store.append(self.s3, self.bucket, entry)
        except (
            Exception
        ) as error:  # the diary must not stop the launch, unless a rollback depends on it
            if required:
                raise
            _logger().warning(
                "timeline entry not written to s3://%s (kept in memory): %s: %s",
                self.bucket,
                type(error).__name__,
                error,
            )
        return entry

    def read(self) -> list[TimelineEntry]:
        return timeline_store.read_timeline(self.s3, self.bucket, self.launch)


@contextmanager
def scribing(scribe: Scribe) -> Iterator[Scribe]:
    """Make `scribe` the one `record()` writes to, for the launch and its subflows."""
    token = _current.set(scribe)
    try:
        yield scribe
    finally:
        _current.reset(token)


def current() -> Scribe | None:
    return _current.get()


def record(kind: Kind, event: str, summary: str, **fields: Any) -> TimelineEntry | None:
    """Record to the current launch's timeline; a gate run on its own (no launch) records nothing."""
    scribe = current()
    return scribe.record(kind, event, summary, **fields) if scribe else None
