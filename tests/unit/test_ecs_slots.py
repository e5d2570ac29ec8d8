"""The ECS deployer's pure parts: which release an image names."""

from __future__ import annotations

import pytest

from tasks.api_release.ecs import UNKNOWN, release_of_image


@pytest.mark.parametrize(
    ("image", "release"),
    [
        ("statusboard-api:v1.4.0", "v1.4.0"),
        ("123456789012.dkr.ecr.us-east-1.amazonaws.com/team/parts:2026.12.0", "2026.12.0"),
        ("registry.local:5000/parts:v2", "v2"),  # a registry port is not a tag
        ("registry.local:5000/parts", UNKNOWN),
        ("parts@sha256:abc", UNKNOWN),  # a digest names no release
        ("parts", UNKNOWN),
    ],
)
def test_release_of_image(image: str, release: str) -> None:
    assert release_of_image(image) == release
