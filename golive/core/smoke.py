"""Judging one smoke check's response against the plan (pure: no network).

`tasks/http_checks.py` sends the request and hands over what came back as an
`Observation`; this module turns it into a `CheckResult`. Every way to fail names
what was wrong (status, JSON field, header, latency), so a failed gate reads as a
to-do list rather than a red light.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from blocks.plan import SmokeCheck
from golive.core import jsonpath
from golive.core.checks import CheckResult
from golive.core.formatting import budget_ms, is_at_least, ms, shorten

__all__ = [
    "Observation",
    "assess",
    "check_name",
    "not_run",
    "problems",
    "threshold_text",
    "unreachable",
]


@dataclass(frozen=True)
class Observation:
    """What one request returned. `headers` may be any mapping; names are matched case-insensitively."""

    status: int
    latency_ms: float
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes = b""


def check_name(suite: str, check: SmokeCheck) -> str:
    return f"{suite}/{check.name}"


def threshold_text(check: SmokeCheck) -> str:
    """'200, fields status, headers Content-Type contains 'application/json', < 500 ms'."""
    parts = [str(check.expect_status)]
    if check.json_fields:
        parts.append("fields " + ", ".join(check.json_fields))
    if check.headers:
        parts.append(
            "headers "
            + ", ".join(
                f"{name} contains {wanted!r}" if wanted else name
                for name, wanted in check.headers.items()
            )
        )
    if check.max_latency_ms is not None:
        parts.append(f"< {budget_ms(check.max_latency_ms)}")
    return ", ".join(parts)


def problems(check: SmokeCheck, observed: Observation) -> list[str]:
    """Everything wrong with the response, in plan order; [] when the check passes."""
    found: list[str] = []
    if observed.status != check.expect_status:
        # An error page has none of the expected fields: listing them would only be noise.
        found.append(f"expected status {check.expect_status}, got {observed.status}")
    elif check.json_fields:
        found += _field_problems(check.json_fields, observed)
    found += _header_problems(check.headers, observed.headers)
    budget = check.max_latency_ms
    if budget is not None and is_at_least(observed.latency_ms, budget):
        found.append(f"took {ms(observed.latency_ms, budget)}, over the {budget_ms(budget)} budget")
    return found


def assess(check: SmokeCheck, observed: Observation, suite: str) -> CheckResult:
    found = problems(check, observed)
    return CheckResult(
        name=check_name(suite, check),
        status="fail" if found else "pass",
        value=f"{observed.status} in {ms(observed.latency_ms, check.max_latency_ms)}",
        threshold=threshold_text(check),
        detail="; ".join(found),
        samples=1,
    )


def unreachable(
    check: SmokeCheck, suite: str, *, error: str, method: str, url: str, latency_ms: float
) -> CheckResult:
    """No response (timeout, refused, TLS...): fail closed. `error` must already be free of secrets."""
    return CheckResult(
        name=check_name(suite, check),
        status="fail",
        value=f"no response after {ms(latency_ms)}",
        threshold=threshold_text(check),
        detail=f"{error} on {method} {url}",
        samples=1,
    )


def not_run(check: SmokeCheck, suite: str, reason: str) -> CheckResult:
    """The request could not even be prepared (no ids, no credentials): a fail, never a skip."""
    return CheckResult(
        name=check_name(suite, check),
        status="fail",
        value="not run",
        threshold=threshold_text(check),
        detail=reason,
        samples=0,
    )


def _field_problems(paths: list[str], observed: Observation) -> list[str]:
    try:
        doc: Any = json.loads(observed.body)
    except ValueError:
        content_type = _lower_keys(observed.headers).get("content-type", "no Content-Type")
        return [f"body is not JSON ({content_type}), so fields {', '.join(paths)} are missing"]
    missing = [path for path in paths if not jsonpath.exists(doc, path)]
    if not missing:
        return []
    return [f"missing JSON field{'s' if len(missing) > 1 else ''} {', '.join(missing)}"]


def _header_problems(wanted: Mapping[str, str], headers: Mapping[str, str]) -> list[str]:
    present = _lower_keys(headers)
    found = []
    for name, substring in wanted.items():
        value = present.get(name.lower())
        if value is None:
            found.append(f"missing header {name}")
        # Values compare case-insensitively too: media types, 'DENY' and HSTS directives all do.
        elif substring.lower() not in value.lower():
            found.append(f"header {name} is {_short(value)}, expected it to contain {substring!r}")
    return found


def _lower_keys(headers: Mapping[str, str]) -> dict[str, str]:
    return {name.lower(): value for name, value in headers.items()}


def _short(text: str, limit: int = 60) -> str:
    return repr(shorten(text, limit))
