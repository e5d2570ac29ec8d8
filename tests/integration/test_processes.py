"""Stopping what golive starts: process groups, the stack tag, a worker's flow runs in their own sessions."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from golive.local.processes import (
    alive,
    child_groups,
    group_alive,
    stack_tag,
    stop_groups,
    tagged,
    tagged_groups,
)

# a parent that starts a child in a session of its own (as a process worker starts a flow run), then waits
PARENT = (
    "import subprocess, sys, time; subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)'], "
    "start_new_session=True); time.sleep(60)"
)
# a process that ignores SIGTERM: only SIGKILL ends it
STUBBORN = "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); time.sleep(60)"


def start(code: str, env: dict[str, str] | None = None) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", code], start_new_session=True, env={**os.environ, **(env or {})}
    )


def wait_for(check, timeout: float = 10) -> None:  # noqa: ANN001
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "condition not met"
        time.sleep(0.05)


def test_a_tagged_process_and_what_it_starts_are_found_and_stopped(tmp_path: Path) -> None:
    parent = start(PARENT, stack_tag(tmp_path))
    wait_for(lambda: len(tagged(tmp_path)) == 2)  # the parent and its child, in another session
    [runs] = child_groups(parent.pid)
    assert runs != parent.pid and tagged_groups(tmp_path) == {parent.pid, runs}
    assert tagged(tmp_path / "other") == []

    assert stop_groups(tagged_groups(tmp_path), grace=5) == {parent.pid, runs}
    assert not group_alive(parent.pid) and not group_alive(runs)
    assert tagged(tmp_path) == []


def test_a_group_that_ignores_sigterm_is_killed_after_the_grace() -> None:
    stubborn = start(STUBBORN)
    time.sleep(0.5)  # let it install its handler
    assert stop_groups([stubborn.pid], grace=0.5) == {stubborn.pid}
    assert not alive(stubborn.pid)


def test_stopping_a_group_that_is_gone_is_a_no_op() -> None:
    done = start("pass")
    done.wait()
    assert stop_groups([done.pid]) == set()
