"""A launch whose Prefect API has gone away ends its process within seconds.

Without the API a launch carries on blind: its task runs still complete (their states go out
as events, which are dropped), the canary keeps evaluating and shifting traffic, while nothing
can be recorded on the server, no sign-off can be asked for, and none of the rollback layers
that live on the server can act. Prefect itself gives up only at the next API call, after about
a minute of retries per call, and then retries reporting the crash. So a launch run by a worker
(its own process: PREFECT__FLOW_RUN_ID is set) watches the API and, once it has refused or not
taken a connection for `GOLIVE_API_LOST_AFTER_S` seconds in a row (default 30; 0 turns the watch
off; a slow answer counts as there), writes a timeline entry and ends its process at once, as a
SIGKILL would — also after the launch's body has ended, while the process reports that
ending. Production stays where it was; when the server returns, the heartbeat automation marks
the launch Crashed and the server's trigger rolls it back (layer 3), as after any launch whose
process died.

A launch run in the caller's process (the tests, the benchmarks) is not watched: ending the
process would end the caller.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import httpx

if TYPE_CHECKING:
    from flows.scribe import Scribe

LOST_AFTER_ENV = "GOLIVE_API_LOST_AFTER_S"
DEFAULT_LOST_AFTER_S = 30.0
EXIT_CODE = 70  # EX_SOFTWARE: the worker reports the run's process as crashed

log = logging.getLogger("golive.api_watchdog")


def api_answers(api_url: str, api_key: str | None = None, timeout: float = 5.0) -> bool:
    """Whether the API is there: any HTTP status counts, and so does a server that took the
    connection but is slow to answer (a busy machine must not end a launch); only a connection
    refused or not made does not."""
    headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
    try:
        httpx.get(api_url.rstrip("/") + "/health", headers=headers, timeout=timeout)
    except (httpx.ConnectError, httpx.ConnectTimeout):
        return False
    except httpx.HTTPError:
        return True  # read/write timeout, protocol error: something is listening
    return True


class ApiWatchdog:
    """Calls `on_lost(seconds)` once, when `answers()` has been false for `lost_after` seconds in a row."""

    def __init__(
        self,
        answers: Callable[[], bool],
        lost_after: float,
        on_lost: Callable[[float], None],
        every: float | None = None,
    ) -> None:
        self.answers, self.lost_after, self.on_lost = answers, lost_after, on_lost
        self.every = every if every is not None else max(0.2, min(5.0, lost_after / 4))
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, name="golive-api-watchdog", daemon=True)

    def start(self) -> ApiWatchdog:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=self.every + 6)

    def _watch(self) -> None:
        silent_since: float | None = None
        while not self._stop.wait(self.every):
            if self.answers():
                silent_since = None
                continue
            now = time.monotonic()
            silent_since = silent_since or now
            if now - silent_since >= self.lost_after and not self._stop.is_set():
                self.on_lost(now - silent_since)
                return


def lost_after_from_env() -> float | None:
    """The watch's threshold for this process, or None: not a worker's flow run, or turned off."""
    if not os.environ.get("PREFECT__FLOW_RUN_ID"):
        return None
    raw = os.environ.get(LOST_AFTER_ENV, "").strip()
    try:
        seconds = float(raw) if raw else DEFAULT_LOST_AFTER_S
    except ValueError:
        log.warning(
            "%s=%r is not a number of seconds; using %.0f",
            LOST_AFTER_ENV,
            raw,
            DEFAULT_LOST_AFTER_S,
        )
        seconds = DEFAULT_LOST_AFTER_S
    return seconds if seconds > 0 else None


def _end_the_launch(scribe: Scribe) -> Callable[[float], None]:
    def on_lost(seconds: float) -> None:
        try:
            scribe.record(
                "launch",
                "crashed",
                f"Prefect API unreachable for {seconds:.0f} s: the launch process "
                "ended; production stays as it is until the server's rollback runs",
                actor="golive (API watchdog)",
                data={"api_silent_s": round(seconds, 1)},
            )
        except Exception as error:  # noqa: BLE001 - the process ends either way
            log.warning(
                "could not record the end of the launch: %s: %s", type(error).__name__, error
            )
        sys.stderr.write(
            f"golive: the Prefect API has not answered for {seconds:.0f} s: ending the launch "
            f"process (exit {EXIT_CODE}); production stays as it is until the server is back and "
            "its heartbeat automation rolls the launch back\n"
        )
        sys.stderr.flush()
        os._exit(EXIT_CODE)  # not sys.exit: Prefect would retry reporting the crash for minutes

    return on_lost


@contextmanager
def watching_the_api(scribe: Scribe) -> Iterator[ApiWatchdog | None]:
    """Watch the API for the launch's duration, if this process is a worker's flow run; the scribe
    writes the timeline entry before the process ends."""
    lost_after = lost_after_from_env()
    if lost_after is None:
        yield None
        return
    from prefect.settings import PREFECT_API_KEY, PREFECT_API_URL

    api_url, api_key = PREFECT_API_URL.value(), PREFECT_API_KEY.value()
    if not api_url:
        yield None
        return
    # Not stopped when the launch's body ends: the process still reports the launch's ending to
    # the API after it, and Prefect retries that for minutes against a server that is gone. The
    # watch is a daemon thread, so it ends with the process.
    yield ApiWatchdog(
        lambda: api_answers(api_url, api_key), lost_after, _end_the_launch(scribe)
    ).start()
