"""The `golive` command's exit codes, defined once (pure): what a script branches on.

Every command that reports a launch, a rollback or a check ends with one of these; `--help`
and the README print `EXIT_CODES_HELP`. A Prefect state is mapped by its type, so a renamed
state ("AwaitingRetry", "Late") keeps the meaning of its type.
"""

from __future__ import annotations

from enum import IntEnum


class Exit(IntEnum):
    OK = 0  # completed / healthy / nothing blocks a launch / users on stable after an abort
    FAILED = 1  # failed or crashed; a rollback that failed; doctor found something that blocks
    USAGE = 2  # a bad option or argument, no plan named, no such launch (click's own code too)
    IN_PROGRESS = 3  # still scheduled or running: look again later
    WAITING = 4  # paused on a sign-off: a person must decide (golive approvals)
    CANCELLED = 5  # cancelled (by an operator): see its rollback


EXIT_CODES_HELP = (
    "Exit codes: 0 completed/healthy, 1 failed or crashed (doctor: something blocks a launch), "
    "2 usage (bad option, no plan, no such launch), 3 in progress, 4 waiting for a sign-off, "
    "5 cancelled."
)

_BY_STATE_TYPE = {
    "COMPLETED": Exit.OK,
    "FAILED": Exit.FAILED,
    "CRASHED": Exit.FAILED,
    "CANCELLED": Exit.CANCELLED,
    "CANCELLING": Exit.IN_PROGRESS,
    "PAUSED": Exit.WAITING,
    "SCHEDULED": Exit.IN_PROGRESS,
    "PENDING": Exit.IN_PROGRESS,
    "RUNNING": Exit.IN_PROGRESS,
}


def exit_for_state(state_type: str | None) -> Exit:
    """A flow run's exit code by its state type ("COMPLETED", "PAUSED", ...); unknown is a failure."""
    return _BY_STATE_TYPE.get((state_type or "").upper(), Exit.FAILED)


def exit_for_launch(state_type: str | None, waiting_for_sign_off: bool = False) -> Exit:
    """A launch's code: a running launch one of whose gates waits for a sign-off is WAITING (the
    gate subflow is Paused; the launch itself stays Running)."""
    code = exit_for_state(state_type)
    return Exit.WAITING if code is Exit.IN_PROGRESS and waiting_for_sign_off else code


FINAL_STATE_TYPES = frozenset({"COMPLETED", "FAILED", "CRASHED", "CANCELLED"})
