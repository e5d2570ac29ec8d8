"""The plan's string fields: what each kind of name, path and URL must look like.

Each type is an Annotated `str` whose validator raises `PlanValueError` with an example
of what would do (`DnsName`: "a lowercase DNS name such as 'example.com.'"); a few also
normalise (`HttpUrl` drops a trailing '/', `DnsName` adds Route 53's trailing '.').
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated
from urllib.parse import urlsplit

from pydantic import AfterValidator

from blocks.plan.errors import PlanValueError
from blocks.plan.json_paths import JSON_PATH_EXAMPLES, JsonPathError, parse_json_path


def _matching(pattern: str, expected: str) -> AfterValidator:
    compiled = re.compile(pattern)

    def check(value: str) -> str:
        if not compiled.fullmatch(value):
            raise PlanValueError(value, expected)
        return value

    return AfterValidator(check)


# A placeholder in a path or template: {id}, {sku}, {version} (the scenarios' and the probe's names).
PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")


def path_placeholders(path: str) -> list[str]:
    """The names of the {placeholders} in a path, in order of first use: '/a/{sku}/{id}' -> ['sku', 'id']."""
    return list(dict.fromkeys(PLACEHOLDER.findall(path)))


def template_placeholders(template: object) -> set[str]:
    """Every {name} a template uses: a string, or a list or dict of them (keys too), nested."""
    if isinstance(template, str):
        return set(PLACEHOLDER.findall(template))
    if isinstance(template, dict):
        return set().union(
            *(template_placeholders(k) | template_placeholders(v) for k, v in template.items())
        )
    if isinstance(template, list | tuple):
        return set().union(*(template_placeholders(v) for v in template))
    return set()


def _slash_path(value: str, example: str) -> str:
    if not value.startswith("/"):
        raise PlanValueError(value, f"a path starting with '/', such as {example!r}")
    if re.search(r"\s", value):
        raise PlanValueError(value, "a path without spaces")
    return value


def _url_path(value: str) -> str:
    _slash_path(value, "/health")
    if any(name != "id" for name in re.findall(r"\{([^}]*)\}", value)):
        raise PlanValueError(value, "a path whose only placeholder is {id}")
    return value


def _placeholder_path(value: str) -> str:
    """A smoke check's or an SLO's path: {name} placeholders, which probe.id_source must capture
    (LaunchPlan checks which names it provides)."""
    _slash_path(value, "/health")
    if re.search(r"[{}]", PLACEHOLDER.sub("", value)):
        raise PlanValueError(
            value,
            "a path whose placeholders are names in braces, such as '/api/items/{id}' or '/api/stock/{sku}'",
        )
    return value


def _template_path(value: str) -> str:
    """A scenario's path: like a smoke path, but any {variable} an earlier step captured may appear."""
    return _slash_path(value, "/api/items/{id}")


def _http_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
        raise PlanValueError(value, "an http(s) URL such as 'https://staging.example.com'")
    return value.rstrip("/")  # callers join paths that start with '/'


def _json_path(value: str) -> str:
    try:
        parse_json_path(value)
    except JsonPathError as error:
        raise PlanValueError(
            value, f"a JSON path such as {JSON_PATH_EXAMPLES} ({error.reason})"
        ) from None
    return value


def _dns_name(value: str) -> str:
    return value if value.endswith(".") else value + "."  # Route 53's canonical form


def _relative_path(value: str) -> str:
    if Path(value).is_absolute() or ".." in Path(value).parts:
        raise PlanValueError(value, "a path relative to build.working_dir, inside it")
    return value


NonEmpty = Annotated[str, _matching(r"\s*\S.*", "a non-empty string")]
PersonName = Annotated[
    str,
    _matching(
        r"[a-z0-9][a-z0-9._-]*", "a lowercase name matching ^[a-z0-9][a-z0-9._-]*$, such as 'alice'"
    ),
]
BlockName = Annotated[
    str,
    _matching(
        r"[a-z0-9]+(?:-[a-z0-9]+)*",
        "a Prefect block name (lowercase letters, digits, dashes), such as 'launch-slack'",
    ),
]
Slug = Annotated[
    str,
    _matching(
        r"[a-z0-9][a-z0-9._-]*",
        "a lowercase name (letters, digits, '.', '_', '-'), such as 'board'",
    ),
]
# A Secrets Manager name prefix ("golive/approvers/"): the characters a secret's name may hold.
SecretPrefix = Annotated[
    str,
    _matching(
        r"[A-Za-z0-9/_+=.@-]{1,400}",
        "a Secrets Manager name prefix (letters, digits, /_+=.@-), such as 'golive/approvers/'",
    ),
]
HeaderName = Annotated[
    str, _matching(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+", "an HTTP header name such as 'X-Golive-Version'")
]
UrlPath = Annotated[str, AfterValidator(_url_path)]
PlaceholderPath = Annotated[str, AfterValidator(_placeholder_path)]
PlaceholderName = Annotated[
    str,
    _matching(
        r"[A-Za-z_][A-Za-z0-9_]*",
        "a placeholder name (letters, digits and '_', not starting with a digit), such as 'sku'",
    ),
]
TemplatePath = Annotated[str, AfterValidator(_template_path)]
HttpUrl = Annotated[str, AfterValidator(_http_url)]
JsonPath = Annotated[str, AfterValidator(_json_path)]
BucketName = Annotated[
    str,
    _matching(
        r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]",
        "an S3 bucket name: 3-63 lowercase letters, digits, '.', '-'",
    ),
]
S3Prefix = Annotated[
    str,
    _matching(
        r"[\w!.*'()-]+(?:/[\w!.*'()-]+)*",
        "an S3 key prefix without leading or trailing '/', such as 'releases'",
    ),
]
DistributionId = Annotated[
    str, _matching(r"[A-Z][A-Z0-9]{5,31}", "a CloudFront distribution id such as 'E1234567890123'")
]
DnsName = Annotated[
    str,
    _matching(
        r"(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9-]{1,63}\.?",
        "a lowercase DNS name such as 'example.com.'",
    ),
    AfterValidator(_dns_name),
]
AwsShortName = Annotated[
    str,
    _matching(
        r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,30}[A-Za-z0-9])?", "a name of 1-32 letters, digits and '-'"
    ),
]
RelativePath = Annotated[NonEmpty, AfterValidator(_relative_path)]
