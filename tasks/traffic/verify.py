"""Check from the outside that users are split as the router says.

A weight in AWS is a request, not a fact: a stale edge, a resolver that ignores TTLs or
a misnamed record would leave users where they were. So after each shift golive sends
a bounded burst of cheap requests (the health path) through the front door and counts
the arm each response belongs to (golive/core/arms.py: by the release it names, or a header).

Caveat for DNS routers: a client resolves once per connection and resolvers cache for
the record's TTL, so against real Route 53 the split shows only after the TTL, and the
independent routing decisions are closer to the number of connections than of
requests. The sandbox edge (and an ALB) decides per request.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from tasks.metrics.transport import Answer, ProbeSession, TransportError, run_blocking
from tasks.metrics.turns import probe_turn

__all__ = [
    "ShareObservation",
    "count_responses",
    "header_classifier",
    "observed_canary_share",
    "share_within_tolerance",
    "wait_for_share",
]

NO_RESPONSE = "(no response)"
NO_HEADER = "(no header)"
STANDARD_ERRORS = 4.0
# A miss right after a shift is looked at twice before it counts: one observation may outlast the timeout.
MIN_OBSERVATIONS = 2


def share_within_tolerance(
    observed_fraction: float, expected_percent: float, n: int, tolerance: float
) -> tuple[bool, str]:
    """Is a canary share observed over `n` responses consistent with the weight? -> (ok, detail).

    Each response is a Bernoulli trial that lands on the canary with p = expected / 100,
    so the observed fraction has standard error sqrt(p (1 - p) / n). Allowing 4 standard
    errors makes a false alarm on a correct split about 1 in 16,000 (two-sided normal
    tail), which matters because a failed check triggers a rollback; with few responses
    that band is wide, so a small probe cannot fail a good shift. `tolerance` (the plan's
    share_tolerance, a fraction) is the floor: with many responses the band would shrink
    below what a real router holds (weights are rounded, DNS is cached), so never ask for
    more precision than it. At 0 % and 100 % there is no sampling noise at all — a weight
    of 0 sends nobody — so one stray response is a real routing fault: require exact.
    """
    if not 0 <= expected_percent <= 100:
        raise ValueError(f"expected_percent must be 0..100, not {expected_percent!r}")
    if n <= 0:
        return False, "no responses named a version: cannot tell the split"
    p = expected_percent / 100
    observed = f"canary share {observed_fraction:.1%} of {n}"
    if p in (0.0, 1.0):
        ok = observed_fraction == p
        who = "stable" if p == 0 else "canary"
        return ok, f"{observed} (expected exactly {p:.0%}: every response from {who})"
    standard_error = math.sqrt(p * (1 - p) / n)
    allowed = max(tolerance, STANDARD_ERRORS * standard_error)
    ok = abs(observed_fraction - p) <= allowed
    return ok, (
        f"{observed} (expected {p:.0%} ± {allowed:.1%}: "
        f"max(tolerance {tolerance:.1%}, {STANDARD_ERRORS:g} SE {STANDARD_ERRORS * standard_error:.1%}))"
    )


@dataclass(frozen=True)
class ShareObservation:
    """One burst: how many responses each version header value had; ok/detail once judged."""

    url: str
    counts: dict[
        str, int
    ]  # header value -> responses; NO_RESPONSE / NO_HEADER for unattributed ones
    seconds: float
    canary_value: str = "canary"
    stable_value: str = "stable"
    ok: bool | None = None  # set by `judged`
    detail: str = ""
    started_at: float = field(default_factory=time.time)

    @property
    def canary(self) -> int:
        return self.counts.get(self.canary_value, 0)

    @property
    def stable(self) -> int:
        return self.counts.get(self.stable_value, 0)

    @property
    def n(self) -> int:
        """Responses attributed to stable or canary: the trials the share is computed over."""
        return self.canary + self.stable

    @property
    def unattributed(self) -> int:
        return sum(self.counts.values()) - self.n

    @property
    def fraction(self) -> float:
        return self.canary / self.n if self.n else math.nan

    def judged(self, expected_percent: float, tolerance: float) -> ShareObservation:
        """This observation with ok/detail; responses naming no known version fail it (fail closed)."""
        ok, detail = share_within_tolerance(
            self.fraction if self.n else 0.0, expected_percent, self.n, tolerance
        )
        if self.unattributed:
            others = {
                k: v
                for k, v in self.counts.items()
                if k not in (self.canary_value, self.stable_value)
            }
            ok, detail = (
                False,
                f"{detail}; {self.unattributed} responses named no known version {others}",
            )
        return replace(self, ok=ok, detail=detail)


Classify = Callable[[Answer], str]  # a response -> the key it is counted under


def header_classifier(header: str) -> Classify:
    """Count a response under its `header` value (NO_HEADER without one)."""
    return lambda answer: answer.headers.get(header) or NO_HEADER


def observed_canary_share(
    url: str,
    classify: Classify,
    requests: int,
    concurrency: int,
    *,
    timeout: float = 10.0,
) -> ShareObservation:
    """Send `requests` GETs to `url`, at most `concurrency` in flight, and count each response
    under `classify`'s key: "canary", "stable", or what it could not attribute."""
    if requests < 1 or concurrency < 1:
        raise ValueError("requests and concurrency must be at least 1")
    started_at, started = time.time(), time.perf_counter()
    counts = count_responses(url, classify, requests, concurrency, timeout)
    return ShareObservation(
        url, counts, round(time.perf_counter() - started, 3), started_at=started_at
    )


def wait_for_share(
    url: str,
    classify: Classify,
    expected_percent: float,
    tolerance: float,
    *,
    requests: int,
    concurrency: int,
    timeout: float = 10.0,
    interval: float = 0.5,
) -> list[ShareObservation]:
    """Observe until the share is within tolerance or `timeout` passes; every judged observation, last one last.

    Right after a shift the front door may still serve the old weights (the sandbox edge
    polls every second; DNS waits out the TTL), so a miss is retried rather than failed:
    at least once, however long the first observation took, then until `timeout` passes.
    The caller decides on `observations[-1].ok`.
    """
    deadline = time.monotonic() + timeout
    observations: list[ShareObservation] = []
    while True:
        observation = observed_canary_share(url, classify, requests, concurrency)
        observations.append(observation.judged(expected_percent, tolerance))
        out_of_time = (
            len(observations) >= MIN_OBSERVATIONS and time.monotonic() + interval > deadline
        )
        if observations[-1].ok or out_of_time:
            return observations
        time.sleep(interval)


def count_responses(
    url: str, classify: Classify, requests: int, concurrency: int, timeout: float = 10.0
) -> dict[str, int]:
    """{key: responses} over `requests` bounded GETs, each counted under `classify(response)`
    (NO_RESPONSE when none came). In this host's probe turn: a burst of requests is load on the
    machine that another probe may be measuring."""
    with probe_turn():
        return dict(run_blocking(lambda: _count(url, classify, requests, concurrency, timeout)))


async def _count(
    url: str, classify: Classify, total: int, concurrency: int, timeout: float
) -> Counter[str]:
    counts: Counter[str] = Counter()
    remaining = iter(range(total))
    workers = min(concurrency, total)
    # The probe's transport: at 400 requests per check httpx's pool scan was most of the check's time.
    async with ProbeSession(
        workers, timeout, user_agent="golive-share-check", headers={"Cache-Control": "no-cache"}
    ) as session:

        async def worker() -> None:
            for _ in remaining:  # a shared iterator bounds the total without `total` tasks
                try:
                    response = await session.get(url)
                except TransportError:
                    counts[NO_RESPONSE] += 1
                    continue
                counts[classify(response)] += 1

        await asyncio.gather(*(worker() for _ in range(workers)))
    return counts
