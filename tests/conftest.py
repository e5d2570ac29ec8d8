"""Shared fixtures: one sandbox and one Prefect API server per test session (per xdist worker).

PREFECT_API_URL and PREFECT_HOME are set here, before anything imports prefect, so that
every flow the tests run (in any thread) talks to the session's real server.

A Ctrl-C (or SIGTERM) ends the run in seconds and leaves nothing running: the session's
servers are stopped by their fixtures, shielded from a second interrupt (`uv run` forwards
the terminal's SIGINT again), and anything this process still runs against them afterwards
(a launch thread the interrupt left behind) drops its API logs and events instead of retrying.
xdist gives each worker 10 s to end after a Ctrl-C and then kills it, teardown finished or not
(a busy machine, a server slow to answer): so every process of the run carries the run's tag
(RUN_TAG, in the environment it inherits), and the run's own process stops, at its end, whatever
of the run still runs — the sandbox and server of a worker killed mid-teardown, in sessions of
their own, would be left running otherwise.
"""

from __future__ import annotations

import logging
import os
import signal
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from golive.local.prefect_server import free_port

_PREFECT_PORT = free_port()
_PREFECT_HOME = Path(tempfile.mkdtemp(prefix="golive-test-prefect-"))
os.environ["PREFECT_HOME"] = str(_PREFECT_HOME)
os.environ["PREFECT_API_URL"] = f"http://127.0.0.1:{_PREFECT_PORT}/api"
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "INFO")

from golive.local import prefect_server  # noqa: E402
from golive.local.processes import carrying, groups_of, no_interrupts, stop_groups  # noqa: E402
from sandbox import manager  # noqa: E402

RUN_TAG = "GOLIVE_TEST_RUN"
PROBE_TURNS = (
    "GOLIVE_PROBE_TURNS"  # tasks.metrics.turns.ENV, not imported: prefect is not yet configured
)


def _terminate_as_interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def _is_the_run(config: pytest.Config) -> bool:
    """Whether this process is the run itself (xdist's controller, or the one process of `-n 0`)."""
    return not hasattr(config, "workerinput")


def pytest_configure(config: pytest.Config) -> None:
    # SIGTERM (CI, `timeout`, a closing terminal) ends the run like Ctrl-C: fixtures tear down.
    signal.signal(signal.SIGTERM, _terminate_as_interrupt)
    if _is_the_run(config):  # before xdist starts its workers: they, and all they start, inherit it
        os.environ[RUN_TAG] = uuid.uuid4().hex
        # The workers' launches each probe a sandbox of their own on the same cores: their probes
        # (and share counts) take turns, or each would measure the other's load (tasks/metrics/turns.py).
        os.environ[PROBE_TURNS] = str(
            Path(tempfile.gettempdir()) / f"golive-probe-turns-{os.environ[RUN_TAG]}.lock"
        )


@pytest.hookimpl(tryfirst=True)
def pytest_xdist_auto_num_workers(config: pytest.Config) -> int | None:
    """`-n auto` (pyproject.toml): one worker per two cores, after one core left to a neighbour.

    A worker's launch measures latency: its probe's client and its sandbox's servers each need a
    core that nothing else wants, or the probe measures the machine. On two cores with one kept busy
    (`newcomer-check`), two workers starved each other's probes about once a run (Gate A "probe
    saturated" four probes in a row, a healthy PartsDesk staging at part p95 367 ms against 250 ms),
    though their probes already took turns. PYTEST_XDIST_AUTO_NUM_WORKERS still decides when set."""
    if os.environ.get("PYTEST_XDIST_AUTO_NUM_WORKERS"):
        return None  # xdist's own hook reads it
    cores = len(os.sched_getaffinity(0))
    return max(1, (cores - 1) // 2)


@pytest.hookimpl(tryfirst=True)
def pytest_keyboard_interrupt(excinfo: pytest.ExceptionInfo[BaseException]) -> None:
    # An interrupt closes pytest's capture files at once, before the fixtures tear down, while a
    # launch thread may still log. Each of its records then fails on the closed file, and the stdlib
    # reports that through `print`, which the flows' log_prints=True turns into one more record:
    # an endless "--- Logging error ---" loop that holds the handler's lock, so the process never
    # exits. Failed records are dropped silently instead.
    logging.raiseExceptions = False


def pytest_unconfigure(config: pytest.Config) -> None:
    logging.raiseExceptions = False  # the same after a normal end: the capture files close next
    if _is_the_run(
        config
    ):  # after xdist's workers ended: what of the run still runs has no owner left
        with no_interrupts():
            stop_groups(groups_of(carrying(RUN_TAG, os.environ[RUN_TAG])), grace=5)
        Path(os.environ[PROBE_TURNS]).unlink(missing_ok=True)


# `--dist loadfile` (pyproject.toml): a file's tests run on one xdist worker, in order, so its module
# fixtures (the healthy launch) run once and the tests on the deployed stack of a file, which kill and
# restart its workers, never overlap. (xdist's `loadgroup` does not work with pytest 9: it renames
# node ids, which pytest 9 no longer reads.) The longest files first, so that the workers end together.
_FIRST = [
    "tests/system/test_rollback_layers.py",
    "tests/system/test_clean_stops.py",
    "tests/integration/test_canary.py",
    "tests/integration/test_full_launch.py",
    "tests/system/test_deployment.py",
    "tests/integration/test_gate_a.py",
    "tests/integration/test_sandbox_router_contract.py",  # ~85 s: every simulated router's world
    "tests/integration/test_router_contract.py",
]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    rank = {name: number for number, name in enumerate(_FIRST)}
    items.sort(key=lambda item: rank.get(item.nodeid.split("::")[0], len(rank)))  # stable otherwise


@pytest.fixture
def in_process_aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """moto in this process (for the sandbox's own emulation code). The session sandbox may have
    set AWS_ENDPOINT_URL for this process: clients would then reach its moto server, past the
    in-process mock, and see what earlier tests left there."""
    import moto

    for key in [k for k in os.environ if k.startswith("AWS_ENDPOINT_URL")]:
        monkeypatch.delenv(key)
    with moto.mock_aws():
        yield


@pytest.fixture(scope="session")
def sandbox_session(tmp_path_factory: pytest.TempPathFactory) -> Iterator[manager.Sandbox]:
    state_dir = tmp_path_factory.mktemp("sandbox")
    running = manager.up(state_dir)
    # the runbook's variables and AWS_ENDPOINT_URL, for golive code running in this process
    saved = {k: os.environ.get(k) for k in running.environment()}
    os.environ.update(running.environment())
    try:
        yield running
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        with no_interrupts():
            manager.down(state_dir)


@pytest.fixture
def sandbox(sandbox_session: manager.Sandbox) -> Iterator[manager.Sandbox]:
    """The session's sandbox, as seeded: initial release live, weights 100/0, no faults."""
    sandbox_session.reset()
    yield sandbox_session


@pytest.fixture(scope="session")
def prefect_api() -> Iterator[prefect_server.PrefectServer]:
    """A real `prefect server start` (SQLite, UI off) on the port PREFECT_API_URL names."""
    server = prefect_server.start(_PREFECT_HOME / "server", port=_PREFECT_PORT, ui=False)
    try:
        yield server
    finally:
        with no_interrupts():
            _hang_up_on_the_api()
            prefect_server.stop(server)


def _hang_up_on_the_api() -> None:
    """From now on drop this process's API logs and events, and send what is already queued while
    the server still answers. Else a launch thread left running by an interrupt keeps queueing them,
    and at exit Prefect drains each queue against a server that is gone: about 7 s of reconnecting
    per event, two log lines each, into pytest's closed capture ("--- Logging error ---"), for as
    many minutes as there are events."""
    from prefect.events.clients import NullEventsClient
    from prefect.events.worker import EventsWorker
    from prefect.logging.handlers import APILogWorker, set_api_log_sink

    set_api_log_sink(lambda log: None)
    EventsWorker.set_client_override(NullEventsClient)
    APILogWorker.drain_all(timeout=30)
    EventsWorker.drain_all(timeout=30)


@pytest.fixture
def repo_root() -> Path:
    return Path(__file__).resolve().parent.parent
