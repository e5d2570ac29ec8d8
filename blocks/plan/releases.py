"""How golive tells which release answered, and how the API release gets out.

- `site_release:` how a page of the site names its release, as a real S3 + CloudFront site
  shows it: a response header, a `<meta>` tag, a JSON file (an asset manifest, /version.json)
  or S3 object metadata that CloudFront passes through (`x-amz-meta-<key>`, which golive sets
  on every object it uploads). The readers are a registry (golive/core/site_release.py); every
  check of what the site serves reads through the one the plan names.
- `arms:` which side of the canary a response belongs to: by the release it names (the launch
  knows both) or by a header's values mapped to stable and canary. A response that names
  neither counts as unknown and is never credited to the canary's health.
- `api_release:` how the API release gets out (a kind of tasks/api_release/registry.py:
  `slot_swap`, `redeploy`, `site_only`), the ECS image whose tags are releases, and the
  environments' `api_slots`/`api_service` say where each slot runs.
"""

from __future__ import annotations

from typing import Literal, Self

from pydantic import Field, model_validator

from blocks.plan.base import _Model
from blocks.plan.errors import _MISSING, _Checks
from blocks.plan.strings import HeaderName, HttpUrl, JsonPath, NonEmpty, Slug, UrlPath

Arm = Literal["stable", "canary"]


class SiteRelease(_Model):
    """`kind` names a reader; `path` is the page or file it reads (on the site's URL)."""

    kind: Slug = "meta"
    path: UrlPath = "/"
    header: HeaderName | None = None  # kind header: the response header that names the release
    meta_name: NonEmpty = "golive-release"  # kind meta: <meta name="..." content="<release>">
    json_path: JsonPath | None = None  # kind json: where in the JSON document the release is
    metadata_key: NonEmpty = "golive-release"  # kind s3_metadata: x-amz-meta-<key>


class Arms(_Model):
    """`by: release` (default): canary is what names the launched release, stable what names the
    live one. `by: header`: the plan's `version_header`, its values mapped to the two arms."""

    by: Literal["release", "header"] = "release"
    values: dict[Arm, list[NonEmpty]] = Field(
        default_factory=lambda: {"stable": ["stable"], "canary": ["canary"]}
    )

    @model_validator(mode="after")
    def _distinct_values(self) -> Self:
        checks = _Checks()
        both = set(self.values.get("stable", [])) & set(self.values.get("canary", []))
        if both:
            checks.fail(("values",), sorted(both), "a header value names one arm, not both")
        checks.raise_any()
        return self

    def arm_of_value(self, value: str | None) -> str | None:
        for arm, names in self.values.items():
            if value in names:
                return arm
        return None


class EcsService(_Model):
    """Where one API slot runs: an ECS service, and optionally the slot's own URL (a target group's
    or an instance's health endpoint) to ask which release it runs before users reach it."""

    cluster: NonEmpty
    service: NonEmpty
    url: HttpUrl | None = None


class ApiSlots(_Model):
    stable: EcsService
    canary: EcsService


class ApiRelease(_Model):
    """`kind`: slot_swap | redeploy | site_only. `image` is the container image repository whose
    tags are releases (`<image>:<release>`), `container` the task definition's container that
    runs it; golive registers a task definition copying the slot's current one with that image.
    Without `image`, golive deploys nothing and only verifies which release each slot runs."""

    kind: Slug
    image: NonEmpty | None = None
    container: NonEmpty = "api"
    # how long a deploy to a slot may take to become stable (ECS services-stable waiter)
    deploy_timeout_s: int = Field(600, ge=10)

    def needs_slots(self) -> bool:
        return self.kind != "site_only"


def api_release_problems(
    api_release: ApiRelease | None, slots: ApiSlots | None
) -> list[tuple[tuple[str | int, ...], object, str]]:
    """Cross-section checks: a kind that moves an API needs production's slots."""
    if api_release is None:
        return [
            (
                ("api_release",),
                _MISSING,
                "required: how the API release gets out — kind slot_swap, redeploy or site_only",
            )
        ]
    problems: list[tuple[tuple[str | int, ...], object, str]] = []
    if api_release.kind == "redeploy":
        # the stable slot must take the release before traffic returns to it
        if slots is None:
            problems.append(
                (
                    ("environments", "production", "api_slots"),
                    _MISSING,
                    "required by api_release.kind redeploy: the ECS services of the stable and canary slots",
                )
            )
        if api_release.image is None:
            problems.append(
                (
                    ("api_release", "image"),
                    _MISSING,
                    "required by kind redeploy: the image repository whose tags are releases",
                )
            )
    return problems
