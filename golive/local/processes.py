"""The processes golive starts (sandbox, Prefect server, workers, the flow runs a worker starts):
whether they still run, and stopping them so that nothing is left behind.

Each one runs in its own session (process group), so a Ctrl-C in the terminal does not reach it
and a group-wide signal stops it with its children. A process worker, though, starts each flow run
in a session of its own: stopping the worker's group does not stop its runs. So every process of a
local stack carries a tag in its environment (`GOLIVE_STACK=<stack home>`), inherited by whatever it
starts, and `tagged` finds them by it (Linux /proc) — even after their parent died.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

STACK_TAG = "GOLIVE_STACK"
_PROC = Path("/proc")


def alive(pid: int) -> bool:
    """Whether `pid` runs. A dead child stays a zombie (and `kill(pid, 0)` keeps succeeding) until
    someone reaps it, so reap it here when it is ours."""
    try:
        if os.waitpid(pid, os.WNOHANG)[0] == pid:
            return False
    except ChildProcessError:
        pass  # not our child: its parent reaps it
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return not _is_zombie(pid)


def _stat_fields(pid: int | str) -> list[str] | None:
    """/proc/PID/stat after the command name: [state, ppid, pgrp, ...]; None if it cannot be read."""
    try:
        return (_PROC / str(pid) / "stat").read_text().rsplit(") ", 1)[1].split()
    except (OSError, IndexError):
        return None


def _is_zombie(pid: int) -> bool:
    fields = _stat_fields(pid)
    return fields is not None and fields[0] == "Z"


def group_members(pgid: int) -> list[int]:
    """The live (non-zombie) processes of process group `pgid`, from /proc."""
    members = []
    for entry in _PROC.iterdir() if _PROC.is_dir() else ():
        if entry.name.isdigit():
            fields = _stat_fields(entry.name)
            if fields is not None and int(fields[2]) == pgid and fields[0] != "Z":
                members.append(int(entry.name))
    return members


def group_alive(pgid: int) -> bool:
    """Whether any live (non-zombie) process is in process group `pgid`."""
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    if not _PROC.is_dir():
        return True
    alive(pgid)  # reap the leader if it is our dead child
    return bool(group_members(pgid))


def stop_group(pgid: int, grace: float = 10.0) -> bool:
    """SIGTERM the process group, SIGKILL what is left after `grace` seconds. True if it existed."""
    return bool(stop_groups([pgid], grace))


def stop_groups(pgids: Iterable[int], grace: float = 10.0) -> set[int]:
    """Stop several process groups at once (so the waits do not add up): SIGTERM to each, SIGKILL to
    what is left after `grace` seconds. Returns the groups that existed. Never our own group."""
    signalled = set()
    for pgid in set(pgids) - {os.getpgrp()}:
        try:
            os.killpg(pgid, signal.SIGTERM)
            signalled.add(pgid)
        except ProcessLookupError:
            pass
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline and any(group_alive(g) for g in signalled):
        time.sleep(0.05)
    for pgid in signalled:
        if group_alive(pgid):
            try:
                os.killpg(pgid, signal.SIGKILL)
            except ProcessLookupError:
                pass
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and any(group_alive(g) for g in signalled):
        time.sleep(0.05)
    return signalled


def stack_tag(home: Path) -> dict[str, str]:
    """The environment entry that marks a process (and what it starts) as part of the stack in `home`."""
    return {STACK_TAG: str(Path(home).resolve())}


def tagged(home: Path) -> list[int]:
    """Live processes whose environment carries the tag of the stack in `home` (never this process)."""
    return carrying(STACK_TAG, str(Path(home).resolve()))


def carrying(key: str, value: str) -> list[int]:
    """Live processes whose environment has `key=value` (never this process), from /proc."""
    wanted = f"{key}={value}".encode()
    mine = os.getpid()
    found = []
    if not _PROC.is_dir():
        return found
    for entry in _PROC.iterdir():
        if not entry.name.isdigit() or int(entry.name) == mine:
            continue
        try:
            environ = (entry / "environ").read_bytes()
        except OSError:
            continue
        if wanted in environ.split(b"\0") and not _is_zombie(int(entry.name)):
            found.append(int(entry.name))
    return found


def tagged_groups(home: Path) -> set[int]:
    """The process groups of the processes tagged with the stack in `home`."""
    return groups_of(tagged(home))


def groups_of(pids: Iterable[int]) -> set[int]:
    """The process groups of `pids` (those still running)."""
    groups = set()
    for pid in pids:
        try:
            groups.add(os.getpgid(pid))
        except ProcessLookupError:
            continue
    return groups


def child_groups(pid: int) -> set[int]:
    """Process groups of `pid`'s children other than `pid`'s own (a process worker's flow runs)."""
    groups = set()
    for entry in _PROC.iterdir() if _PROC.is_dir() else ():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(") ", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[1]) == pid and int(fields[2]) != pid:
            groups.add(int(fields[2]))
    return groups


@contextmanager
def no_interrupts() -> Iterator[None]:
    """Hold off SIGINT and SIGTERM while stopping what we started: a second Ctrl-C (or the copy of
    the first one that `uv run` forwards to its child) must not leave half of it running. Stopping
    is bounded (each group gets a grace period, then SIGKILL). Signals arriving meanwhile are dropped:
    we are already stopping. Only the main thread can set handlers; elsewhere this does nothing."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {
        signum: signal.signal(signum, signal.SIG_IGN) for signum in (signal.SIGINT, signal.SIGTERM)
    }
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler if handler is not None else signal.SIG_DFL)
