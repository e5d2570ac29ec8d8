#!/usr/bin/env python3
"""Build the StatusBoardV2 example frontend.

A real (if small) build step: it stamps the release into the page, minifies nothing
fancy, and content-hashes every asset so hashed files can be cached forever while
index.html stays no-cache. Output: OUT/index.html, OUT/assets/*.<hash>.<ext>,
OUT/asset-manifest.json.

Usage: python build.py --release v1.2.3 [--out dist]   (GOLIVE_RELEASE also works)
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
SRC = HERE / "src"


def content_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:12]


def build(release: str, out: Path) -> dict[str, str]:
    if not release or any(c in release for c in "/\\ \n"):
        raise SystemExit(
            f"build: invalid release {release!r}: expected a name without '/' or spaces"
        )
    if out.exists():
        shutil.rmtree(out)
    (out / "assets").mkdir(parents=True)

    manifest: dict[str, str] = {}
    for asset in sorted((SRC / "assets").iterdir()):
        data = asset.read_bytes().replace(b"__RELEASE__", release.encode())
        hashed = f"{asset.stem}.{content_hash(data)}{asset.suffix}"
        (out / "assets" / hashed).write_bytes(data)
        manifest[f"assets/{asset.name}"] = f"assets/{hashed}"

    page = (SRC / "index.html").read_text()
    page = page.replace("__RELEASE__", release)
    for logical, hashed in manifest.items():
        page = page.replace(f'"{logical}"', f'"{hashed}"')
    (out / "index.html").write_text(page)
    (out / "asset-manifest.json").write_text(
        json.dumps({"release": release, "files": manifest}, indent=2)
    )
    return manifest


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--release", default=os.environ.get("GOLIVE_RELEASE", ""))
    parser.add_argument("--out", default=str(HERE / "dist"))
    args = parser.parse_args(argv)
    manifest = build(args.release, Path(args.out))
    print(f"built release {args.release}: index.html + {len(manifest)} hashed assets in {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
