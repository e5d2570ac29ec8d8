"""Is production already rolled back? (pure: weights and origin paths in, answer out)

"Rolled back" is judged by what users are served: traffic all on stable, and — for a
full rollback — every origin users can reach (all but a canary origin at weight 0)
back at the path the backup manifest recorded. A canary origin still pointing at the
new release serves nobody; a full rollback tidies it without counting as a rollback.
"""

from __future__ import annotations

from collections.abc import Mapping


def on_stable(weights: Mapping[str, int]) -> bool:
    return weights.get("canary", 0) == 0 and weights.get("stable", 0) > 0


def stale_origins(origins: Mapping[str, str], recorded: Mapping[str, str]) -> dict[str, str]:
    """Origin id -> recorded path, for each origin not at its recorded path."""
    return {k: v for k, v in recorded.items() if origins.get(k) != v}


def already_rolled_back(
    mode: str,
    weights: Mapping[str, int],
    origins: Mapping[str, str],
    recorded: Mapping[str, str] | None,
    canary_origin_id: str | None = None,
) -> bool:
    if not on_stable(weights):
        return False
    if mode == "emergency" or not recorded:
        return True
    return not {k for k in stale_origins(origins, recorded) if k != canary_origin_id}
