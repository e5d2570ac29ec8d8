#!/usr/bin/env python3
"""Build the PartsDesk example frontend (a small single-page app).

Content-hashes every file under src/static (static/<name>.<hash>.<ext>, cacheable forever),
rewrites index.html to name them, and writes version.json, the only place the site names its
release: {"build": {"release": R, "commit": C, "built_at": T}}. The page carries no release
marker; it reads /version.json like everyone else.

Usage: python build.py --release 2026.11.1 --out DIR [--commit SHA]   (GOLIVE_RELEASE also works)
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
SRC = HERE / "src"


def content_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:10]


def current_commit() -> str:
    """The checkout's commit, or "unknown" outside git (a build from a tarball)."""
    try:
        found = subprocess.run(
            ["git", "rev-parse", "--short=12", "HEAD"],
            cwd=HERE,
            capture_output=True,
            text=True,
            check=True,
        )
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return found.stdout.strip() or "unknown"


def build(release: str, out: Path, commit: str) -> dict[str, str]:
    if not release or any(c in release for c in "/\\ \n\"'"):
        raise SystemExit(
            f"build: invalid release {release!r}: expected a name without '/', quotes or spaces"
        )
    if out.exists():
        shutil.rmtree(out)
    (out / "static").mkdir(parents=True)

    hashed: dict[str, str] = {}
    for asset in sorted((SRC / "static").iterdir()):
        data = asset.read_bytes()
        name = f"static/{asset.stem}.{content_hash(data)}{asset.suffix}"
        (out / name).write_bytes(data)
        hashed[f"static/{asset.name}"] = name

    page = (SRC / "index.html").read_text()
    for logical, name in hashed.items():
        page = page.replace(f'"{logical}"', f'"{name}"')
    (out / "index.html").write_text(page)
    version = {
        "build": {"release": release, "commit": commit, "built_at": datetime.now(UTC).isoformat()}
    }
    (out / "version.json").write_text(json.dumps(version, indent=2) + "\n")
    return hashed


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--release", default=os.environ.get("GOLIVE_RELEASE", ""))
    parser.add_argument("--out", default=str(HERE / "dist"))
    parser.add_argument("--commit", default=os.environ.get("GIT_COMMIT") or None)
    args = parser.parse_args(argv)
    hashed = build(args.release, Path(args.out), args.commit or current_commit())
    print(
        f"built PartsDesk {args.release}: index.html, version.json + {len(hashed)} hashed files in {args.out}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
