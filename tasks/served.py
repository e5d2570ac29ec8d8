"""Which release users are served, read as a real site and API show it.

The site: the page or file the plan's `site_release` names, through its reader
(golive/core/site_release.py) — never a header the sandbox invents. The API: the release
header each response carries (`release_header`), from the front door or from one slot's own
URL. Each is a bounded burst of GETs through the probe's transport; a response that names no
release is counted as NO_RELEASE, one that never came as NO_RESPONSE, so "every response from
v1.4.0" holds only when every one of them said so.
"""

from __future__ import annotations

from blocks.plan import Environment, LaunchPlan
from golive.core.arms import UNKNOWN, ArmRule
from golive.core.site_release import describe, read_site_release
from tasks.metrics.transport import Answer
from tasks.traffic.verify import NO_RESPONSE, Classify, count_responses

__all__ = [
    "NO_RELEASE",
    "NO_RESPONSE",
    "api_releases",
    "arm_classifier",
    "site_reader_text",
    "site_releases",
    "slot_release",
]

NO_RELEASE = "(names no release)"


def site_releases(
    plan: LaunchPlan, environment: Environment, requests: int = 40, concurrency: int = 8
) -> dict[str, int]:
    """{release: responses} of the site's page, read by the plan's site_release reader."""
    settings = plan.site_release

    def classify(answer: Answer) -> str:
        if answer.status >= 400:
            return f"HTTP {answer.status}"
        return read_site_release(settings, answer.headers, answer.body) or NO_RELEASE

    return count_responses(site_url(plan, environment), classify, requests, concurrency)


def site_arm_classifier(plan: LaunchPlan, release: str, live_release: str) -> Classify:
    """A page -> "canary" (it names `release`), "stable" (it names `live_release`), or what it
    named instead: the site's split by the plan's site_release reader."""
    settings = plan.site_release

    def classify(answer: Answer) -> str:
        if answer.status >= 400:
            return f"HTTP {answer.status}"
        named = read_site_release(settings, answer.headers, answer.body) or NO_RELEASE
        return {release: "canary", live_release: "stable"}.get(named, f"unknown ({named})")

    return classify


def site_url(plan: LaunchPlan, environment: Environment) -> str:
    return environment.url + plan.site_release.path


def api_releases(
    plan: LaunchPlan, base_url: str, path: str, requests: int = 50, concurrency: int = 8
) -> dict[str, int]:
    """{release: responses} of an API path, by the release header each response carries."""
    header = plan.release_header
    return count_responses(
        base_url + path,
        lambda answer: answer.headers.get(header) or NO_RELEASE,
        requests,
        concurrency,
    )


def slot_release(plan: LaunchPlan, slot_url: str, path: str, requests: int = 10) -> dict[str, int]:
    """What one API slot's own URL says it runs (no router in between)."""
    return api_releases(plan, slot_url, path, requests=requests, concurrency=2)


def arm_classifier(plan: LaunchPlan, rule: ArmRule) -> Classify:
    """A response -> "canary", "stable", or why it is neither (kept as the key, so the share
    check's detail shows what was seen)."""
    version_header, release_header = plan.version_header, plan.release_header

    def classify(answer: Answer) -> str:
        version, release = answer.headers.get(version_header), answer.headers.get(release_header)
        arm = rule.arm(version, release)
        if arm != UNKNOWN:
            return arm
        named = release if rule.by == "release" else version
        return f"unknown ({named or NO_RELEASE})"

    return classify


def site_reader_text(plan: LaunchPlan) -> str:
    return describe(plan.site_release)
