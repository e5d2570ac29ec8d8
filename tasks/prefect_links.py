"""Links into the Prefect UI, for messages and refusals that point a person at a run."""

from __future__ import annotations


def ui_base_url() -> str | None:
    """The UI's address: PREFECT_UI_URL, else the API's address without `/api` (a server
    serves both); None when neither is set."""
    from prefect.settings import PREFECT_API_URL, PREFECT_UI_URL

    ui = PREFECT_UI_URL.value()
    if ui:
        return str(ui).rstrip("/")
    api = PREFECT_API_URL.value()
    if not api:
        return None
    api = str(api).rstrip("/")
    return api.removesuffix("/api") if api.endswith("/api") else None


def flow_run_url(flow_run_id: str) -> str | None:
    base = ui_base_url()
    return f"{base}/runs/flow-run/{flow_run_id}" if base else None
