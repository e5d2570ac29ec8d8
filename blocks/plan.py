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
import re
import types
import typing
from collections.abc import Hashable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any, ClassVar, Literal, Self, get_args, get_origin
from urllib.parse import urlsplit

import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    GetCoreSchemaHandler,
    GetJsonSchemaHandler,
    PrivateAttr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_core import core_schema

from blocks.message_templates import template_problem

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

# --------------------------------------------------------------------------- errors


class PlanValueError(ValueError):
    """A value that does not fit; `expected` says what would have been accepted."""

    def __init__(self, value: Any, expected: str) -> None:
        super().__init__(f"{show(value)} — {expected}")
        self.value = value
        self.expected = expected


_MISSING = object()  # marks "no value given" in problems


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a plan, at a field path."""

    loc: tuple[str | int, ...]
    given: str  # already rendered (repr, truncated)
    expected: str

    def __str__(self) -> str:
        return f"{format_loc(self.loc)}: {self.given} — {self.expected}"


class _Problems(ValueError):
    """Raised by cross-field checks: several problems, each at a path relative to the model."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(str(p) for p in problems))
        self.problems = problems


class PlanError(Exception):
    """A plan that cannot be used; `problems` holds one line per problem."""

    def __init__(self, problems: Sequence[Problem | str], source: str | os.PathLike[str] | None = None) -> None:
        self.problems = [str(p) for p in problems]
        self.source = str(source) if source is not None else None
        super().__init__(self._message())

    def _message(self) -> str:
        where = f"{self.source}: " if self.source else ""
        count = len(self.problems)
        header = f"{where}invalid launch plan ({count} problem{'s' if count != 1 else ''})"
        return "\n".join([header, *(f"  {line}" for line in self.problems)])


def show(value: Any, limit: int = 60) -> str:
    """repr() of a given value, short enough for a one-line message."""
    if value is _MISSING:
        return "(missing)"
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")


def format_loc(loc: Sequence[str | int]) -> str:
    """('slos', 'latency', 0, 'threshold') -> 'slos.latency[0].threshold'."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part == "[key]":  # pydantic's marker for a bad dict key
            out += " (key)"
        elif _IDENTIFIER.fullmatch(part):
            out += f".{part}" if out else part
        else:
            out += f"[{part!r}]"
    return out or "(plan)"


class _Checks:
    """Collects cross-field problems so that one model reports all of them at once."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def fail(self, loc: str | tuple[str | int, ...], value: Any, expected: str) -> None:
        path = (loc,) if isinstance(loc, str) else loc
        self.problems.append(Problem(path, show(value), expected))

    def raise_any(self) -> None:
        if self.problems:
            raise _Problems(self.problems)


# ------------------------------------------------------------------ units: parsing

_NUMBER = r"(\d+(?:\.\d+)?)"
_DURATION_RE = re.compile(rf"{_NUMBER}\s*(ms|s|m|h|d)")
_PERCENT_RE = re.compile(rf"{_NUMBER}\s*%")
_SECONDS_PER_UNIT = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}

_DURATION_HINT = "a duration with a unit such as '800ms', '3s', '10m', '1h' or '7d'"
_PERCENT_HINT = "a percent such as '0.5%'"
_LATENCY_HINT = "a latency with a unit such as '800ms' or '0.8s'"
_RATE_RE = re.compile(rf"{_NUMBER}\s*/\s*(s|min)")
_RATE_HINT = "a request rate such as '50/s' or '3000/min', or a number of requests per second"
_SECONDS_PER_RATE_UNIT = {"s": 1.0, "min": 60.0}


class _TextNumber(float):
    """A float that remembers how it was written, so messages show '10m' and not 600.0."""

    __slots__ = ("text",)
    text: str

    def __new__(cls, number: float, text: str) -> Self:
        self = super().__new__(cls, number)
        self.text = text
        return self

    def __repr__(self) -> str:
        return repr(self.text)

    def __str__(self) -> str:
        return self.text

    def __reduce__(self) -> tuple[Any, ...]:  # pickle/deepcopy keep the text
        return (type(self), (float(self), self.text))

    # Each unit defines `_parse(value) -> Self` and `_json_example: ClassVar[str]`.
    _json_example: ClassVar[str]

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: GetCoreSchemaHandler) -> core_schema.CoreSchema:
        return core_schema.no_info_plain_validator_function(
            cls._parse,  # type: ignore[attr-defined]
            serialization=core_schema.plain_serializer_function_ser_schema(lambda v: v.text),
        )

    @classmethod
    def __get_pydantic_json_schema__(cls, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler) -> dict[str, Any]:
        return {"type": "string", "examples": [cls._json_example]}


class Duration(_TextNumber):
    """Seconds, written with a unit: '800ms', '3s', '10m', '1h'."""

    @property
    def seconds(self) -> float:
        return float(self)

    @property
    def timedelta(self) -> timedelta:
        return timedelta(seconds=float(self))

    @classmethod
    def _parse(cls, value: object) -> Duration:
        return parse_duration(value)

    _json_example = "10m"


class Percent(_TextNumber):
    """A fraction written as a percent: '0.5%' is 0.005."""

    @property
    def percent(self) -> float:
        return float(self) * 100

    @classmethod
    def _parse(cls, value: object) -> Percent:
        return parse_percent(value)

    _json_example = "0.5%"


class LatencyMs(_TextNumber):
    """Milliseconds, written '800ms' or '0.8s'."""

    @property
    def seconds(self) -> float:
        return float(self) / 1000

    @classmethod
    def _parse(cls, value: object) -> LatencyMs:
        return parse_latency_ms(value)

    _json_example = "800ms"


class RequestRate(_TextNumber):
    """Requests per second, written '50/s', '3000/min' or as a bare number (per second)."""

    @property
    def per_second(self) -> float:
        return float(self)

    @classmethod
    def _parse(cls, value: object) -> RequestRate:
        return parse_rate(value)

    _json_example = "50/s"


def _as_text(value: object) -> str | None:
    """The text of a str (or of another unit's number); None for anything else."""
    if isinstance(value, _TextNumber):
        return value.text
    return value.strip() if isinstance(value, str) else None


def parse_duration(value: object) -> Duration:
    """'800ms' | '3s' | '10m' | '1h' -> Duration (seconds). A bare number is an error: which unit?"""
    if isinstance(value, Duration):
        return value
    text = _as_text(value)
    match = _DURATION_RE.fullmatch(text) if text is not None else None
    if match:
        return Duration(float(match[1]) * _SECONDS_PER_UNIT[match[2]], text)
    if text is not None and _PERCENT_RE.fullmatch(text):
        raise PlanValueError(value, "a duration such as '10m', not a percent")
    raise PlanValueError(value, _DURATION_HINT)


def parse_percent(value: object) -> Percent:
    """'0.5%' -> Percent(0.005). A bare number is an error: fraction or percent?"""
    if isinstance(value, Percent):
        return value
    text = _as_text(value)
    match = _PERCENT_RE.fullmatch(text) if text is not None else None
    if match:
        return Percent(float(match[1]) / 100, text)
    if text is not None and _DURATION_RE.fullmatch(text):
        raise PlanValueError(value, f"{_PERCENT_HINT}, not a duration")
    raise PlanValueError(value, f"{_PERCENT_HINT} (with the % sign)")


def parse_latency_ms(value: object) -> LatencyMs:
    """'800ms' | '0.8s' -> LatencyMs(800.0)."""
    if isinstance(value, LatencyMs):
        return value
    text = _as_text(value)
    match = _DURATION_RE.fullmatch(text) if text is not None else None
    if match and match[2] in ("ms", "s"):
        return LatencyMs(float(match[1]) * _SECONDS_PER_UNIT[match[2]] * 1000, text)
    raise PlanValueError(value, _LATENCY_HINT)


def parse_rate(value: object) -> RequestRate:
    """'50/s' | '3000/min' | 50 -> RequestRate (requests per second, more than zero)."""
    if isinstance(value, RequestRate):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        number, text = float(value), f"{value:g}/s"
    else:
        text = _as_text(value)
        match = _RATE_RE.fullmatch(text) if text is not None else None
        if match is None and text is not None and re.fullmatch(_NUMBER, text):
            number, text = float(text), f"{text}/s"
        elif match is None:
            raise PlanValueError(value, _RATE_HINT)
        else:
            number = float(match[1]) / _SECONDS_PER_RATE_UNIT[match[2]]
    if not number > 0 or number != number or number == float("inf"):
        raise PlanValueError(value, f"{_RATE_HINT}, more than zero")
    return RequestRate(number, text)


def _positive(value: _TextNumber) -> _TextNumber:
    if value <= 0:
        raise PlanValueError(value, "must be more than zero")
    return value


def _at_most_100(value: Percent) -> Percent:
    if value > 1:
        raise PlanValueError(value, "at most 100%")
    return value


PositiveDuration = Annotated[Duration, AfterValidator(_positive)]
PositiveLatency = Annotated[LatencyMs, AfterValidator(_positive)]
Fraction = Annotated[Percent, AfterValidator(_at_most_100)]  # 0%..100%
PositiveFraction = Annotated[Percent, AfterValidator(_positive), AfterValidator(_at_most_100)]
PositivePercent = Annotated[Percent, AfterValidator(_positive)]  # may exceed 100% (e.g. slowdown)

# ------------------------------------------------------------ strings: validation


def _matching(pattern: str, expected: str) -> AfterValidator:
    compiled = re.compile(pattern)

    def check(value: str) -> str:
        if not compiled.fullmatch(value):
            raise PlanValueError(value, expected)
        return value

    return AfterValidator(check)


def _url_path(value: str) -> str:
    if not value.startswith("/"):
        raise PlanValueError(value, "a path starting with '/', such as '/health'")
    if re.search(r"\s", value):
        raise PlanValueError(value, "a path without spaces")
    if any(name != "id" for name in re.findall(r"\{([^}]*)\}", value)):
        raise PlanValueError(value, "a path whose only placeholder is {id}")
    return value


def _template_path(value: str) -> str:
    """A scenario's path: like a smoke path, but any {variable} an earlier step captured may appear."""
    if not value.startswith("/"):
        raise PlanValueError(value, "a path starting with '/', such as '/api/items/{id}'")
    if re.search(r"\s", value):
        raise PlanValueError(value, "a path without spaces")
    return value


def _http_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
        raise PlanValueError(value, "an http(s) URL such as 'https://staging.example.com'")
    return value.rstrip("/")  # callers join paths that start with '/'


def _dns_name(value: str) -> str:
    return value if value.endswith(".") else value + "."  # Route 53's canonical form


def _relative_path(value: str) -> str:
    if Path(value).is_absolute() or ".." in Path(value).parts:
        raise PlanValueError(value, "a path relative to build.working_dir, inside it")
    return value


NonEmpty = Annotated[str, _matching(r"\s*\S.*", "a non-empty string")]
PersonName = Annotated[str, _matching(
    r"[a-z0-9][a-z0-9._-]*", "a lowercase name matching ^[a-z0-9][a-z0-9._-]*$, such as 'alice'")]
BlockName = Annotated[str, _matching(
    r"[a-z0-9]+(?:-[a-z0-9]+)*", "a Prefect block name (lowercase letters, digits, dashes), such as 'launch-slack'")]
Slug = Annotated[str, _matching(
    r"[a-z0-9][a-z0-9._-]*", "a lowercase name (letters, digits, '.', '_', '-'), such as 'board'")]
HeaderName = Annotated[str, _matching(
    r"[!#$%&'*+.^_`|~0-9A-Za-z-]+", "an HTTP header name such as 'X-Golive-Version'")]
UrlPath = Annotated[str, AfterValidator(_url_path)]
TemplatePath = Annotated[str, AfterValidator(_template_path)]
HttpUrl = Annotated[str, AfterValidator(_http_url)]
_JSON_INDEX = r"(?:\[(?:\*|\d+|[A-Za-z_][\w-]*=[^\]]*)\])*"
JsonPath = Annotated[str, _matching(
    rf"[A-Za-z_][\w-]*{_JSON_INDEX}(?:\.[A-Za-z_][\w-]*{_JSON_INDEX})*",
    "a dotted JSON path such as 'status', 'columns[*].appointments[*].id' or 'columns[status=done].count'")]
BucketName = Annotated[str, _matching(
    r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]", "an S3 bucket name: 3-63 lowercase letters, digits, '.', '-'")]
S3Prefix = Annotated[str, _matching(
    r"[\w!.*'()-]+(?:/[\w!.*'()-]+)*", "an S3 key prefix without leading or trailing '/', such as 'releases'")]
DistributionId = Annotated[str, _matching(
    r"[A-Z][A-Z0-9]{5,31}", "a CloudFront distribution id such as 'E1234567890123'")]
DnsName = Annotated[str, _matching(
    r"(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9-]{1,63}\.?",
    "a lowercase DNS name such as 'example.com.'"), AfterValidator(_dns_name)]
AwsShortName = Annotated[str, _matching(
    r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,30}[A-Za-z0-9])?", "a name of 1-32 letters, digits and '-'")]
RelativePath = Annotated[NonEmpty, AfterValidator(_relative_path)]


def _duplicates(values: Sequence[Hashable]) -> list[Hashable]:
    seen: set[Hashable] = set()
    return [v for v in values if v in seen or seen.add(v)]  # type: ignore[func-returns-value]


def _unique_names(names: list[str], what: str) -> list[str]:
    """A non-empty list without repeats ('at least one approver')."""
    if not names:
        raise PlanValueError(names, f"at least one {what}")
    if dupes := _duplicates(names):
        raise PlanValueError(names, f"each {what} once ({dupes[0]!r} is repeated)")
    return names


def _unique_field(checks: _Checks, items: Sequence[Any], field: str, prefix: tuple[str | int, ...], what: str) -> None:
    """Report every item whose `field` repeats an earlier one, at that item's path."""
    seen: set[Any] = set()
    for index, item in enumerate(items):
        value = getattr(item, field)
        if value in seen:
            checks.fail((*prefix, index, field), value, f"{what} must be unique")
        seen.add(value)


# ----------------------------------------------------------------------- models


class _Model(BaseModel):
    # Unknown keys are typos until proven otherwise; a loaded plan is not edited.
    model_config = ConfigDict(extra="forbid", frozen=True)


class Route53Config(_Model):
    """Weighted records: the canary weight is the canary record's share of the pair."""

    hosted_zone: DnsName
    record_name: DnsName
    stable_set_identifier: NonEmpty = "stable"
    canary_set_identifier: NonEmpty = "canary"

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        checks = _Checks()
        if self.record_name != self.hosted_zone and not self.record_name.endswith("." + self.hosted_zone):
            checks.fail("record_name", self.record_name, f"a name inside the hosted zone {self.hosted_zone!r}")
        if self.canary_set_identifier == self.stable_set_identifier:
            checks.fail("canary_set_identifier", self.canary_set_identifier, "must differ from stable_set_identifier")
        checks.raise_any()
        return self


class AlbConfig(_Model):
    """A listener whose forward action weighs a stable and a canary target group."""

    load_balancer_name: AwsShortName
    listener_port: int = Field(443, ge=1, le=65535)
    stable_target_group: AwsShortName
    canary_target_group: AwsShortName

    @model_validator(mode="after")
    def _distinct_groups(self) -> Self:
        checks = _Checks()
        if self.canary_target_group == self.stable_target_group:
            checks.fail("canary_target_group", self.canary_target_group, "must differ from stable_target_group")
        checks.raise_any()
        return self


RouterKind = Literal["route53", "alb"]


class RouterConfig(_Model):
    kind: RouterKind
    route53: Route53Config | None = None
    alb: AlbConfig | None = None

    @model_validator(mode="after")
    def _section_for_kind(self) -> Self:
        checks = _Checks()
        if getattr(self, self.kind) is None:
            checks.fail(self.kind, _MISSING, f"required when kind is {self.kind!r}")
        checks.raise_any()
        return self

    @property
    def settings(self) -> Route53Config | AlbConfig:
        """The section that `kind` selects."""
        section = getattr(self, self.kind)
        assert section is not None  # guaranteed by validation
        return section


class Environment(_Model):
    url: HttpUrl  # the site (CloudFront)
    api_base_url: HttpUrl
    bucket: BucketName
    prefix: S3Prefix  # release objects go under {prefix}/{release}/
    cloudfront_distribution_id: DistributionId
    health_path: UrlPath = "/health"
    # the CloudFront origin a deploy repoints; None = the default cache behaviour's origin
    origin_id: NonEmpty | None = None
    # production: the origin a deploy points at the new release while users still see the
    # live one (weight 0); None = the frontend switches only when the release is promoted
    canary_origin_id: NonEmpty | None = None
    # a GoliveEnvironment block (configured in the Prefect UI) whose values overlay this section
    block: BlockName | None = None
    aws_credentials_block: BlockName | None = None
    router: RouterConfig | None = None
    alarms: list[NonEmpty] = Field(default_factory=list)  # CloudWatch alarm names

    @field_validator("alarms")
    @classmethod
    def _unique_alarms(cls, alarms: list[str]) -> list[str]:
        if dupes := _duplicates(alarms):
            raise PlanValueError(alarms, f"each alarm once ({dupes[0]!r} is repeated)")
        return alarms

    def release_prefix(self, release: str) -> str:
        return f"{self.prefix}/{release}"


class Environments(_Model):
    staging: Environment
    production: Environment

    @model_validator(mode="after")
    def _production_ready(self) -> Self:
        checks = _Checks()
        if self.production.router is None:
            checks.fail(("production", "router"), _MISSING, "required: the canary shifts production traffic with it")
        if (self.staging.bucket, self.staging.prefix) == (self.production.bucket, self.production.prefix):
            checks.fail(("production", "prefix"), self.production.prefix,
                        "must differ from staging's prefix in the same bucket (releases would collide)")
        checks.raise_any()
        return self

    def items(self) -> list[tuple[str, Environment]]:
        return [("staging", self.staging), ("production", self.production)]


class Roles(_Model):
    approvers: list[PersonName]
    uat_signers: list[PersonName]

    @field_validator("approvers")
    @classmethod
    def _approvers(cls, names: list[str]) -> list[str]:
        return _unique_names(names, "approver")

    @field_validator("uat_signers")
    @classmethod
    def _signers(cls, names: list[str]) -> list[str]:
        return _unique_names(names, "UAT signer")


class BuildConfig(_Model):
    command: list[NonEmpty]  # argv, run without a shell
    working_dir: NonEmpty  # relative to the repo root (the plan directory's parent) or absolute
    output_dir: RelativePath = "dist"

    @field_validator("command")
    @classmethod
    def _has_program(cls, argv: list[str]) -> list[str]:
        if not argv:
            raise PlanValueError(argv, "an argv list such as ['python', 'build.py']")
        return argv


HttpMethod = Literal["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"]
_BODY_METHODS = ("POST", "PUT", "PATCH")


class _Request(_Model):
    """What smoke checks and scenario steps share: an HTTP method (any case) and a JSON body."""

    method: HttpMethod = "GET"
    body: Any = None  # JSON, for POST/PUT/PATCH

    @field_validator("method", mode="before")
    @classmethod
    def _upper_method(cls, method: Any) -> Any:
        return method.upper() if isinstance(method, str) else method

    def _check_body(self, checks: _Checks) -> None:
        if self.body is not None and self.method not in _BODY_METHODS:
            checks.fail("body", self.body, f"a body is only sent with POST, PUT or PATCH, not {self.method}")


class SmokeCheck(_Request):
    name: Slug
    target: Literal["site", "api"] = "api"  # site = env.url, api = env.api_base_url
    path: UrlPath
    expect_status: int = Field(200, ge=100, le=599)
    json_fields: list[JsonPath] = Field(default_factory=list)  # must exist in the JSON body
    headers: dict[HeaderName, str] = Field(default_factory=dict)  # header -> required substring ("" = present)
    max_latency_ms: float | None = Field(None, gt=0)
    auth: Literal["none", "sigv4", "bearer"] = "none"
    bearer_secret_block: BlockName | None = None  # a Prefect Secret block

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        checks = _Checks()
        if self.auth == "bearer" and self.bearer_secret_block is None:
            checks.fail("bearer_secret_block", _MISSING, "required when auth is 'bearer'")
        if self.auth != "bearer" and self.bearer_secret_block is not None:
            checks.fail("bearer_secret_block", self.bearer_secret_block, "only used when auth is 'bearer'")
        self._check_body(checks)
        checks.raise_any()
        return self


class SmokeConfig(_Model):
    suites: dict[NonEmpty, list[SmokeCheck]]  # suite name -> checks, run in order

    @field_validator("suites")
    @classmethod
    def _some_suites(cls, suites: dict[str, list[SmokeCheck]]) -> dict[str, list[SmokeCheck]]:
        if not suites:
            raise PlanValueError(suites, "at least one suite, such as infrastructure: [...]")
        return suites

    @model_validator(mode="after")
    def _suites_well_formed(self) -> Self:
        checks = _Checks()
        for name, suite in self.suites.items():
            if not suite:
                checks.fail(("suites", name), suite, "at least one check per suite")
            _unique_field(checks, suite, "name", ("suites", name), "check names within a suite")
        checks.raise_any()
        return self

    def all_checks(self) -> Iterator[tuple[str, int, SmokeCheck]]:
        for name, suite in self.suites.items():
            for index, check in enumerate(suite):
                yield name, index, check


class ErrorRateSlo(_Model):
    target: Fraction  # what a healthy release achieves (below it: pass)
    limit: Fraction  # at or above it: fail

    @model_validator(mode="after")
    def _target_below_limit(self) -> Self:
        checks = _Checks()
        if self.target >= self.limit:
            checks.fail("target", self.target, f"must be below the limit ({self.limit.text!r})")
        checks.raise_any()
        return self


LatencyStat = Literal["mean", "p50", "p90", "p95", "p99"]


class LatencySlo(_Model):
    name: Slug
    path: UrlPath
    stat: LatencyStat
    threshold: PositiveLatency


class Slos(_Model):
    error_rate: ErrorRateSlo
    latency: list[LatencySlo] = Field(default_factory=list)
    min_samples: int = Field(50, ge=10)  # per version per evaluation; fewer is inconclusive, never a pass

    @model_validator(mode="after")
    def _unique_names(self) -> Self:
        checks = _Checks()
        _unique_field(checks, self.latency, "name", ("latency",), "SLO names")
        checks.raise_any()
        return self


class IdSource(_Model):
    """Where the probe finds values for {id} in paths."""

    path: UrlPath
    json_path: JsonPath

    @field_validator("path")
    @classmethod
    def _no_placeholder(cls, path: str) -> str:
        if "{id}" in path:
            raise PlanValueError(path, "a path without {id}: it is where ids come from")
        return path


# How far the probe's own client lag may move an SLO's number (golive.core.probe_health), by default a tenth
# of that SLO's threshold: small beside the SLO's margin, so a verdict near its line is not the client's
# doing, yet far above what a healthy client adds (a few ms; board p95 800ms -> 80 ms, drawer 200ms -> 20 ms).
CLIENT_LAG_SHARE = 0.1
# With no latency SLO the lag's own p95 is judged, against a tenth of the probe's request timeout (10 s).
CLIENT_LAG_WITHOUT_LATENCY_SLOS_MS = 1000.0


class ProbeConfig(_Model):
    """The SLO probe's load: `requests_per_evaluation` in all, at most `concurrency` in flight and, with
    `rate`, sent open-loop at that many requests per second (the concurrency still caps it). The probe
    measures its own lag; if it could move an SLO's number by more than `max_client_lag` (by
    default a tenth of that SLO's threshold), an evaluation is inconclusive, never failed."""

    requests_per_evaluation: int = Field(200, ge=1)
    concurrency: int = Field(16, ge=1)
    rate: RequestRate | None = None  # None: closed loop, the next request as soon as one returns
    max_client_lag: PositiveLatency | None = None  # None: a tenth of each SLO's threshold (client_lag_bounds_ms)
    id_source: IdSource | None = None


class MetricsConfig(_Model):
    """Which metric source measures the SLOs: `kind` names one (tasks/metrics/registry.py knows them and
    checks its settings: under the kind's own key, except the probe's, which are the top-level `probe:`)."""

    model_config = ConfigDict(extra="allow", frozen=True)  # a kind's own section: its registry entry checks it

    kind: Slug = "probe"


class CompareWithStable(_Model):
    """Rank test of canary against stable, to catch a regression before it crosses a threshold."""

    enabled: bool = True
    alpha: float = Field(0.01, gt=0, lt=1)
    max_relative_slowdown: PositivePercent = Percent(0.2, "20%")


def client_lag_bounds_ms(slos: Slos, max_client_lag_ms: float | None = None) -> dict[str, float]:
    """'board p95' -> how far the probe's own lag may move that SLO's number (ms): `max_client_lag_ms` (the
    plan's probe.max_client_lag) for every SLO if given, else CLIENT_LAG_SHARE of each SLO's threshold."""
    return {f"{slo.name} {slo.stat}": float(max_client_lag_ms) if max_client_lag_ms is not None
            else CLIENT_LAG_SHARE * float(slo.threshold) for slo in slos.latency}


def default_max_client_lag_ms(slos: Slos, max_client_lag_ms: float | None = None) -> float:
    """The tightest of `client_lag_bounds_ms`; with no latency SLO, the bound on the lag's own p95."""
    bounds = client_lag_bounds_ms(slos, max_client_lag_ms)
    if bounds:
        return min(bounds.values())
    return float(max_client_lag_ms) if max_client_lag_ms is not None else CLIENT_LAG_WITHOUT_LATENCY_SLOS_MS


def _traffic_step(step: int) -> int:
    if not 1 <= step <= 100:
        raise PlanValueError(step, "a percent of traffic from 1 to 100")
    return step


class CanaryPolicy(_Model):
    steps: list[Annotated[int, AfterValidator(_traffic_step)]]
    bake: PositiveDuration  # time at each step
    evaluation_interval: PositiveDuration
    max_consecutive_failures: int = Field(2, ge=1)
    max_total_failures: int = Field(3, ge=1)
    max_inconclusive_extensions: int = Field(2, ge=0)
    share_tolerance: PositiveFraction = Percent(0.05, "5%")  # allowed deviation of the observed canary share
    compare_with_stable: CompareWithStable = CompareWithStable()

    @field_validator("steps")
    @classmethod
    def _steps(cls, steps: list[int]) -> list[int]:
        if not steps:
            raise PlanValueError(steps, "at least one step, ending at 100")
        if any(later <= earlier for earlier, later in zip(steps, steps[1:])):
            raise PlanValueError(steps, "steps must strictly increase")
        if steps[-1] != 100:
            raise PlanValueError(steps, "the last step must be 100 (full rollout)")
        return steps

    @model_validator(mode="after")
    def _timings_and_limits(self) -> Self:
        checks = _Checks()
        if self.evaluation_interval > self.bake:
            checks.fail("evaluation_interval", self.evaluation_interval,
                        f"must not be longer than bake ({self.bake.text!r})")
        if self.max_total_failures < self.max_consecutive_failures:
            checks.fail("max_total_failures", self.max_total_failures,
                        f"at least max_consecutive_failures ({self.max_consecutive_failures})")
        checks.raise_any()
        return self

    @property
    def evaluations_per_step(self) -> int:
        return max(1, int(self.bake // self.evaluation_interval))

    @property
    def minimum_duration(self) -> float:
        """Seconds from the first step to the end of the last bake, if every evaluation passes."""
        return len(self.steps) * float(self.bake)


class Stabilization(_Model):
    window: PositiveDuration = Duration(1800, "30m")
    checkpoint_interval: PositiveDuration = Duration(600, "10m")

    @model_validator(mode="after")
    def _interval_within_window(self) -> Self:
        checks = _Checks()
        if self.checkpoint_interval > self.window:
            checks.fail("checkpoint_interval", self.checkpoint_interval,
                        f"must not be longer than window ({self.window.text!r})")
        checks.raise_any()
        return self

    @property
    def checkpoints(self) -> int:
        return max(1, int(self.window // self.checkpoint_interval))


class ScenarioStep(_Request):
    """One request of an end-to-end scenario and what its response must show.

    A body value that is exactly "{name}" sends the variable with its type."""

    path: TemplatePath  # may use {id} and any variable an earlier step captured
    expect_status: int = Field(200, ge=100, le=599)
    json_fields: list[JsonPath] = Field(default_factory=list)  # must exist
    capture: dict[Slug, JsonPath] = Field(default_factory=dict)  # variable -> where in the response
    expect_equal: dict[JsonPath, Any] = Field(default_factory=dict)  # the first value there equals this
    expect_includes: dict[JsonPath, Any] = Field(default_factory=dict)  # one of the values there equals this

    @model_validator(mode="after")
    def _body_needs_a_body_method(self) -> Self:
        checks = _Checks()
        self._check_body(checks)
        checks.raise_any()
        return self


class Scenario(_Model):
    """An end-to-end flow of the runbook's Gate G checklist, run at every checkpoint."""

    name: Slug
    description: str = ""
    steps: list[ScenarioStep] = Field(min_length=1)

    def problems(self, has_ids: bool) -> Iterator[tuple[tuple[str | int, ...], Any, str]]:
        """Each use of a variable no earlier step captured (nor the id source provides)."""
        from string import Formatter

        def used(template: Any) -> set[str]:
            if isinstance(template, str):
                try:
                    return {f for _, f, _, _ in Formatter().parse(template) if f}
                except ValueError:
                    return set()
            if isinstance(template, dict):
                return set().union(set(), *(used(k) | used(v) for k, v in template.items()))
            if isinstance(template, list):
                return set().union(set(), *(used(v) for v in template))
            return set()

        known = {"id"} if has_ids else set()
        for index, step in enumerate(self.steps):
            for field, template in (("path", step.path), ("body", step.body),
                                    ("expect_equal", step.expect_equal), ("expect_includes", step.expect_includes)):
                for name in sorted(used(template) - known - set(step.capture) if field.startswith("expect")
                                   else used(template) - known):
                    yield (("steps", index, field), template,
                           f"uses {{{name}}}, which no earlier step captures"
                           + ("" if has_ids or name != "id" else " ({id} needs probe.id_source)"))
            known |= set(step.capture)


class Approvals(_Model):
    timeout: PositiveDuration = Duration(3600, "1h")  # then the gate fails closed
    poll_interval: PositiveDuration = Duration(5, "5s")  # how often a paused gate checks for a decision


class Notification(_Model):
    name: Slug
    kind: Slug  # a notifier kind: tasks/notify_registry.py knows them
    block: BlockName  # Prefect block document name, resolved at pre-flight


class Communications(_Model):
    """Overrides of the runbook's message templates (blocks/message_templates.py), by name."""

    templates: dict[str, str] = Field(default_factory=dict)  # template name -> body with {placeholders}


class LaunchPlan(_Model):
    app: NonEmpty
    version_header: HeaderName = "X-Golive-Version"  # which version served: stable | canary
    release_header: HeaderName = "X-Golive-Release"  # which release served
    environments: Environments
    roles: Roles
    build: BuildConfig
    smoke: SmokeConfig
    slos: Slos
    probe: ProbeConfig = ProbeConfig()
    metrics: MetricsConfig = MetricsConfig()
    canary: CanaryPolicy
    stabilization: Stabilization = Stabilization()
    approvals: Approvals = Approvals()
    notifications: list[Notification] = Field(default_factory=list)
    communications: Communications = Communications()
    scenarios: list[Scenario] = Field(default_factory=list)  # Gate G's end-to-end flows

    _source_path: Path | None = PrivateAttr(default=None)
    _overrides: dict[str, str] = PrivateAttr(default_factory=dict)

    @model_validator(mode="after")
    def _cross_sections(self) -> Self:
        checks = _Checks()
        if self.version_header.lower() == self.release_header.lower():
            checks.fail("release_header", self.release_header, "must differ from version_header")
        _unique_field(checks, self.notifications, "name", ("notifications",), "notification names")
        _unique_field(checks, self.scenarios, "name", ("scenarios",), "scenario names")
        for number, scenario in enumerate(self.scenarios):
            for loc, value, expected in scenario.problems(self.probe.id_source is not None):
                checks.fail(("scenarios", number, *loc), value, expected)
        if self.probe.id_source is None:
            for loc, path in self._paths_with_id():
                checks.fail(loc, path, "uses {id}, so probe.id_source must say where ids come from")
        self._check_client_lag(checks)
        self._check_templates(checks)
        checks.raise_any()
        return self

    def _check_client_lag(self, checks: _Checks) -> None:
        # A lag as large as a threshold could fail that SLO on its own: then the guard guards nothing.
        bound = self.probe.max_client_lag
        if bound is None or not self.slos.latency:
            return
        tightest = min(self.slos.latency, key=lambda slo: float(slo.threshold))
        if bound >= tightest.threshold:
            checks.fail(("probe", "max_client_lag"), bound,
                        f"must be below the smallest latency SLO threshold ({tightest.threshold.text!r}, "
                        f"{tightest.name}): a client lag that large could fail it on its own")

    def _check_templates(self, checks: _Checks) -> None:
        # Here, not in Communications: the per-SLO placeholders ({board}) depend on slos.latency.
        slo_names = [slo.name for slo in self.slos.latency]
        for name, text in self.communications.templates.items():
            problem = template_problem(name, text, slo_names)
            if problem:
                checks.fail(("communications", "templates", name), text, problem)

    def _paths_with_id(self) -> Iterator[tuple[tuple[str | int, ...], str]]:
        for suite, index, check in self.smoke.all_checks():
            if "{id}" in check.path:
                yield ("smoke", "suites", suite, index, "path"), check.path
        for index, slo in enumerate(self.slos.latency):
            if "{id}" in slo.path:
                yield ("slos", "latency", index, "path"), slo.path

    @property
    def source_path(self) -> Path | None:
        """The file the plan was loaded from, if any."""
        return self._source_path

    @property
    def overrides(self) -> dict[str, str]:
        """Field path -> environment variable, for each value an override replaced."""
        return dict(self._overrides)

    @property
    def repo_root(self) -> Path:
        """The plan file's directory's parent (plans live in <repo>/plans/)."""
        return self._source_path.parent.parent if self._source_path else Path.cwd()

    @property
    def build_working_dir(self) -> Path:
        return self.repo_root / self.build.working_dir  # an absolute working_dir wins the join

    @property
    def build_output_dir(self) -> Path:
        return self.build_working_dir / self.build.output_dir

    @property
    def client_lag_bounds_ms(self) -> dict[str, float]:
        """'board p95' -> how far the probe's own lag may move that SLO's number (ms)."""
        return client_lag_bounds_ms(self.slos, self.probe.max_client_lag)

    @property
    def max_client_lag_ms(self) -> float | None:
        """probe.max_client_lag in ms, or None (then a tenth of each SLO's threshold): pass it to the judge."""
        bound = self.probe.max_client_lag
        return float(bound) if bound is not None else None

    def expected_canary_samples(self, step: int) -> float:
        """Probe requests per evaluation that should reach the canary at `step` percent."""
        return self.probe.requests_per_evaluation * step / 100

    def warnings(self) -> list[str]:
        """Valid but doubtful settings, for `golive plan check` to show."""
        found = []
        first = self.canary.steps[0]
        expected = self.expected_canary_samples(first)
        if expected < self.slos.min_samples:
            found.append(
                f"probe.requests_per_evaluation: {self.probe.requests_per_evaluation} sends ~{expected:g} requests "
                f"to the canary at {first}%, below slos.min_samples ({self.slos.min_samples}): "
                "evaluations there will be inconclusive")
        rate = self.probe.rate
        if rate is not None and self.probe.requests_per_evaluation / rate > self.canary.evaluation_interval:
            seconds = self.probe.requests_per_evaluation / rate
            found.append(
                f"probe.rate: {rate.text} sends {self.probe.requests_per_evaluation} requests in {seconds:g} s, "
                f"longer than canary.evaluation_interval ({self.canary.evaluation_interval.text}): each "
                "evaluation lasts as long as its probe, and a rollback waits for it")
        if not self.notifications:
            found.append("notifications: [] — nobody will hear about the launch")
        return found


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
