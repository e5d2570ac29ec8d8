"""A plan as a launch was given it: the reference, the exact YAML text and its digest (pure).

A reference is a file path (a checkout's `plans/…`, what the sandbox and the tests use) or
`golive-plan/<name>`, a plan stored on the Prefect server (`golive plan push`), which every
worker can read. A launch records its plan's text under its own name
(`golive-plan/launch-<launch id>`, written once), so that its rollbacks judge production by
the plan the launch ran, not by whatever the stored plan says later.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

STORED_PREFIX = "golive-plan/"
LAUNCH_SNAPSHOT_PREFIX = "launch-"
_NAME = re.compile(r"^[a-z0-9][a-z0-9-]*$")

NO_PLAN = (
    "no plan given: pass the launch plan as the `plan` parameter, either a stored plan "
    "(`-p plan=golive-plan/<name>`; `golive plan push PLAN.yaml` stores one on the Prefect server) "
    "or a path every worker can read"
)


@dataclass(frozen=True)
class PlanText:
    ref: str  # what the launch was given
    text: str  # the YAML, exactly
    file: Path | None = (
        None  # the file it was read from (relative paths in the plan start at its folder)
    )

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()

    @property
    def short(self) -> str:
        return f"{self.ref} (sha256 {self.sha256[:12]})"


def is_stored_ref(ref: str) -> bool:
    return ref.startswith(STORED_PREFIX)


def stored_name(ref: str) -> str:
    """The block name in `golive-plan/<name>`; ValueError naming what a name may hold."""
    name = ref.removeprefix(STORED_PREFIX)
    if not _NAME.match(name):
        raise ValueError(
            f"plan {ref!r}: a stored plan's name is lowercase letters, digits and dashes "
            "(golive-plan/<name>)"
        )
    return name


def plan_name_for(path: Path) -> str:
    """The stored name a plan file gets by default: its file name, as a block name."""
    return re.sub(r"[^a-z0-9]+", "-", path.stem.lower()).strip("-") or "plan"


def launch_snapshot_name(launch_id: str) -> str:
    return LAUNCH_SNAPSHOT_PREFIX + launch_id.lower()


def launch_snapshot_ref(launch_id: str) -> str:
    return STORED_PREFIX + launch_snapshot_name(launch_id)


def is_launch_snapshot(name: str) -> bool:
    return name.startswith(LAUNCH_SNAPSHOT_PREFIX)
