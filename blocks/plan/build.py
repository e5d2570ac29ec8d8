"""The plan's `build:` section: the command that builds a release, and where.

The command is an argv list run without a shell, in `working_dir` (relative to the plan
file's own directory, or absolute). golive appends `--release R --out DIR` to it and sets
GOLIVE_RELEASE=R in its environment: the build writes release R's files into DIR, with an
`index.html` at its top (tasks/build.py checks for it), and exits 0. For example, with

    build: {command: [npm, run, build, --], working_dir: ../frontend}

Gate A runs `npm run build -- --release v1.4.0 --out /tmp/golive-build-…/dist` in
`<plan directory>/../frontend`. DIR is always a fresh scratch directory, so the build must
write where `--out` says; `output_dir` (default `dist`, inside working_dir) is only the
plan's note of where the build writes when run by hand (`golive plan check` shows it).
"""

from __future__ import annotations

from pydantic import field_validator

from blocks.plan.base import _Model
from blocks.plan.errors import PlanValueError
from blocks.plan.strings import NonEmpty, RelativePath


class BuildConfig(_Model):
    command: list[NonEmpty]  # argv, run without a shell
    working_dir: NonEmpty  # relative to the plan file's directory, or absolute
    output_dir: RelativePath = "dist"

    @field_validator("command")
    @classmethod
    def _has_program(cls, argv: list[str]) -> list[str]:
        if not argv:
            raise PlanValueError(argv, "an argv list such as ['python', 'build.py']")
        return argv
