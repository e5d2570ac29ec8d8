"""Run the launch flow on the real Prefect API with a scripted approver, and inspect what it left."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import (
    ArtifactFilter,
    ArtifactFilterFlowRunId,
    FlowRunFilter,
    FlowRunFilterParentFlowRunId,
)
from prefect.client.schemas.sorting import ArtifactSort
from prefect.states import State

from golive.local.approvals_client import PendingApproval
from golive.local.approver_bot import Answer, ApproverBot, Policy

REPO = Path(__file__).resolve().parents[2]
# The launches and gates the tests run use the rehearsal plan: plans/sandbox.yaml with shorter
# timings and smaller volumes only (tests/unit/test_rehearsal_plan.py). A test about the full
# timing (the healthy launch, Gate G's window) names plans/sandbox.yaml.
SANDBOX_PLAN = "plans/sandbox.yaml"
REHEARSAL = "plans/rehearsal.yaml"


def approve_all(approver: str = "bob") -> Policy:
    def policy(pending: PendingApproval) -> Answer | None:
        if pending.who_field == "signer":
            return (pending.eligible[0], "approve", "UAT done")
        return (approver, "approve", "looks good")

    return policy


def scripted(answers: dict[str, Answer], default: Policy | None = None) -> Policy:
    """Answer pause keys from a script (e.g. {"gate-a-approval": ("bob", "reject", "no")})."""
    fallback = default or approve_all()

    def policy(pending: PendingApproval) -> Answer | None:
        return answers.get(pending.pause_key) or fallback(pending)

    return policy


def never() -> Policy:
    return lambda pending: None


@dataclass
class LaunchResult:
    state: State
    answered: list[tuple[Any, Any, Any]] = field(default_factory=list)

    @property
    def message(self) -> str:
        return str(self.state.message or "")

    def error(self) -> BaseException | None:
        try:
            self.state.result()
        except BaseException as error:  # noqa: BLE001 - the test inspects it
            return error
        return None


def run_launch(
    release: str,
    driver: str = "dana",
    plan: str | Path = REHEARSAL,
    policy: Policy | None = None,
    timeout: float = 90,
) -> LaunchResult:
    from flows.launch import golive

    policy = policy or approve_all()
    box: dict[str, State] = {}
    with ApproverBot(policy) as bot:
        # A daemon: if the run is interrupted, the launch must not keep the test process alive.
        worker = threading.Thread(
            target=lambda: box.setdefault(
                "state", golive(release=release, driver=driver, plan=str(plan), return_state=True)
            ),
            daemon=True,
        )
        worker.start()
        worker.join(timeout)
        assert not worker.is_alive(), (
            f"launch of {release} did not finish within {timeout}s; "
            f"approver answered {bot.answered}, errors {bot.errors}"
        )
    return LaunchResult(box["state"], bot.answered)


def run_gate(
    gate_flow: Callable[..., Any],
    *args: Any,
    policy: Policy | None = None,
    timeout: float = 90,
    **kwargs: Any,
) -> LaunchResult:
    """Run one gate's flow on its own, with the scripted approver answering its sign-offs, as
    run_launch does for a whole launch. The gate runs as the subflow of a flow that does nothing
    else (no pre-flight, no reports, no hooks), so its failure reaches the caller as the exception
    it raised, as in a launch (a top-level run's state can be the server's instead, e.g. on a pause
    that timed out)."""
    from prefect import flow

    @flow(name="one-gate", flow_run_name=f"{getattr(gate_flow, 'name', 'gate')} alone")
    def one_gate() -> Any:
        return gate_flow(*args, **kwargs)

    box: dict[str, State] = {}
    with ApproverBot(policy or approve_all()) as bot:
        worker = threading.Thread(
            target=lambda: box.setdefault("state", one_gate(return_state=True)), daemon=True
        )
        worker.start()
        worker.join(timeout)
        assert not worker.is_alive(), (
            f"{getattr(gate_flow, 'name', gate_flow)} did not finish within {timeout}s; "
            f"approver answered {bot.answered}, errors {bot.errors}"
        )
    return LaunchResult(box["state"], bot.answered)


def signed_uat(plan: Any) -> list[Any]:
    """Gate A's evidence that every UAT signer signed, as Gate B reads it."""
    from golive.core.checks import CheckResult

    return [
        CheckResult(
            name=f"UAT: {name}", status="pass", value="approved", threshold="required signer"
        )
        for name in plan.roles.uat_signers
    ]


def plan_variant(tmp_path: Path, base: str | Path = REHEARSAL, **changes: Any) -> Path:
    """A repo plan (the rehearsal's unless `base` says) with sections updated — `canary__bake="1s"`
    sets canary.bake — written under tmp_path with its build path made absolute (the base plan's is
    relative to the base plan's directory)."""
    data = yaml.safe_load((REPO / base).read_text())
    for dotted, value in changes.items():
        target = data
        *parents, leaf = dotted.split("__")
        for key in parents:
            target = target[key]
        target[leaf] = value
    data["build"]["working_dir"] = str(
        ((REPO / base).parent / data["build"]["working_dir"]).resolve()
    )
    path = tmp_path / "plans" / "variant.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def artifacts_of(flow_run_id: Any) -> dict[str, Any]:
    """Artifacts of a launch and its subflows, latest per key."""
    with get_client(sync_client=True) as client:
        children = client.read_flow_runs(
            flow_run_filter=FlowRunFilter(
                parent_flow_run_id=FlowRunFilterParentFlowRunId(any_=[flow_run_id])
            )
        )
        run_ids = [flow_run_id, *[c.id for c in children]]
        found = {}
        for run_id in run_ids:
            for artifact in client.read_artifacts(
                artifact_filter=ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=[run_id])),
                sort=ArtifactSort.CREATED_DESC,
            ):
                if artifact.key:
                    found.setdefault(artifact.key, artifact)
        return found


class WhenRouting:
    """While a launch runs: once `ready(routing)` holds (polled every 50 ms), do `act(sandbox)` once."""

    def __init__(
        self, sandbox: Any, ready: Callable[[dict[str, Any]], bool], act: Callable[[Any], object]
    ) -> None:
        self.sandbox, self.ready, self.act = sandbox, ready, act
        self.injected_at: float | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def __enter__(self) -> WhenRouting:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(5)

    def _watch(self) -> None:
        while not self._stop.wait(0.05):
            if self.ready(self.sandbox.routing()):
                self.act(self.sandbox)
                self.injected_at = time.monotonic()
                return


def at_canary(percent: int) -> Callable[[dict[str, Any]], bool]:
    return lambda routing: routing["weights"]["canary"] == percent
