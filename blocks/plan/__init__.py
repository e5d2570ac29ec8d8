"""The launch plan: what to release, where, and under which rules.

Pure data and validation (no network, no Prefect), so the rest of golive can trust a
loaded plan and the unit tests can exercise every rule. `load_plan` reads YAML,
applies the runbook's environment-variable overrides and validates; every problem
comes back in one `PlanError`, one line each:

    canary.steps: [10, 50, 30] — steps must strictly increase

Units are part of the data: durations are written '800ms', '3s', '10m', '1h' and
held as seconds (`Duration`), percents are written '0.5%' and held as fractions
(`Percent`), latency thresholds are written '800ms' or '0.8s' and held as
milliseconds (`LatencyMs`), request rates are written '50/s' or '3000/min' (or a bare
number of requests per second) and held per second (`RequestRate`). Each keeps its
original text for display.
"""

from __future__ import annotations

import copy
import difflib
import os
import types
import typing
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Annotated, Any, get_args, get_origin

import yaml
from pydantic import BaseModel, ValidationError

# The plan's helpers, moving out into modules of their own (the rest follows).
from blocks.plan.errors import _MISSING, PlanError, PlanValueError, Problem, _Problems, format_loc, show
from blocks.plan.strings import (
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
    RelativePath,
    S3Prefix,
    Slug,
    TemplatePath,
    UrlPath,
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
from blocks.plan.routers import AlbConfig, Route53Config, RouterConfig, RouterKind
from blocks.plan.build import BuildConfig
from blocks.plan.canary import CanaryPolicy, CompareWithStable, Stabilization
from blocks.plan.communications import Approvals, Communications, Notification
from blocks.plan.environments import Environment, Environments
from blocks.plan.launch_plan import LaunchPlan
from blocks.plan.probe import IdSource, ProbeConfig
from blocks.plan.roles import Roles
from blocks.plan.scenarios import Scenario, ScenarioStep
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

__all__ = [
    "ENV_OVERRIDES",
    "Communications",
    "Duration",
    "LatencyMs",
    "LaunchPlan",
    "Percent",
    "PlanError",
    "PlanValueError",
    "Problem",
    "RequestRate",
    "client_lag_bounds_ms",
    "default_max_client_lag_ms",
    "load_plan",
    "parse_duration",
    "parse_latency_ms",
    "parse_percent",
    "parse_rate",
    "validate_plan",
]


# ----------------------------------------------------------------------- loading

# The runbook's pre-flight exports, and the fields they replace.
ENV_OVERRIDES: Mapping[str, tuple[tuple[str, ...], ...]] = {
    "STAGING_URL": (("environments", "staging", "url"),),
    "STAGING_API_BASE_URL": (("environments", "staging", "api_base_url"),),
    "STAGING_CLOUDFRONT_DIST_ID": (("environments", "staging", "cloudfront_distribution_id"),),
    "PROD_URL": (("environments", "production", "url"),),
    "PROD_API_BASE_URL": (("environments", "production", "api_base_url"),),
    "CLOUDFRONT_DIST_ID": (("environments", "production", "cloudfront_distribution_id"),),
    "S3_BUCKET": (("environments", "staging", "bucket"), ("environments", "production", "bucket")),
}


def apply_env_overrides(raw: Mapping[str, Any], env: Mapping[str, str]) -> tuple[dict[str, Any], dict[str, str]]:
    """Return a copy of `raw` with overrides set, and {field path: variable} of those applied.

    Empty variables are ignored (an `export X=` should not blank a hostname), and a
    section missing from the plan is not invented: validation reports it instead.
    """
    data = copy.deepcopy(dict(raw))
    applied: dict[str, str] = {}
    for variable, paths in ENV_OVERRIDES.items():
        value = env.get(variable, "")
        if not value:
            continue
        for *parents, key in paths:
            section = _section(data, parents)
            if section is not None:
                section[key] = value
                applied[format_loc((*parents, key))] = variable
    return data, applied


def _section(data: dict[str, Any], parents: Sequence[str]) -> dict[str, Any] | None:
    node: Any = data
    for key in parents:
        node = node.get(key) if isinstance(node, dict) else None
    return node if isinstance(node, dict) else None


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader that records duplicate keys (PyYAML silently keeps the last one)."""

    def __init__(self, stream: Any) -> None:
        super().__init__(stream)
        self.duplicates: list[str] = []


def _construct_mapping(loader: _StrictLoader, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
    first_line: dict[Hashable, int] = {}
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=True)
        if not isinstance(key, Hashable):
            continue  # construct_mapping raises its own error
        line = key_node.start_mark.line + 1
        if key in first_line:
            loader.duplicates.append(
                f"line {line}: {show(key)} — a key may appear once per mapping (first at line {first_line[key]})")
        first_line.setdefault(key, line)
    return loader.construct_mapping(node, deep=deep)


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def _read_yaml(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise PlanError([f"cannot read the plan: {exc.strerror or exc}"], source=path) from None
    loader = _StrictLoader(text)
    try:
        data = loader.get_single_data()
    except yaml.YAMLError as exc:
        raise PlanError([f"not valid YAML: {_yaml_message(exc)}"], source=path) from None
    finally:
        loader.dispose()
    if loader.duplicates:
        raise PlanError(loader.duplicates, source=path)
    return data


def _yaml_message(exc: yaml.YAMLError) -> str:
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or str(exc)
    return f"{problem} (line {mark.line + 1}, column {mark.column + 1})" if mark else problem


# pydantic error type -> what was expected (format fields come from the error's ctx)
_EXPECTED: Mapping[str, str] = {
    "missing": "required",
    "greater_than_equal": "at least {ge}",
    "greater_than": "more than {gt}",
    "less_than_equal": "at most {le}",
    "less_than": "less than {lt}",
    "int_parsing": "a whole number",
    "int_type": "a whole number",
    "int_from_float": "a whole number",
    "float_parsing": "a number",
    "float_type": "a number",
    "string_type": "a string",
    "bool_parsing": "true or false",
    "bool_type": "true or false",
    "list_type": "a list",
    "dict_type": "a mapping of keys to values",
    "model_type": "a mapping of keys to values",
    "model_attributes_type": "a mapping of keys to values",
    "literal_error": "one of {expected}",
    "too_short": "at least {min_length} item(s)",
}


def _problems_from(exc: ValidationError, root: type[BaseModel]) -> list[Problem]:
    problems: list[Problem] = []
    for error in exc.errors():
        loc = tuple(error["loc"])
        cause = (error.get("ctx") or {}).get("error")
        if isinstance(cause, _Problems):
            problems += [replace(p, loc=loc + p.loc) for p in cause.problems]
        else:
            given = show(_MISSING if error["type"] == "missing" else error["input"])
            problems.append(Problem(loc, given, _expected(error, root)))
    return list(dict.fromkeys(problems))  # drop repeats, keep order


def _expected(error: Mapping[str, Any], root: type[BaseModel]) -> str:
    kind, ctx = error["type"], error.get("ctx") or {}
    if isinstance(ctx.get("error"), PlanValueError):
        return ctx["error"].expected
    if kind == "extra_forbidden":
        return _unknown_key(tuple(error["loc"]), root)
    if kind in _EXPECTED:
        return _EXPECTED[kind].format(**ctx)
    message: str = error["msg"]
    for prefix in ("Value error, ", "Assertion failed, "):
        message = message.removeprefix(prefix)
    return message.replace("Input should be", "must be")


def _unknown_key(loc: tuple[str | int, ...], root: type[BaseModel]) -> str:
    key = str(loc[-1])
    model = _model_at(root, loc[:-1])
    if model is None:
        return f"unknown key {key!r}"
    allowed = list(model.model_fields)
    close = difflib.get_close_matches(key, allowed, n=1)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    return f"unknown key {key!r}{hint} (allowed: {', '.join(allowed)})"


def _model_at(root: type[BaseModel], loc: Sequence[str | int]) -> type[BaseModel] | None:
    """The model class that validates the mapping at `loc`, following fields, lists and dicts."""
    node: Any = root
    for part in loc:
        node = _unwrap(node)
        if isinstance(node, type) and issubclass(node, BaseModel):
            field = node.model_fields.get(part) if isinstance(part, str) else None
            if field is None:
                return None
            node = field.annotation
        elif get_origin(node) in (list, dict):
            node = get_args(node)[-1]
        else:
            return None
    node = _unwrap(node)
    return node if isinstance(node, type) and issubclass(node, BaseModel) else None


def _unwrap(annotation: Any) -> Any:
    """Strip Annotated[...] and `X | None` down to X."""
    origin = get_origin(annotation)
    if origin is Annotated:
        return _unwrap(get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        members = [a for a in get_args(annotation) if a is not type(None)]
        return _unwrap(members[0]) if len(members) == 1 else annotation
    return annotation


def validate_plan(
    raw: Any,
    *,
    env: Mapping[str, str] | None = None,
    source: str | os.PathLike[str] | None = None,
    environment_overlays: Mapping[str, Mapping[str, Any]] | None = None,
) -> LaunchPlan:
    """Validate plan data (as read from YAML), after applying overlays then `env` overrides.

    Precedence, lowest first: the plan file, the environment's Prefect block
    (`environment_overlays`, loaded by the caller), the runbook's environment variables.
    """
    if not isinstance(raw, Mapping):
        expected = "a mapping with app, environments, roles, build, smoke, slos, canary, …"
        raise PlanError([Problem((), "(empty)" if raw is None else show(raw), expected)], source=source)
    raw = _with_overlays(raw, environment_overlays or {})
    data, applied = apply_env_overrides(raw, env or {})
    try:
        plan = LaunchPlan.model_validate(data)
    except ValidationError as exc:
        raise PlanError(_problems_from(exc, LaunchPlan), source=source) from None
    plan._source_path = Path(source).resolve() if source is not None else None
    plan._overrides = applied
    return plan


def load_plan(path: str | os.PathLike[str], env: Mapping[str, str] = os.environ,
              environment_overlays: Mapping[str, Mapping[str, Any]] | None = None) -> LaunchPlan:
    """Read, override and validate a plan file; PlanError lists every problem."""
    plan_path = Path(path)
    return validate_plan(read_plan_file(plan_path), env=env, source=plan_path,
                         environment_overlays=environment_overlays)


def read_plan_file(path: Path) -> Any:
    """The plan file's raw YAML data (PlanError if unreadable)."""
    return _read_yaml(path)


def environment_block_names(raw: Any) -> dict[str, str]:
    """{environment: block name} for each environment that names a GoliveEnvironment block."""
    environments = raw.get("environments") if isinstance(raw, Mapping) else None
    if not isinstance(environments, Mapping):
        return {}
    return {name: section["block"] for name, section in environments.items()
            if isinstance(section, Mapping) and isinstance(section.get("block"), str)}


def _with_overlays(raw: Mapping[str, Any], overlays: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    data = copy.deepcopy(dict(raw))
    for environment, values in overlays.items():
        section = _section(data, ["environments", environment])
        if section is not None:
            section.update({k: v for k, v in values.items() if v not in (None, "")})
    return data
