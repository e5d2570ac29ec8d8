"""Environment variables that override plan fields: one table, read by the loader and the docs.

Every field of an environment has a symmetric name, `GOLIVE_<ENVIRONMENT>_<FIELD>`
(`GOLIVE_STAGING_BUCKET`, `GOLIVE_PRODUCTION_CLOUDFRONT_DISTRIBUTION_ID`, router settings as
`GOLIVE_PRODUCTION_ROUTE53_HOSTED_ZONE`, the alarms as a comma list `GOLIVE_PRODUCTION_ALARMS`).
The runbook's pre-flight exports (`STAGING_URL`, `PROD_URL`, `S3_BUCKET`, ...) stay as aliases:
the sandbox writes those. A runbook name and a symmetric name set to different values is an
error naming both. `OVERRIDES` is the one table; `ENV_OVERRIDES` (variable -> fields) and the
plan reference's table (`overrides_markdown`, checked against docs/plan-reference.md by a
unit test) are derived from it.

`block` has no variable: it names the Prefect block read *before* the variables apply.
Router settings are listed per router golive ships (Route 53, ALB); a unit test checks the
table against every registered router's settings, which this layer cannot import.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

__all__ = ["ENV_OVERRIDES", "OVERRIDES", "Override", "overrides_markdown"]

Kind = Literal["text", "list"]

# (field path inside an environment, the name's FIELD part, kind)
_FIELDS: tuple[tuple[tuple[str, ...], str, Kind], ...] = (
    (("url",), "URL", "text"),
    (("api_base_url",), "API_BASE_URL", "text"),
    (("bucket",), "BUCKET", "text"),
    (("prefix",), "PREFIX", "text"),
    (("cloudfront_distribution_id",), "CLOUDFRONT_DISTRIBUTION_ID", "text"),
    (("health_path",), "HEALTH_PATH", "text"),
    (("origin_id",), "ORIGIN_ID", "text"),
    (("canary_origin_id",), "CANARY_ORIGIN_ID", "text"),
    (("aws_credentials_block",), "AWS_CREDENTIALS_BLOCK", "text"),
    (("alarms",), "ALARMS", "list"),
    (("metrics_url",), "METRICS_URL", "text"),
    (("router", "kind"), "ROUTER_KIND", "text"),
    (("router", "route53", "hosted_zone"), "ROUTE53_HOSTED_ZONE", "text"),
    (("router", "route53", "record_name"), "ROUTE53_RECORD_NAME", "text"),
    (("router", "route53", "stable_set_identifier"), "ROUTE53_STABLE_SET_IDENTIFIER", "text"),
    (("router", "route53", "canary_set_identifier"), "ROUTE53_CANARY_SET_IDENTIFIER", "text"),
    (("router", "alb", "load_balancer_name"), "ALB_LOAD_BALANCER_NAME", "text"),
    (("router", "alb", "listener_port"), "ALB_LISTENER_PORT", "text"),
    (("router", "alb", "stable_target_group"), "ALB_STABLE_TARGET_GROUP", "text"),
    (("router", "alb", "canary_target_group"), "ALB_CANARY_TARGET_GROUP", "text"),
    (("frontend_router", "kind"), "FRONTEND_ROUTER_KIND", "text"),
    (
        ("frontend_router", "cloudfront_continuous", "max_percent"),
        "CLOUDFRONT_CONTINUOUS_MAX_PERCENT",
        "text",
    ),
    (
        ("frontend_router", "cloudfront_continuous", "sticky"),
        "CLOUDFRONT_CONTINUOUS_STICKY",
        "text",
    ),
    (("api_service", "cluster"), "API_SERVICE_CLUSTER", "text"),
    (("api_service", "service"), "API_SERVICE_SERVICE", "text"),
    (("api_service", "url"), "API_SERVICE_URL", "text"),
    (("api_slots", "stable", "cluster"), "API_SLOTS_STABLE_CLUSTER", "text"),
    (("api_slots", "stable", "service"), "API_SLOTS_STABLE_SERVICE", "text"),
    (("api_slots", "stable", "url"), "API_SLOTS_STABLE_URL", "text"),
    (("api_slots", "canary", "cluster"), "API_SLOTS_CANARY_CLUSTER", "text"),
    (("api_slots", "canary", "service"), "API_SLOTS_CANARY_SERVICE", "text"),
    (("api_slots", "canary", "url"), "API_SLOTS_CANARY_URL", "text"),
)

# The runbook's pre-flight exports: (environment, field) -> its names for it.
_RUNBOOK: Mapping[tuple[str, str], tuple[str, ...]] = {
    ("staging", "url"): ("STAGING_URL",),
    ("staging", "api_base_url"): ("STAGING_API_BASE_URL",),
    ("staging", "cloudfront_distribution_id"): ("STAGING_CLOUDFRONT_DIST_ID",),
    ("staging", "bucket"): ("S3_BUCKET",),
    ("production", "url"): ("PROD_URL",),
    ("production", "api_base_url"): ("PROD_API_BASE_URL",),
    ("production", "cloudfront_distribution_id"): ("CLOUDFRONT_DIST_ID",),
    ("production", "bucket"): ("S3_BUCKET",),  # one bucket for both, as the runbook has it
}

ENVIRONMENTS = ("staging", "production")


@dataclass(frozen=True)
class Override:
    """One plan field and the variables that may set it: `name` first, then the runbook's aliases."""

    name: str
    path: tuple[str, ...]  # from the plan's root: ('environments', 'staging', 'bucket')
    aliases: tuple[str, ...] = ()
    kind: Kind = "text"  # "list": a comma list, blanks dropped

    @property
    def variables(self) -> tuple[str, ...]:
        return (self.name, *self.aliases)

    def parse(self, text: str) -> str | list[str]:
        return (
            [item.strip() for item in text.split(",") if item.strip()]
            if self.kind == "list"
            else text
        )


OVERRIDES: tuple[Override, ...] = tuple(
    Override(
        name=f"GOLIVE_{environment.upper()}_{field}",
        path=("environments", environment, *path),
        aliases=_RUNBOOK.get((environment, path[0]), ()) if len(path) == 1 else (),
        kind=kind,
    )
    for environment in ENVIRONMENTS
    for path, field, kind in _FIELDS
)

ENV_OVERRIDES: Mapping[str, tuple[tuple[str, ...], ...]] = {
    variable: tuple(o.path for o in OVERRIDES if variable in o.variables)
    for variable in dict.fromkeys(v for o in OVERRIDES for v in o.variables)
}
"""Every variable, and the fields it sets (S3_BUCKET sets both environments' buckets)."""


def overrides_markdown() -> str:
    """The plan reference's table of variables, one row per field."""
    rows = ["| plan field | variable | runbook alias |", "|---|---|---|"]
    for override in OVERRIDES:
        field = ".".join(override.path)
        comma = " (comma list)" if override.kind == "list" else ""
        aliases = ", ".join(f"`{a}`" for a in override.aliases) or "-"
        rows.append(f"| `{field}` | `{override.name}`{comma} | {aliases} |")
    return "\n".join(rows)
