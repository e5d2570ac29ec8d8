"""The metric source `probe`: its registry entry (the measuring is `tasks/metrics/probe.py`).

The entry is apart from the probe itself because every plan load checks the plan's source
against the registry, an emergency rollback's too, and the probe's stack (pandas, aiohttp,
uvloop) takes seconds to import: it is imported when the first samples are collected.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

    from blocks.plan import Environment, LaunchPlan, Problem

__all__ = ["FALLBACK_TARGET", "PROBE_SOURCE", "ProbeSource"]

# With no latency SLOs there is still an error rate to measure: probe the health path.
FALLBACK_TARGET = ("health", "/health")


@dataclass(frozen=True)
class ProbeSource:
    """A MetricsSource: one probe of the environment's API per evaluation, one sample per request.

    Its settings are the plan's top-level `probe:` section, as before sources had kinds, so
    existing plans do not change; the plan model validates them (ProbeConfig)."""

    kind: str = "probe"
    settings: str = "probe"

    def problems(self, plan: LaunchPlan) -> list[Problem]:
        return []  # ProbeConfig and LaunchPlan's cross-checks ({id} needs probe.id_source) already ran

    def describe(self, plan: LaunchPlan) -> str:
        config = plan.probe
        targets = ", ".join(slo.path for slo in plan.slos.latency) or FALLBACK_TARGET[1]
        pace = f"at {config.rate.text}" if config.rate is not None else "closed loop"
        return (
            f"probe: {config.requests_per_evaluation} synthetic requests per evaluation to {targets}, "
            f"{config.concurrency} in flight, {pace}; each answer's arm by "
            + (
                f"the release its {plan.release_header} names"
                if plan.arms.by == "release"
                else f"its {plan.version_header} value"
            )
        )

    def collect(self, plan: LaunchPlan, environment: Environment) -> pd.DataFrame:
        from tasks.metrics.probe import probe

        return probe(environment.api_base_url, plan)


PROBE_SOURCE = ProbeSource()
