"""Which release does production serve? Count the plan's release header over bounded requests."""

from __future__ import annotations

import asyncio
from collections import Counter

import httpx


async def _count(url: str, header: str, requests: int, concurrency: int) -> Counter[str]:
    counts: Counter[str] = Counter()
    semaphore = asyncio.Semaphore(concurrency)
    async with httpx.AsyncClient(timeout=10, headers={"Cache-Control": "no-cache"}) as client:
        async def one() -> None:
            async with semaphore:
                try:
                    counts[(await client.get(url)).headers.get(header, "(none)")] += 1
                except httpx.HTTPError as error:
                    counts[f"({type(error).__name__})"] += 1
        await asyncio.gather(*(one() for _ in range(requests)))
    return counts


def served_releases(url: str, release_header: str, requests: int = 100, concurrency: int = 16) -> dict[str, int]:
    """{release: responses} for `requests` GETs of `url` (run on a fresh loop; call from sync code)."""
    return dict(asyncio.run(_count(url, release_header, requests, concurrency)))
