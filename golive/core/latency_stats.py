"""The latency statistics an SLO can name: mean, p50, p90, p95, p99 (pure)."""

from __future__ import annotations

import numpy as np

__all__ = ["QUANTILES", "latency_stat"]

QUANTILES = {"p50": 50.0, "p90": 90.0, "p95": 95.0, "p99": 99.0}


def latency_stat(latencies: np.ndarray, stat: str) -> float:
    """mean | p50 | p90 | p95 | p99 (linear interpolation between samples) of a non-empty array."""
    if stat == "mean":
        return float(np.mean(latencies))
    return float(np.percentile(latencies, QUANTILES[stat]))
