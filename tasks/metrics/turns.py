"""Probes that share one host take turns measuring, when `GOLIVE_PROBE_TURNS` names a lock file.

Two probes on one machine measure each other: each one's client, and on a single host its
servers too (the sandbox, a staging stack on a test box), compete for the same cores, and a
healthy release reads slow. A runner that launches several apps at once (or the test suite,
whose workers each run launches against a sandbox of their own) sets the variable to one path;
every probe (and every share count, `tasks/traffic/verify.py`: a burst of load too) then holds
an exclusive `flock` on that file while it measures, so no two overlap.

The turn is a courtesy, not a guarantee: a probe waits at most `MAX_WAIT_S` and then measures
anyway (the judge's own client-lag check still marks what it measured of the machine), so a
stuck neighbour cannot stall a launch, and a file that cannot be opened is no turn at all.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import time
from collections.abc import Iterator

__all__ = ["ENV", "MAX_WAIT_S", "probe_turn"]

ENV = "GOLIVE_PROBE_TURNS"
MAX_WAIT_S = 120.0
_POLL_S = 0.05

log = logging.getLogger(__name__)


@contextlib.contextmanager
def probe_turn(path: str | None = None, max_wait_s: float = MAX_WAIT_S) -> Iterator[float]:
    """Hold this host's probe turn while the block runs; yields the seconds waited for it."""
    path = path if path is not None else os.environ.get(ENV)
    if not path:
        yield 0.0
        return
    try:
        handle = open(path, "a+b")  # noqa: SIM115 — held for the whole block
    except OSError as error:
        log.warning(
            "probe turns: cannot open %s (%s): measuring without a turn", ENV, error.strerror
        )
        yield 0.0
        return
    with handle:
        started = time.monotonic()
        held = _wait_for(handle.fileno(), started + max_wait_s)
        waited = time.monotonic() - started
        if not held:
            log.warning(
                "probe turns: another probe on this host held its turn for %.0f s: measuring anyway",
                waited,
            )
        try:
            yield waited
        finally:
            if held:
                fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def _wait_for(fd: int, deadline: float) -> bool:
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            if time.monotonic() >= deadline:
                return False
            time.sleep(_POLL_S)
