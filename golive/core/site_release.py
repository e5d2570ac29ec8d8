"""How a page of the site names its release: the reader registry (pure: a response in, a release
or None out).

A real S3 + CloudFront site sends no release header unless someone builds one, so the plan's
`site_release` names how its site tells: a response header, a `<meta>` tag, a JSON document (an
asset manifest, /version.json) or S3 object metadata that CloudFront passes through as
`x-amz-meta-<key>` (golive sets `golive-release` on every object it uploads). Every check of
what the site serves (Gate A, the production deploy, promotion, rollback, Gate G, the health
check) reads through the one reader the plan names (tasks/served.py does the requests).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from blocks.plan import Problem, SiteRelease
from golive.core import jsonpath
from golive.core.registry import Registry

Headers = Mapping[str, str]  # case-insensitive lookups (httpx / aiohttp headers), or lowercase keys


@dataclass(frozen=True)
class SiteReleaseReader:
    kind: str
    read: Callable[[SiteRelease, Headers, bytes], str | None]  # None: the response names none
    describe: Callable[[SiteRelease], str]
    needs: Callable[[SiteRelease], list[Problem]] = lambda settings: []


def _header(settings: SiteRelease, headers: Headers, body: bytes) -> str | None:
    return _get(headers, settings.header or "") or None


def _meta(settings: SiteRelease, headers: Headers, body: bytes) -> str | None:
    text = body.decode("utf-8", "replace")
    name = re.escape(settings.meta_name)
    # either attribute order, either quote: <meta name="x" content="v"> or <meta content='v' name='x'>
    for tag in re.findall(r"<meta\b[^>]*>", text, flags=re.IGNORECASE):
        if re.search(rf"""\bname\s*=\s*["']{name}["']""", tag, flags=re.IGNORECASE):
            found = re.search(r"""\bcontent\s*=\s*["']([^"']*)["']""", tag, flags=re.IGNORECASE)
            return (found.group(1).strip() or None) if found else None
    return None


def _json(settings: SiteRelease, headers: Headers, body: bytes) -> str | None:
    try:
        document = json.loads(body)
    except ValueError:
        return None
    values = jsonpath.find(document, settings.json_path or "")
    value = values[0] if values else None
    return str(value) if isinstance(value, (str, int, float)) and str(value) else None


def _s3_metadata(settings: SiteRelease, headers: Headers, body: bytes) -> str | None:
    return _get(headers, f"x-amz-meta-{settings.metadata_key}") or None


def _get(headers: Headers, name: str) -> str | None:
    value = headers.get(name)
    if value is None and name.lower() != name:
        value = headers.get(name.lower())
    return value


def _needs_header(settings: SiteRelease) -> list[Problem]:
    if settings.header:
        return []
    return [
        Problem(
            ("site_release", "header"), "(missing)", "required by kind header: the header's name"
        )
    ]


def _needs_json_path(settings: SiteRelease) -> list[Problem]:
    if settings.json_path:
        return []
    return [
        Problem(
            ("site_release", "json_path"),
            "(missing)",
            "required by kind json: where the release is in the document, e.g. build.release",
        )
    ]


READERS: Registry[SiteReleaseReader] = Registry(
    "site release reader",
    [
        SiteReleaseReader(
            "header", _header, lambda s: f"the {s.header} header of {s.path}", _needs_header
        ),
        SiteReleaseReader("meta", _meta, lambda s: f'<meta name="{s.meta_name}"> in {s.path}'),
        SiteReleaseReader(
            "json", _json, lambda s: f"{s.json_path} in the JSON of {s.path}", _needs_json_path
        ),
        SiteReleaseReader(
            "s3_metadata",
            _s3_metadata,
            lambda s: (
                f"S3 metadata x-amz-meta-{s.metadata_key} on {s.path} (set by golive's upload)"
            ),
        ),
    ],
)


def read_site_release(settings: SiteRelease, headers: Headers, body: bytes) -> str | None:
    """The release a site response names by the plan's reader, or None."""
    return READERS.get(settings.kind).read(settings, headers, body)


def describe(settings: SiteRelease) -> str:
    return READERS.get(settings.kind).describe(settings)


def site_release_problems(settings: SiteRelease) -> list[Problem]:
    try:
        reader = READERS.get(settings.kind)
    except LookupError as error:
        return [Problem(("site_release", "kind"), settings.kind, str(error))]
    return reader.needs(settings)
