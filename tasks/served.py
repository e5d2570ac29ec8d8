"""Which release does production serve? Count the plan's release header over bounded requests."""

from __future__ import annotations

from tasks.traffic.verify import count_header_values


def served_releases(url: str, release_header: str, requests: int = 100, concurrency: int = 16) -> dict[str, int]:
    """{release: responses} for `requests` GETs of `url`; unanswered or unlabelled ones are counted too."""
    return count_header_values(url, release_header, requests, concurrency)
