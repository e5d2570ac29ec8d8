"""Reading a plan: YAML in, a validated `LaunchPlan` or one `PlanError` with every problem out.

`load_plan` reads the file with a strict YAML loader (a repeated key is an error, not the
last one winning), lays the environments' GoliveEnvironment block values over it, applies
the environment-variable overrides (`env_overrides.py`: `GOLIVE_<ENV>_<FIELD>` and the
runbook's names) and validates
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

from blocks.plan.env_overrides import OVERRIDES
from blocks.plan.errors import PlanError, Problem, format_loc, show
from blocks.plan.launch_plan import LaunchPlan
from blocks.plan.plan_text import PlanText
from blocks.plan.pydantic_errors import _problems_from


def apply_env_overrides(
    raw: Mapping[str, Any], env: Mapping[str, str]
) -> tuple[dict[str, Any], dict[str, str]]:
    """Return a copy of `raw` with overrides set (`OVERRIDES`), and {field path: variable} of those applied.

    Empty variables are ignored (an `export X=` should not blank a hostname), and an
    environment missing from the plan is not invented: validation reports it instead (within
    one, a router section is made as needed). A field's symmetric name and a runbook alias
    set to different values is a PlanError naming both.
    """
    data = copy.deepcopy(dict(raw))
    applied: dict[str, str] = {}
    problems: list[Problem] = []
    for override in OVERRIDES:
        given = [(name, env[name]) for name in override.variables if env.get(name)]
        if not given:
            continue
        (variable, value), *others = given
        if disagreeing := [(name, other) for name, other in others if other != value]:
            problems.append(_conflict(override.path, [(variable, value), *disagreeing]))
            continue
        *parents, key = override.path
        section = _section(data, parents[:2], make=parents[2:])
        if section is not None:
            section[key] = override.parse(value)
            applied[format_loc(override.path)] = variable
    if problems:
        raise PlanError(problems)
    return data, applied


def _conflict(path: tuple[str, ...], given: list[tuple[str, str]]) -> Problem:
    values = " and ".join(f"{name}={value!r}" for name, value in given)
    return Problem(
        path,
        "(environment variables)",
        f"set to different values by {values}: unset one or make them agree",
    )


def _section(
    data: dict[str, Any], parents: Sequence[str], make: Sequence[str] = ()
) -> dict[str, Any] | None:
    """The mapping at `parents`, then at `make` below it, made if missing (None if `parents` is not there)."""
    node: Any = data
    for key in parents:
        node = node.get(key) if isinstance(node, dict) else None
    if not isinstance(node, dict):
        return None
    for key in make:
        if not isinstance(node.get(key), dict):
            if node.get(key) is not None:
                return None  # not a mapping: leave it for validation to report
            node[key] = {}
        node = node[key]
    return node


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
    return parse_plan_yaml(text, source=path)


def parse_plan_yaml(text: str, source: str | os.PathLike[str] | None = None) -> Any:
    """A plan's raw YAML data from its text, strictly (PlanError naming `source` if it is not YAML)."""
    loader = _StrictLoader(text)
    try:
        data = loader.get_single_data()
    except yaml.YAMLError as exc:
        raise PlanError([f"not valid YAML: {_yaml_message(exc)}"], source=source) from None
    finally:
        loader.dispose()
    if loader.duplicates:
        raise PlanError(loader.duplicates, source=source)
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
    from_file: bool = True,
    file: Path | None = None,
) -> LaunchPlan:
    """Validate plan data (as read from YAML), after applying overlays then `env` overrides.

    `source` names the plan in errors and, `from_file`, is the file whose folder the plan's
    relative paths start at (a stored plan, `golive-plan/<name>`, has none: its `file`, the path
    it was stored from, inside the working directory, or the working directory itself).

    Precedence, lowest first: the plan file, the environment's Prefect block
    (`environment_overlays`, loaded by the caller), the runbook's environment variables.
    """
    if not isinstance(raw, Mapping):
        expected = "a mapping with app, environments, roles, build, smoke, slos, canary, …"
        raise PlanError(
            [Problem((), "(empty)" if raw is None else show(raw), expected)], source=source
        )
    raw = _with_overlays(raw, environment_overlays or {})
    try:
        data, applied = apply_env_overrides(raw, env or {})
    except PlanError as error:
        raise PlanError(error.problems, source=source) from None
    try:
        plan = LaunchPlan.model_validate(data)
    except ValidationError as exc:
        raise PlanError(_problems_from(exc, LaunchPlan), source=source) from None
    if file is None and source is not None and from_file:
        file = Path(source)
    plan._source_path = file.resolve() if file is not None else None
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


def load_plan_text(
    plan: PlanText,
    env: Mapping[str, str] = os.environ,
    environment_overlays: Mapping[str, Mapping[str, Any]] | None = None,
) -> LaunchPlan:
    """Validate a plan given as text (a stored plan, or a file already read), named by its ref."""
    return validate_plan(
        parse_plan_yaml(plan.text, source=plan.ref),
        env=env,
        source=plan.ref,
        environment_overlays=environment_overlays,
        from_file=False,
        file=plan.file,
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
