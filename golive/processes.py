"""Whether a process we started still runs: a dead child stays a zombie (and `kill(pid, 0)`
keeps succeeding) until someone reaps it, so reap it here when it is ours."""

from __future__ import annotations

import os


def alive(pid: int) -> bool:
    try:
        if os.waitpid(pid, os.WNOHANG)[0] == pid:
            return False
    except ChildProcessError:
        pass  # not our child: its parent reaps it
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True
