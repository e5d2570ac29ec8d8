"""The metric-source contract (tasks.metrics.MetricsSource), run against every source the registry lists.

A new source is tested by being registered: it is parametrized in here at once, and
`test_every_registered_source_has_a_world` fails until WORLDS says how to point it at a real
HTTP server on 127.0.0.1 and how to give it nothing to measure. No mocks: the servers answer.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest

from blocks.plan import Environment, LaunchPlan, read_plan_file, validate_plan
from golive.core.judge import judge, judge_canary
from golive.local.prefect_server import free_port
from tasks.metrics import SAMPLE_COLUMNS, MetricsSource
from tasks.metrics.registry import METRIC_SOURCES, metric_source_problems
from tests.loopback import QuietHandler, serving

REPO = Path(__file__).resolve().parents[2]
IDS = {"columns": [{"appointments": [{"id": 11}, {"id": 12}, {"id": 13}]}]}


class _Api(QuietHandler):
    """A tiny healthy API: the board (also the id source) and every other path, served by the canary."""

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        body = json.dumps(IDS if self.path == "/api/admin/appointments/board" else {}).encode()
        self.answer(
            200,
            body,
            {
                "Content-Type": "application/json",
                "X-Golive-Version": "canary",
                "X-Golive-Release": "v2.0.0",
            },
        )


@dataclass(frozen=True)
class World:
    """How to put one kind of source in the contract's situations."""

    plan: Callable[[], LaunchPlan]  # a valid plan whose metrics.kind is this source
    nothing_to_measure: Callable[[LaunchPlan], LaunchPlan]  # the same plan with an empty window


def _probe_plan() -> LaunchPlan:
    raw = read_plan_file(REPO / "plans" / "sandbox.yaml")
    raw["metrics"] = {"kind": "probe"}
    raw["probe"] = {**raw["probe"], "requests_per_evaluation": 40, "concurrency": 4}
    raw["slos"]["min_samples"] = 10
    return validate_plan(raw, env={})


def _probe_sends_nothing(plan: LaunchPlan) -> LaunchPlan:
    # A probe's window is the requests it sends; no valid plan sends none, so the model is copied unchecked.
    return plan.model_copy(
        update={"probe": plan.probe.model_copy(update={"requests_per_evaluation": 0})}
    )


def _prometheus_plan() -> LaunchPlan:
    # Prometheus judges the canary on counts (tests/integration/test_prometheus_canary.py, a real
    # server); the samples a gate collects from it are the probe's.
    raw = _probe_plan().model_dump(mode="json", exclude_none=True)
    raw["metrics"] = {"kind": "prometheus", "prometheus": {"scrape_interval": "1s"}}
    raw["environments"]["production"]["metrics_url"] = "http://127.0.0.1:9090"
    return validate_plan(raw, env={})


def _cloudwatch_plan() -> LaunchPlan:
    # CloudWatch judges the canary on the ALB's counts (tests/integration/test_cloudwatch_counts.py,
    # the sandbox's ALB metrics); the samples a gate collects from it are the probe's.
    raw = _probe_plan().model_dump(mode="json", exclude_none=True)
    raw["metrics"] = {"kind": "cloudwatch", "cloudwatch": {"lag": "1s"}}
    raw["environments"]["production"]["router"]["kind"] = "alb"
    raw["canary"] |= {"evaluation_interval": "60s", "bake": "120s"}
    return validate_plan(raw, env={})


WORLDS: dict[str, World] = {
    "probe": World(_probe_plan, _probe_sends_nothing),
    "prometheus": World(_prometheus_plan, _probe_sends_nothing),
    "cloudwatch": World(_cloudwatch_plan, _probe_sends_nothing),
}
KINDS = METRIC_SOURCES.kinds()


@pytest.fixture(scope="module")
def api() -> Iterator[str]:
    with serving(_Api) as url:
        yield url


def _world(kind: str) -> tuple[MetricsSource, LaunchPlan]:
    if kind not in WORLDS:
        pytest.fail(f"metric source {kind!r} is registered but has no World in {__name__}")
    return METRIC_SOURCES.get(kind), WORLDS[kind].plan()


def _at(plan: LaunchPlan, url: str) -> Environment:
    return plan.environments.staging.model_copy(update={"api_base_url": url})


def _in_sample_columns(samples: pd.DataFrame) -> None:
    assert list(samples.columns) == list(SAMPLE_COLUMNS)
    assert {column: str(dtype) for column, dtype in samples.dtypes.items()} == SAMPLE_COLUMNS


def test_every_registered_source_has_a_world() -> None:
    assert sorted(WORLDS) == KINDS


@pytest.mark.parametrize("kind", KINDS)
def test_an_entry_declares_its_kind_settings_and_description(kind: str) -> None:
    source, plan = _world(kind)
    assert isinstance(source, MetricsSource) and source.kind == kind
    assert source.settings == f"metrics.{kind}" or source.settings in LaunchPlan.model_fields
    assert metric_source_problems(plan) == []
    described = source.describe(plan)
    assert described.startswith(f"{kind}: ") and "\n" not in described


@pytest.mark.parametrize("kind", KINDS)
def test_samples_come_in_exactly_the_sample_columns(kind: str, api: str) -> None:
    source, plan = _world(kind)
    samples = source.collect(plan, _at(plan, api))
    _in_sample_columns(samples)
    assert len(samples) > 0 and not samples["error"].any()
    assert set(samples["version"]) == {"canary"} and set(samples["release"]) == {"v2.0.0"}


@pytest.mark.parametrize("kind", KINDS)
def test_an_empty_window_is_an_empty_frame_and_never_a_pass(kind: str, api: str) -> None:
    source, plan = _world(kind)
    empty = WORLDS[kind].nothing_to_measure(plan)
    samples = source.collect(empty, _at(empty, api))
    _in_sample_columns(samples)
    assert len(samples) == 0
    assert judge(samples, plan.slos, version="canary").status == "inconclusive"
    assert (
        judge_canary(samples, plan.slos, plan.canary.compare_with_stable, {}, step=100).status
        == "inconclusive"
    )


@pytest.mark.parametrize("kind", KINDS)
def test_an_unreachable_source_is_an_error_or_fails_closed(kind: str) -> None:
    source, plan = _world(kind)
    dead = f"http://127.0.0.1:{free_port()}"  # bound, then closed: nothing listens there
    try:
        samples = source.collect(plan, _at(plan, dead))
    except Exception as error:  # noqa: BLE001 - an error is what the contract allows; say which
        assert str(error), f"{type(error).__name__} says nothing"
        return
    _in_sample_columns(samples)
    assert len(samples) > 0, (
        "no rows from a source that could not be reached: would read as 'no traffic'"
    )
    assert judge(samples, plan.slos).status in ("fail", "inconclusive")
    assert (
        judge_canary(samples, plan.slos, plan.canary.compare_with_stable, {}, step=100).status
        != "pass"
    )
