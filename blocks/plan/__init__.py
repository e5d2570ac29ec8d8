"""The launch plan: what to release, where, and under which rules.

Pure data and validation (no network, no Prefect), so the rest of golive can trust a
loaded plan and the unit tests can exercise every rule. `load_plan` reads YAML,
applies the runbook's environment-variable overrides and validates; every problem
comes back in one `PlanError`, one line each:

    canary.steps: [10, 50, 30] — steps must strictly increase

Units are part of the data: '10m' is held as seconds (`Duration`), '0.5%' as a fraction
(`Percent`), '800ms' as milliseconds (`LatencyMs`), '50/s' per second (`RequestRate`),
each keeping its original text for display (`units.py`).

The package, each module building only on those before it: `errors` (problems and how
they are said), `json_paths` (the JSON path grammar), `units`, `strings` (names, paths,
URLs), `base` (the models' base and uniqueness checks), one module per plan section
(`routers`, `environments`, `roles`, `build`, `smoke`, `slos`, `probe`, `canary`,
`scenarios`, `communications`),
`launch_plan` (the whole plan), `pydantic_errors` (validation errors in the plan's words),
`env_overrides` (the environment variables that override fields) and `loading` (YAML in, a
plan or a `PlanError` out). Every public name is re-exported
here: import from `blocks.plan`.

For plug-ins (a router's, a metric source's settings declared in their own module):
`PlanModel` (the frozen, extra-forbidding base), `FieldChecks` (several field problems
raised as one), `MISSING` (no value given) and `problems_from` (a pydantic error in the
plan's words, each at its path).
"""

from __future__ import annotations

from blocks.plan.base import _Model as PlanModel
from blocks.plan.build import BuildConfig
from blocks.plan.canary import CanaryPolicy, CompareWithStable, Stabilization
from blocks.plan.communications import Approvals, Communications, Notification
from blocks.plan.env_overrides import ENV_OVERRIDES, OVERRIDES, Override, overrides_markdown
from blocks.plan.environments import Environment, Environments
from blocks.plan.errors import _MISSING as MISSING
from blocks.plan.errors import PlanError, PlanValueError, Problem, format_loc, show
from blocks.plan.errors import _Checks as FieldChecks
from blocks.plan.json_paths import JsonPathError, parse_json_path
from blocks.plan.json_paths import Step as JsonPathStep
from blocks.plan.launch_plan import LaunchPlan
from blocks.plan.loading import (
    apply_env_overrides,
    environment_block_names,
    load_plan,
    load_plan_text,
    parse_plan_yaml,
    read_plan_file,
    validate_plan,
)
from blocks.plan.plan_text import (
    NO_PLAN,
    PlanText,
    is_launch_snapshot,
    is_stored_ref,
    launch_snapshot_name,
    launch_snapshot_ref,
    plan_name_for,
    stored_name,
)
from blocks.plan.probe import IdSource, MetricsConfig, ProbeConfig
from blocks.plan.pydantic_errors import _problems_from as problems_from
from blocks.plan.releases import ApiRelease, ApiSlots, Arms, EcsService, SiteRelease
from blocks.plan.roles import Roles
from blocks.plan.routers import RouterConfig
from blocks.plan.scenarios import Scenario, ScenarioStep, whole_placeholder
from blocks.plan.slos import (
    CLIENT_LAG_SHARE,
    CLIENT_LAG_WITHOUT_LATENCY_SLOS_MS,
    ErrorRateSlo,
    LatencySlo,
    LatencyStat,
    Slos,
    client_lag_bounds_ms,
    default_max_client_lag_ms,
)
from blocks.plan.smoke import HttpMethod, SmokeCheck, SmokeConfig
from blocks.plan.strings import (
    PLACEHOLDER,
    AwsShortName,
    BlockName,
    BucketName,
    DistributionId,
    DnsName,
    HeaderName,
    HttpUrl,
    JsonPath,
    NonEmpty,
    PersonName,
    PlaceholderName,
    PlaceholderPath,
    RelativePath,
    S3Prefix,
    SecretPrefix,
    Slug,
    TemplatePath,
    UrlPath,
    path_placeholders,
    template_placeholders,
)
from blocks.plan.units import (
    Duration,
    Fraction,
    LatencyMs,
    Percent,
    PositiveDuration,
    PositiveFraction,
    PositiveLatency,
    PositivePercent,
    RequestRate,
    parse_duration,
    parse_latency_ms,
    parse_percent,
    parse_rate,
)

__all__ = [
    "MISSING",
    "FieldChecks",
    "PlanModel",
    "problems_from",
    "ApiRelease",
    "ApiSlots",
    "Approvals",
    "Arms",
    "EcsService",
    "SiteRelease",
    "AwsShortName",
    "BlockName",
    "BucketName",
    "BuildConfig",
    "CLIENT_LAG_SHARE",
    "CLIENT_LAG_WITHOUT_LATENCY_SLOS_MS",
    "CanaryPolicy",
    "Communications",
    "CompareWithStable",
    "DistributionId",
    "DnsName",
    "Duration",
    "ENV_OVERRIDES",
    "OVERRIDES",
    "Override",
    "Environment",
    "Environments",
    "ErrorRateSlo",
    "Fraction",
    "HeaderName",
    "HttpMethod",
    "HttpUrl",
    "IdSource",
    "JsonPath",
    "JsonPathError",
    "JsonPathStep",
    "LatencyMs",
    "LatencySlo",
    "LatencyStat",
    "LaunchPlan",
    "MetricsConfig",
    "NonEmpty",
    "Notification",
    "Percent",
    "PersonName",
    "PlanError",
    "PlanValueError",
    "PositiveDuration",
    "PositiveFraction",
    "PositiveLatency",
    "PositivePercent",
    "ProbeConfig",
    "Problem",
    "RelativePath",
    "RequestRate",
    "Roles",
    "RouterConfig",
    "S3Prefix",
    "SecretPrefix",
    "Scenario",
    "ScenarioStep",
    "Slos",
    "Slug",
    "SmokeCheck",
    "SmokeConfig",
    "Stabilization",
    "TemplatePath",
    "UrlPath",
    "PlaceholderName",
    "whole_placeholder",
    "PlaceholderPath",
    "PLACEHOLDER",
    "path_placeholders",
    "template_placeholders",
    "apply_env_overrides",
    "parse_json_path",
    "overrides_markdown",
    "client_lag_bounds_ms",
    "default_max_client_lag_ms",
    "environment_block_names",
    "format_loc",
    "load_plan",
    "parse_plan_yaml",
    "load_plan_text",
    "NO_PLAN",
    "PlanText",
    "is_launch_snapshot",
    "is_stored_ref",
    "launch_snapshot_name",
    "launch_snapshot_ref",
    "plan_name_for",
    "stored_name",
    "parse_duration",
    "parse_latency_ms",
    "parse_percent",
    "parse_rate",
    "read_plan_file",
    "show",
    "validate_plan",
]
