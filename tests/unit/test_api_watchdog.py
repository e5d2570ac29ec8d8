"""The launch's API watchdog: when it fires, and for which processes."""

from __future__ import annotations

import socket
import threading

import pytest

from flows.api_watchdog import (
    DEFAULT_LOST_AFTER_S,
    LOST_AFTER_ENV,
    ApiWatchdog,
    api_answers,
    lost_after_from_env,
)


def test_fires_once_the_api_has_been_silent_long_enough() -> None:
    answers = iter([True, False, True, False, False, False, False, False, False, False, False])
    fired: list[float] = []
    done = threading.Event()
    watchdog = ApiWatchdog(
        lambda: next(answers, False),
        lost_after=0.1,
        every=0.02,
        on_lost=lambda seconds: (fired.append(seconds), done.set()),
    )
    watchdog.start()
    assert done.wait(5)
    watchdog.stop()
    assert len(fired) == 1 and fired[0] >= 0.1  # the answer in between reset the count


def test_an_api_that_answers_never_fires() -> None:
    fired: list[float] = []
    watchdog = ApiWatchdog(lambda: True, lost_after=0.05, every=0.01, on_lost=fired.append).start()
    threading.Event().wait(0.3)
    watchdog.stop()
    assert fired == []


def test_a_refused_connection_is_no_answer_but_a_slow_server_is_there() -> None:
    assert not api_answers("http://127.0.0.1:9/api", timeout=1)  # the discard port: refused
    with socket.socket() as busy:  # takes connections (the kernel's backlog) and never answers
        busy.bind(("127.0.0.1", 0))
        busy.listen(8)
        assert api_answers(f"http://127.0.0.1:{busy.getsockname()[1]}/api", timeout=0.5)


@pytest.mark.parametrize(
    ("flow_run", "setting", "expected"),
    [
        (None, None, None),  # a launch in the caller's process: never watched
        ("run-id", None, DEFAULT_LOST_AFTER_S),
        ("run-id", "10", 10.0),
        ("run-id", "0", None),  # turned off
        ("run-id", "soon", DEFAULT_LOST_AFTER_S),  # not a number: the default, with a warning
    ],
)
def test_which_processes_are_watched(
    monkeypatch: pytest.MonkeyPatch,
    flow_run: str | None,
    setting: str | None,
    expected: float | None,
) -> None:
    for name, value in (("PREFECT__FLOW_RUN_ID", flow_run), (LOST_AFTER_ENV, setting)):
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)
    assert lost_after_from_env() == expected


def test_the_watch_outlives_the_launchs_body(monkeypatch: pytest.MonkeyPatch) -> None:
    """After the body ends the process still reports the ending to the API, which Prefect retries
    for minutes when the server is gone: the watch must still end the process then."""
    from prefect.settings import PREFECT_API_URL, temporary_settings

    import flows.api_watchdog as watchdog_module

    fired = threading.Event()
    monkeypatch.setattr(watchdog_module, "_end_the_launch", lambda scribe: lambda s: fired.set())
    monkeypatch.setenv("PREFECT__FLOW_RUN_ID", "run-id")
    monkeypatch.setenv(LOST_AFTER_ENV, "0.2")
    with temporary_settings({PREFECT_API_URL: "http://127.0.0.1:9/api"}):  # refused
        with watchdog_module.watching_the_api(scribe=None) as watch:  # type: ignore[arg-type]
            assert watch is not None
    assert fired.wait(5), "the watch stopped with the launch's body"
