"""The plan's `build:` section: the command that builds a release, and where.

The command is an argv list run without a shell, in `working_dir` (relative to the repo
root, or absolute); the release is what it writes to `output_dir`.
"""

from __future__ import annotations

from pydantic import field_validator

from blocks.plan.base import _Model
from blocks.plan.errors import PlanValueError
from blocks.plan.strings import NonEmpty, RelativePath


class BuildConfig(_Model):
    command: list[NonEmpty]  # argv, run without a shell
    working_dir: NonEmpty  # relative to the repo root (the plan directory's parent) or absolute
    output_dir: RelativePath = "dist"

    @field_validator("command")
    @classmethod
    def _has_program(cls, argv: list[str]) -> list[str]:
        if not argv:
            raise PlanValueError(argv, "an argv list such as ['python', 'build.py']")
        return argv
