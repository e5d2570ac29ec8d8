"""The site-release readers: how a page of the site names its release, as real sites do."""

from __future__ import annotations

import pytest

from blocks.plan import SiteRelease
from golive.core.site_release import READERS, read_site_release, site_release_problems

PAGE = b'<!doctype html><html><head><meta charset="utf-8"><meta content="v2.1.0" name="golive-release"></head></html>'


def test_meta_reads_the_tag_in_either_attribute_order_and_quote() -> None:
    assert read_site_release(SiteRelease(kind="meta"), {}, PAGE) == "v2.1.0"
    single = b"<meta name='golive-release' content='v3'>"
    assert read_site_release(SiteRelease(kind="meta"), {}, single) == "v3"
    other = SiteRelease(kind="meta", meta_name="build")
    assert read_site_release(other, {}, PAGE) is None


def test_json_reads_the_path_and_refuses_what_is_not_a_scalar() -> None:
    settings = SiteRelease(kind="json", path="/version.json", json_path="build.release")
    assert read_site_release(settings, {}, b'{"build": {"release": "2026.12.0"}}') == "2026.12.0"
    assert read_site_release(settings, {}, b'{"build": {"release": {"x": 1}}}') is None
    assert read_site_release(settings, {}, b"<html>not json</html>") is None
    assert read_site_release(settings, {}, b'{"build": {}}') is None


def test_header_and_s3_metadata_read_response_headers() -> None:
    headers = {"x-site-build": "v5", "x-amz-meta-golive-release": "v6"}
    assert (
        read_site_release(SiteRelease(kind="header", header="X-Site-Build"), headers, b"") == "v5"
    )
    assert read_site_release(SiteRelease(kind="s3_metadata"), headers, b"") == "v6"
    assert read_site_release(SiteRelease(kind="s3_metadata"), {}, b"") is None


def test_a_reader_without_what_it_needs_is_a_plan_problem() -> None:
    (problem,) = site_release_problems(SiteRelease(kind="json"))
    assert problem.loc == ("site_release", "json_path")
    (problem,) = site_release_problems(SiteRelease(kind="header"))
    assert problem.loc == ("site_release", "header")
    (problem,) = site_release_problems(SiteRelease(kind="etag"))
    assert problem.loc == ("site_release", "kind") and "meta" in problem.expected


@pytest.mark.parametrize("kind", READERS.kinds())
def test_every_reader_describes_itself(kind: str) -> None:
    settings = SiteRelease(kind=kind, header="X-B", json_path="release")
    assert READERS.get(kind).describe(settings)
