"""Only the launch's own flow run sends heartbeats (the automation watches flow `golive`); its gates'
subflows do not, so none of them waits up to a second for a heartbeat thread when it ends."""

from __future__ import annotations

from prefect import flow
from prefect.settings import get_current_settings

from flows.heartbeats import subflows_without_heartbeats


@flow
def _gate() -> int | None:
    return get_current_settings().flows.heartbeat_frequency


@flow
def _launch() -> tuple[int | None, int | None, int | None]:
    before = get_current_settings().flows.heartbeat_frequency
    with subflows_without_heartbeats():
        inside = _gate()
    return before, inside, get_current_settings().flows.heartbeat_frequency


def test_subflows_started_inside_send_no_heartbeats_and_the_launch_keeps_its_own(
    prefect_api,
) -> None:  # noqa: ANN001
    before, inside, after = _launch()
    assert before is not None and before >= 30  # Prefect's default (180 s) or the worker's setting
    assert inside is None
    assert after == before
