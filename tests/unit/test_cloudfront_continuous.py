"""golive's continuous deployment functions: the pure policy, and each function run twice against
the sandbox's emulation in-process (tests/unit/test_cloudfront_cd.py's boto3 harness over moto)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from tasks.cloudfront import origin_paths
from tasks.frontend.continuous_deployment import (
    MAX_STAGING_WEIGHT,
    detach_policy,
    ensure_staging_distribution,
    policy_config,
    promote_staging,
    set_staging_weight,
    staging_state,
)
from tests.unit.test_cloudfront_cd import world  # noqa: F401  (the fixture)


def test_policy_config_is_a_single_weight_policy_within_the_quota() -> None:
    sticky = policy_config("d1.cloudfront.net", 0.1, sticky=True)
    assert sticky["TrafficConfig"]["SingleWeightConfig"] == {
        "Weight": 0.1,
        "SessionStickinessConfig": {"IdleTTL": 300, "MaximumTTL": 3600},
    }
    assert policy_config("d1.cloudfront.net", MAX_STAGING_WEIGHT, sticky=False)["Enabled"]
    for weight in (-0.01, 0.151, 0.2):
        with pytest.raises(ValueError, match="0..0.15"):
            policy_config("d1.cloudfront.net", weight, sticky=False)


def test_every_step_is_idempotent(world: SimpleNamespace) -> None:  # noqa: F811
    cf, primary = world.cf, world.primary
    staging = ensure_staging_distribution(cf, primary, "stable", "/releases/v2")
    assert ensure_staging_distribution(cf, primary, "stable", "/releases/v2") == staging
    assert len(cf.list_distributions()["DistributionList"]["Items"]) == 2
    policy = set_staging_weight(cf, primary, staging, 0.1, sticky=False)
    assert set_staging_weight(cf, primary, staging, 0.1, sticky=False) == policy
    assert world.cd.split_for(primary).weight == 0.1
    assert promote_staging(cf, primary, staging) is True
    assert promote_staging(cf, primary, staging) is False
    assert origin_paths(cf, primary)["stable"] == "/releases/v2"
    assert detach_policy(cf, primary) == policy
    assert detach_policy(cf, primary) is None
    assert world.cd.split_for(primary) is None
    # after a rollback the next canary reuses the same staging distribution and policy
    assert ensure_staging_distribution(cf, primary, "stable", "/releases/v3") == staging
    assert set_staging_weight(cf, primary, staging, 0.05, sticky=True) == policy
    state = staging_state(cf, primary)
    assert state["enabled"] and state["weight"] == 0.05 and state["sticky"] is True
    assert state["staging_origin_paths"]["stable"] == "/releases/v3"
