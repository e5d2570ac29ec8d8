"""Benchmark: how long `golive sandbox up` takes until the world serves, and `down`.

Usage: uv run python bench/sandbox_startup.py [--runs 3]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from sandbox import manager


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    ups, downs = [], []
    for _ in range(args.runs):
        with tempfile.TemporaryDirectory() as tmp:
            start = time.perf_counter()
            manager.up(Path(tmp))
            ups.append(time.perf_counter() - start)
            start = time.perf_counter()
            manager.down(Path(tmp))
            downs.append(time.perf_counter() - start)
    print(
        f"sandbox up (to serving):  median {statistics.median(ups):.2f} s  "
        f"min {min(ups):.2f} s  max {max(ups):.2f} s  ({args.runs} runs)"
    )
    print(f"sandbox down (all gone):  median {statistics.median(downs):.2f} s")


if __name__ == "__main__":
    main()
