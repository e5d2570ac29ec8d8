"""Clean stops: a Ctrl-C of a test run or of `golive demo`, and a Prefect server that goes away under a
running launch, end in seconds and leave no process behind.

Each case runs the real thing as a child in its own process group, as a terminal would, and marks it
with a stack tag in its environment (golive/processes.py): every process it starts inherits the tag —
sandbox daemon, moto, Prefect server, workers, the flow runs the workers start — so what is left after
is found in /proc by the tag, whoever its parent was.

The Ctrl-C lands on a launch that is certain to be running: one of its sign-offs is held (never
answered), so it cannot end first. And the child starts with SIGINT at its default, as a terminal's
foreground job does: a test run started in the background by a shell without job control (`make test
&` in a script) ignores SIGINT, every child would inherit that (exec keeps an ignored signal, and
Python then leaves it ignored), and the Ctrl-C would reach nobody: the launch would run on.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from prefect.settings import PREFECT_API_URL, temporary_settings

from golive.local.approvals_client import pending_approvals
from golive.local.approver_bot import HOLD_ENV
from golive.local.processes import alive, stack_tag, tagged
from sandbox import manager
from tasks.timeline_store import read_timeline
from tests.integration.helpers import aws

pytestmark = pytest.mark.system

REPO = Path(__file__).resolve().parents[2]
INTERRUPTED_RUN = REPO / "tests" / "system" / "interrupted" / "launch_to_interrupt.py"
# generous: every stop path is bounded by a 10 s grace and a SIGKILL; a busy 2-core machine doubles it
EXIT_WITHIN_S = 60


def wait_until(
    what: str, check: Callable[[], object], timeout: float, every: float = 0.25
) -> object:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if result := check():
            return result
        time.sleep(every)
    raise AssertionError(f"not within {timeout:.0f}s: {what}")


class Child:
    """A command in its own session, tagged, its output in a file."""

    def __init__(self, argv: list[str], tag_home: Path, env: dict[str, str], log: Path) -> None:
        self.tag_home, self.log = tag_home, log
        self.process = subprocess.Popen(
            argv,
            cwd=REPO,
            env={**outside_env(), **stack_tag(tag_home), **env},
            stdout=log.open("wb"),
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
            preexec_fn=_default_interrupts,
        )

    @property
    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def running(self) -> bool:
        return self.process.poll() is None

    def interrupt(self) -> int:
        """Ctrl-C: SIGINT to the whole process group. Returns the exit code; fails if it does not exit."""
        os.killpg(self.process.pid, signal.SIGINT)
        return self.wait()

    def wait(self, timeout: float = EXIT_WITHIN_S) -> int:
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            left = describe(tagged(self.tag_home))
            raise AssertionError(
                f"still running {timeout:.0f}s on; its processes:\n{left}\noutput:\n{self.output[-4000:]}"
            ) from None

    def kill(self) -> None:
        for pid in tagged(self.tag_home):
            try:
                os.killpg(os.getpgid(pid), signal.SIGKILL)
            except ProcessLookupError:
                pass


def _default_interrupts() -> None:
    """In the child, before exec: SIGINT as a terminal gives its foreground job (see the module's doc)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def outside_env() -> dict[str, str]:
    """This session's environment without what its fixtures set (Prefect, sandbox, pytest): the child
    sets up its own, as a fresh terminal would."""
    ours = (
        "PYTEST_",
        "PREFECT_",
        "GOLIVE_",
        "AWS_",
        "STAGING_",
        "PROD_",
        "S3_BUCKET",
        "CLOUDFRONT_DIST_ID",
    )
    return {k: v for k, v in os.environ.items() if not k.startswith(ours)}


def describe(pids: list[int]) -> str:
    lines = []
    for pid in pids:
        try:
            command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        lines.append(f"{pid}: {command}")
    return "\n".join(lines)


def left_behind(tag_home: Path) -> str:
    """What still runs of the child's processes, after a moment for SIGKILLed ones to be reaped."""
    try:
        wait_until("every process of the run gone", lambda: not tagged(tag_home), 5)
    except AssertionError:
        pass
    return describe(tagged(tag_home))


def command_lines(tag_home: Path) -> str:
    return describe(tagged(tag_home))


def assert_no_logging_loop(output: str) -> None:
    assert "Logging error" not in output, output[-4000:]
    assert output.count("Error logging to API") <= 1, output[-4000:]


def test_ctrl_c_of_a_test_run_mid_launch_stops_everything_in_seconds(tmp_path: Path) -> None:
    marker = tmp_path / "launch-running"
    # as `make test` runs it: the project's options, so two xdist workers
    run = Child(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "--basetemp",
            str(tmp_path / "run"),
            str(INTERRUPTED_RUN),
        ],
        tmp_path,
        {"GOLIVE_INTERRUPT_MARKER": str(marker)},
        tmp_path / "pytest.log",
    )
    try:
        # Gate A at work; its last sign-off is held, so the launch is still running when the Ctrl-C lands
        wait_until("the launch running Gate A", lambda: marker.exists() or not run.running(), 300)
        assert run.running(), run.output[-4000:]
        up = command_lines(tmp_path)
        assert "sandbox.daemon" in up and "moto.server" in up and "prefect server start" in up, up

        code = run.interrupt()
    finally:
        run.kill()
    assert code != 0 and "KeyboardInterrupt" in run.output, run.output[-4000:]
    assert left_behind(tmp_path) == ""
    assert_no_logging_loop(run.output)


def start_demo(tmp_path: Path, hold: str = "") -> tuple[Child, Path]:
    """`golive demo` on the rehearsal plan; its sandbox approver leaves the sign-off `hold` unanswered."""
    home = tmp_path / "home"
    demo = Child(
        [sys.executable, "-m", "golive.cli", "demo", "--plan", "plans/rehearsal.yaml"],
        home,
        {"GOLIVE_HOME": str(home), HOLD_ENV: hold},
        tmp_path / "demo.log",
    )
    return demo, home


def running_launch(demo: Child, home: Path) -> tuple[int, str]:
    """The launch's flow run (its process, started by the demo's worker, and its id) once it runs
    the runbook: its timeline has begun."""

    def find() -> tuple[int, str] | None:
        assert demo.running(), demo.output[-4000:]
        sandbox = manager.status(home / "sandbox")
        launches = launch_ids(sandbox) if sandbox else []
        for pid in tagged(home):
            try:
                if launches and b"prefect.engine" in Path(f"/proc/{pid}/cmdline").read_bytes():
                    return pid, launches[0]
            except OSError:
                continue
        return None

    return wait_until("the launch running on the demo's worker", find, 400, every=0.5)  # type: ignore[return-value]


def launch_ids(sandbox: manager.Sandbox) -> list[str]:
    listed = aws(sandbox, "s3").list_objects_v2(
        Bucket=sandbox.environment()["S3_BUCKET"], Prefix="golive/launches/", Delimiter="/"
    )
    return [p["Prefix"].split("/")[2] for p in listed.get("CommonPrefixes", [])]


def waiting_for(demo: Child, home: Path, pause_key: str) -> bool:
    """Whether a run of the demo's launch is paused for the sign-off `pause_key` (on the demo's server)."""
    assert demo.running(), demo.output[-4000:]
    server = home / "prefect" / "server.json"
    if not server.exists():
        return False
    with temporary_settings(
        {PREFECT_API_URL: f"http://127.0.0.1:{json.loads(server.read_text())['port']}/api"}
    ):
        return any(p.pause_key == pause_key for p in pending_approvals())


def test_ctrl_c_of_golive_demo_stops_the_whole_stack(tmp_path: Path) -> None:
    held = "preflight-green-light"
    demo, home = start_demo(tmp_path, hold=held)
    try:
        # the launch runs on the demo's worker and waits for pre-flight's sign-off, which nobody gives
        wait_until(
            "the demo's launch waiting for its pre-flight sign-off",
            lambda: waiting_for(demo, home, held),
            400,
            every=0.5,
        )
        code = demo.interrupt()
    finally:
        demo.kill()
    assert code == 130, demo.output[-4000:]
    assert (
        "Interrupted" in demo.output and "Stopped: workers, prefect server, sandbox" in demo.output
    )
    assert left_behind(home) == ""
    assert_no_logging_loop(demo.output)


def test_a_server_that_goes_away_ends_the_launch_and_the_demo_then_golive_stop_leaves_nothing(
    tmp_path: Path,
) -> None:
    demo, home = start_demo(tmp_path)
    try:
        launch, launch_id = running_launch(demo, home)
        server = json.loads((home / "prefect" / "server.json").read_text())
        os.killpg(server["pid"], signal.SIGKILL)

        # the launch's API watchdog (10 s on the local stack) ends its process; the demo gives up too
        wait_until("the launch's process ended", lambda: not alive(launch), EXIT_WITHIN_S)
        assert demo.wait() == 1, demo.output[-4000:]
        assert "stopped answering" in demo.output, demo.output[-4000:]
        sandbox = manager.status(home / "sandbox")
        assert sandbox, "the demo's sandbox is still up"
        entries = read_timeline(aws(sandbox, "s3"), sandbox.environment()["S3_BUCKET"], launch_id)
        assert [e.actor for e in entries if e.kind == "launch" and e.event == "crashed"] == [
            "golive (API watchdog)"
        ], [(e.kind, e.event, e.summary) for e in entries]

        stop = subprocess.run(
            [sys.executable, "-m", "golive.cli", "stop"],
            cwd=REPO,
            capture_output=True,
            text=True,
            env={**outside_env(), "GOLIVE_HOME": str(home)},
            timeout=EXIT_WITHIN_S,
        )
        assert stop.returncode == 0 and "workers" in stop.stdout and "sandbox" in stop.stdout, (
            stop.stdout
        )
    finally:
        demo.kill()
    assert left_behind(home) == ""
    assert_no_logging_loop(demo.output)
