"""Reading a plan: YAML in, a validated `LaunchPlan` or one `PlanError` with every problem out.

`load_plan` reads the file with a strict YAML loader (a repeated key is an error, not the
last one winning), lays the environments' GoliveEnvironment block values over it, applies
the runbook's environment-variable overrides (`ENV_OVERRIDES`) and validates
(`validate_plan`, which says what wins over what).
"""

from __future__ import annotations

import copy
import os
from collections.abc import Hashable, Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from blocks.plan.errors import PlanError, Problem, format_loc, show
from blocks.plan.launch_plan import LaunchPlan
from blocks.plan.pydantic_errors import _problems_from

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


def apply_env_overrides(
    raw: Mapping[str, Any], env: Mapping[str, str]
) -> tuple[dict[str, Any], dict[str, str]]:
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


def _construct_mapping(
    loader: _StrictLoader, node: yaml.MappingNode, deep: bool = False
) -> dict[Any, Any]:
    first_line: dict[Hashable, int] = {}
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=True)
        if not isinstance(key, Hashable):
            continue  # construct_mapping raises its own error
        line = key_node.start_mark.line + 1
        if key in first_line:
            loader.duplicates.append(
                f"line {line}: {show(key)} — a key may appear once per mapping (first at line {first_line[key]})"
            )
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
        raise PlanError(
            [Problem((), "(empty)" if raw is None else show(raw), expected)], source=source
        )
    raw = _with_overlays(raw, environment_overlays or {})
    data, applied = apply_env_overrides(raw, env or {})
    try:
        plan = LaunchPlan.model_validate(data)
    except ValidationError as exc:
        raise PlanError(_problems_from(exc, LaunchPlan), source=source) from None
    plan._source_path = Path(source).resolve() if source is not None else None
    plan._overrides = applied
    return plan


def load_plan(
    path: str | os.PathLike[str],
    env: Mapping[str, str] = os.environ,
    environment_overlays: Mapping[str, Mapping[str, Any]] | None = None,
) -> LaunchPlan:
    """Read, override and validate a plan file; PlanError lists every problem."""
    plan_path = Path(path)
    return validate_plan(
        read_plan_file(plan_path),
        env=env,
        source=plan_path,
        environment_overlays=environment_overlays,
    )


def read_plan_file(path: Path) -> Any:
    """The plan file's raw YAML data (PlanError if unreadable)."""
    return _read_yaml(path)


def environment_block_names(raw: Any) -> dict[str, str]:
    """{environment: block name} for each environment that names a GoliveEnvironment block."""
    environments = raw.get("environments") if isinstance(raw, Mapping) else None
    if not isinstance(environments, Mapping):
        return {}
    return {
        name: section["block"]
        for name, section in environments.items()
        if isinstance(section, Mapping) and isinstance(section.get("block"), str)
    }


def _with_overlays(
    raw: Mapping[str, Any], overlays: Mapping[str, Mapping[str, Any]]
) -> dict[str, Any]:
    data = copy.deepcopy(dict(raw))
    for environment, values in overlays.items():
        section = _section(data, ["environments", environment])
        if section is not None:
            section.update({k: v for k, v in values.items() if v not in (None, "")})
    return data
