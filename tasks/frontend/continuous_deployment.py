"""CloudFront continuous deployment: a weighted canary of a *site* (a distribution serves one
origin per cache behaviour, so the split is CloudFront's: a staging distribution and a policy).

Plain functions over a boto3 cloudfront client, each idempotent (a re-run after a crash or a
success does no harm and changes nothing that is already so):

- `ensure_staging_distribution`: the primary's staging distribution (the attached policy's, else
  the copy golive made, found by its caller reference, else a new CopyDistribution), its origin
  pointed at the new release.
- `set_staging_weight`: create and attach the policy, or update it (IfMatch) to the weight.
- `promote_staging`: UpdateDistributionWithStagingConfig; CloudFront then disables the policy.
- `detach_policy`: the rollback; the primary serves every viewer again.
- `staging_state`: what is attached, at what weight, and the staging's origin paths.
"""

from __future__ import annotations

from typing import Any

from tasks.aws_errors import aws_action
from tasks.cloudfront import origin_paths, point_origin

# The most a weight-based policy may send to staging: "Maximum percentage of traffic you can send
# to a staging distribution in a weight-based configuration: 15%" (CloudFront Developer Guide,
# "Quotas and other considerations for continuous deployment"; API reference,
# ContinuousDeploymentSingleWeightConfig.Weight: "between 0 and 0.15").
MAX_STAGING_WEIGHT = 0.15
# Session stickiness TTLs may be 300-3600 s each (SessionStickinessConfig); a viewer keeps its
# side for up to an hour, and a new session after five idle minutes.
STICKY_IDLE_TTL_S = 300
STICKY_MAXIMUM_TTL_S = 3600


def staging_caller_reference(primary_id: str) -> str:
    """The CallerReference of the staging copy golive makes of a primary: one per primary."""
    return f"golive-staging-{primary_id}"


def _distribution_config(cf: Any, distribution_id: str) -> tuple[dict[str, Any], str]:
    with aws_action("cloudfront:GetDistributionConfig", f"distribution {distribution_id}"):
        current = cf.get_distribution_config(Id=distribution_id)
    return current["DistributionConfig"], current["ETag"]


def _policy_config(cf: Any, policy_id: str) -> tuple[dict[str, Any], str]:
    with aws_action(
        "cloudfront:GetContinuousDeploymentPolicyConfig",
        f"continuous deployment policy {policy_id}",
    ):
        current = cf.get_continuous_deployment_policy_config(Id=policy_id)
    return current["ContinuousDeploymentPolicyConfig"], current["ETag"]


def _summaries(cf: Any) -> list[dict[str, Any]]:
    with aws_action("cloudfront:ListDistributions", "distributions"):
        pages = cf.get_paginator("list_distributions").paginate()
        return [item for page in pages for item in page["DistributionList"].get("Items") or []]


def _domain_name(cf: Any, distribution_id: str) -> str:
    with aws_action("cloudfront:GetDistribution", f"distribution {distribution_id}"):
        return cf.get_distribution(Id=distribution_id)["Distribution"]["DomainName"]


def attached_policy_id(cf: Any, primary_id: str) -> str | None:
    config, _ = _distribution_config(cf, primary_id)
    return config.get("ContinuousDeploymentPolicyId") or None


def _staging_of_policy(cf: Any, policy: dict[str, Any]) -> str | None:
    names = set(policy["StagingDistributionDnsNames"].get("Items") or [])
    return next((s["Id"] for s in _summaries(cf) if s["DomainName"] in names), None)


def _our_copy(cf: Any, primary_id: str) -> str | None:
    """The staging distribution golive copied from this primary before (none attached now)."""
    reference = staging_caller_reference(primary_id)
    for summary in _summaries(cf):
        if summary.get("Staging") is False or summary["Id"] == primary_id:
            continue  # (moto's summaries carry no Staging: each is read)
        config, _ = _distribution_config(cf, summary["Id"])
        if config.get("CallerReference") == reference and config.get("Staging"):
            return summary["Id"]
    return None


def staging_distribution_of(cf: Any, primary_id: str) -> str | None:
    """The primary's staging distribution: the attached policy's, else golive's own copy."""
    policy_id = attached_policy_id(cf, primary_id)
    staging_id = None
    if policy_id:
        staging_id = _staging_of_policy(cf, _policy_config(cf, policy_id)[0])
    return staging_id or _our_copy(cf, primary_id)


def ensure_staging_distribution(
    cf: Any, primary_id: str, origin_id: str | None, origin_path: str
) -> str:
    """The primary's staging distribution with `origin_id` at `origin_path`; its id."""
    staging_id = staging_distribution_of(cf, primary_id)
    if staging_id is None:
        with aws_action("cloudfront:GetDistribution", f"distribution {primary_id}"):
            etag = cf.get_distribution(Id=primary_id)["ETag"]
        with aws_action("cloudfront:CopyDistribution", f"distribution {primary_id} (staging copy)"):
            staging_id = cf.copy_distribution(
                PrimaryDistributionId=primary_id,
                Staging=True,
                IfMatch=etag,
                CallerReference=staging_caller_reference(primary_id),
                Enabled=True,
            )["Distribution"]["Id"]
    point_origin(cf, staging_id, origin_id, origin_path)
    return staging_id


def policy_config(
    staging_domain_name: str, weight: float, sticky: bool, enabled: bool = True
) -> dict[str, Any]:
    """A SingleWeight ContinuousDeploymentPolicyConfig (pure)."""
    if not 0 <= weight <= MAX_STAGING_WEIGHT:
        raise ValueError(
            f"a staging weight must be 0..{MAX_STAGING_WEIGHT} (CloudFront sends at most 15 % to a "
            f"staging distribution): {weight}"
        )
    single: dict[str, Any] = {"Weight": weight}
    if sticky:
        single["SessionStickinessConfig"] = {
            "IdleTTL": STICKY_IDLE_TTL_S,
            "MaximumTTL": STICKY_MAXIMUM_TTL_S,
        }
    return {
        "StagingDistributionDnsNames": {"Quantity": 1, "Items": [staging_domain_name]},
        "Enabled": enabled,
        "TrafficConfig": {"Type": "SingleWeight", "SingleWeightConfig": single},
    }


def _policy_for_staging(cf: Any, domain_name: str) -> str | None:
    with aws_action(
        "cloudfront:ListContinuousDeploymentPolicies", "continuous deployment policies"
    ):
        listing = cf.list_continuous_deployment_policies()["ContinuousDeploymentPolicyList"]
    for item in listing.get("Items") or []:
        policy = item["ContinuousDeploymentPolicy"]
        names = policy["ContinuousDeploymentPolicyConfig"]["StagingDistributionDnsNames"]
        if domain_name in (names.get("Items") or []):
            return policy["Id"]
    return None


def _update_policy(cf: Any, policy_id: str, wanted: dict[str, Any]) -> None:
    current, etag = _policy_config(cf, policy_id)
    if current == wanted:
        return
    with aws_action(
        "cloudfront:UpdateContinuousDeploymentPolicy", f"continuous deployment policy {policy_id}"
    ):
        cf.update_continuous_deployment_policy(
            Id=policy_id, IfMatch=etag, ContinuousDeploymentPolicyConfig=wanted
        )


def _attach(cf: Any, primary_id: str, policy_id: str) -> None:
    config, etag = _distribution_config(cf, primary_id)
    if (config.get("ContinuousDeploymentPolicyId") or "") == policy_id:
        return
    config["ContinuousDeploymentPolicyId"] = policy_id
    with aws_action(
        "cloudfront:UpdateDistribution",
        f"distribution {primary_id} (continuous deployment policy -> {policy_id or 'none'})",
    ):
        cf.update_distribution(Id=primary_id, IfMatch=etag, DistributionConfig=config)


def set_staging_weight(
    cf: Any, primary_id: str, staging_id: str, weight: float, sticky: bool
) -> str:
    """Send `weight` (0..MAX_STAGING_WEIGHT) of the primary's viewers to `staging_id`, enabled;
    the policy's id. Creates and attaches the policy, or updates the attached (or the staging's
    own, left detached) one; a policy already so is left alone."""
    wanted = policy_config(_domain_name(cf, staging_id), weight, sticky)
    domain = wanted["StagingDistributionDnsNames"]["Items"][0]
    policy_id = attached_policy_id(cf, primary_id) or _policy_for_staging(cf, domain)
    if policy_id:
        _update_policy(cf, policy_id, wanted)
    else:
        with aws_action(
            "cloudfront:CreateContinuousDeploymentPolicy", f"staging distribution {staging_id}"
        ):
            policy_id = cf.create_continuous_deployment_policy(
                ContinuousDeploymentPolicyConfig=wanted
            )["ContinuousDeploymentPolicy"]["Id"]
    _attach(cf, primary_id, policy_id)
    return policy_id


_PROMOTED = ("Origins", "OriginGroups", "DefaultCacheBehavior", "CacheBehaviors")


def promote_staging(cf: Any, primary_id: str, staging_id: str) -> bool:
    """The primary takes the staging's configuration (CloudFront then disables the policy: the
    primary serves everyone). False when there was nothing to do: already promoted, policy off."""
    primary, primary_etag = _distribution_config(cf, primary_id)
    staging, staging_etag = _distribution_config(cf, staging_id)
    policy_id = primary.get("ContinuousDeploymentPolicyId") or None
    enabled = bool(policy_id) and bool(_policy_config(cf, policy_id)[0].get("Enabled"))  # type: ignore[arg-type]
    if not enabled and all(primary.get(k) == staging.get(k) for k in _PROMOTED):
        return False
    with aws_action(
        "cloudfront:UpdateDistributionWithStagingConfig",
        f"distribution {primary_id} (from staging {staging_id})",
    ):
        cf.update_distribution_with_staging_config(
            Id=primary_id,
            StagingDistributionId=staging_id,
            IfMatch=f"{primary_etag}, {staging_etag}",
        )
    return True


def detach_policy(cf: Any, primary_id: str) -> str | None:
    """The rollback: no policy on the primary, which serves every viewer again; the policy that
    was detached (kept, for `set_staging_weight` to reuse), or None if none was attached."""
    policy_id = attached_policy_id(cf, primary_id)
    if policy_id:
        _attach(cf, primary_id, "")
    return policy_id


def staging_state(cf: Any, primary_id: str) -> dict[str, Any]:
    """The primary's continuous deployment as it stands: policy, weight (or header), staging."""
    policy_id = attached_policy_id(cf, primary_id)
    state: dict[str, Any] = {
        "primary_distribution_id": primary_id,
        "policy_id": policy_id,
        "enabled": False,
        "weight": None,
        "sticky": None,
        "header": None,
        "staging_distribution_id": None,
        "staging_origin_paths": {},
    }
    if not policy_id:
        return state
    policy, _ = _policy_config(cf, policy_id)
    traffic = policy.get("TrafficConfig") or {}
    single = traffic.get("SingleWeightConfig") or {}
    header = traffic.get("SingleHeaderConfig")
    staging_id = _staging_of_policy(cf, policy)
    state |= {
        "enabled": bool(policy.get("Enabled")),
        "weight": single.get("Weight") if traffic.get("Type") == "SingleWeight" else None,
        "sticky": "SessionStickinessConfig" in single if single else None,
        "header": {"name": header["Header"], "value": header["Value"]} if header else None,
        "staging_distribution_id": staging_id,
        "staging_origin_paths": origin_paths(cf, staging_id) if staging_id else {},
    }
    return state
