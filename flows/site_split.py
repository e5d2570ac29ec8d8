"""The site's own canary, when the plan names a frontend router (tasks/frontend): the release
staged beside the live site at the production deploy, a share of viewers at each canary step
(checked from outside by the plan's site_release reader), the live site taking it at promotion,
and every viewer back on the live site in a rollback. Without a frontend router each of these is
a no-op and the site switches at promotion."""

from __future__ import annotations

from collections.abc import Callable

from prefect import task
from prefect.cache_policies import NO_CACHE

from blocks.plan import LaunchPlan
from golive.core.checks import CheckResult
from tasks.aws_errors import retry_unless_denied
from tasks.frontend import FrontendRouter
from tasks.frontend.registry import frontend_for
from tasks.served import site_arm_classifier, site_url
from tasks.traffic.verify import wait_for_share

SITE_SHARE_REQUESTS = 200  # pages per look: at 10 %, 4 standard errors are ±8.5 points

__all__ = ["site_split_check", "split_site", "stage_site", "site_promoted", "site_to_live"]


@task(
    name="stage the site beside the live one",
    retries=2,
    retry_delay_seconds=2,
    retry_condition_fn=retry_unless_denied,
    cache_policy=NO_CACHE,
)
def stage_site(plan: LaunchPlan, release: str) -> CheckResult | None:
    production = plan.environments.production
    router = frontend_for(production)
    if router is None:
        return None
    done = router.prepare("/" + production.release_prefix(release))
    share = router.share()
    return CheckResult(
        name="site staged at 0 %",
        status="fail" if share.active else "pass",
        value=done,
        threshold="the release beside the live site, no viewer on it",
        detail=share.detail,
    )


def site_split_check(
    plan: LaunchPlan, release: str, live_release: str, percent: float, detail: str
) -> CheckResult:
    """Do the pages say `percent` % of viewers get `release`? Counted by the plan's site_release
    reader; a page naming neither release fails it (fail closed)."""
    production = plan.environments.production
    observations = wait_for_share(
        site_url(plan, production),
        site_arm_classifier(plan, release, live_release),
        percent,
        float(plan.canary.share_tolerance),
        requests=SITE_SHARE_REQUESTS,
        concurrency=plan.probe.concurrency,
        timeout=15,
    )
    last = observations[-1]
    return CheckResult(
        name=f"site serves {percent:g} % {release}",
        status="pass" if last.ok else "fail",
        value=f"{100 * last.fraction:.1f} % on {release} ({last.canary} of {last.n} pages)",
        threshold=f"{percent:g} % ± tolerance, the rest {live_release}",
        detail=f"{last.detail}; {detail}",
        samples=last.n,
    )


@task(
    name="site share",
    retries=2,
    retry_delay_seconds=2,
    retry_condition_fn=retry_unless_denied,
    cache_policy=NO_CACHE,
)
def split_site(
    plan: LaunchPlan, release: str, live_release: str | None, percent: int
) -> CheckResult | None:
    """At a canary step: the frontend router's share for it, verified from outside."""
    router = frontend_for(plan.environments.production)
    if router is None:
        return None
    share = router.set_share(percent)
    if live_release is None:  # fail closed: without the live release no page can be attributed
        return CheckResult(
            name="site share",
            status="fail",
            value=share.detail,
            threshold="the live release known",
        )
    return site_split_check(plan, release, live_release, share.percent, share.detail)


def _then_no_split(
    plan: LaunchPlan, act: Callable[[FrontendRouter], str], name: str, threshold: str
) -> CheckResult | None:
    """Run `act` on the plan's frontend router, then check that no viewer is split off."""
    router = frontend_for(plan.environments.production)
    if router is None:
        return None
    done = act(router)
    share = router.share()
    return CheckResult(
        name=name,
        status="fail" if share.active else "pass",
        value=done,
        threshold=threshold,
        detail=share.detail,
    )


@task(
    name="live site takes the staged configuration",
    retries=2,
    retry_delay_seconds=2,
    retry_condition_fn=retry_unless_denied,
    cache_policy=NO_CACHE,
)
def site_promoted(plan: LaunchPlan) -> CheckResult | None:
    return _then_no_split(
        plan,
        lambda router: router.promote(),
        "site promoted",
        "no viewer split left: the live distribution serves the release",
    )


@task(
    name="site to the live release",
    retries=3,
    retry_delay_seconds=1,
    retry_condition_fn=retry_unless_denied,
    cache_policy=NO_CACHE,
)
def site_to_live(plan: LaunchPlan) -> CheckResult | None:
    """The rollback's: no viewer on the staged release (the live distribution serves them all)."""
    return _then_no_split(
        plan,
        lambda router: router.roll_back(),
        "site split off",
        "every viewer on the live distribution",
    )
