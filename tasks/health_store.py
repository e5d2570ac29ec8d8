"""Health-check results in the production bucket: s3://<bucket>/golive/health/<time>.json."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from golive.core.health import HealthResult

HEALTH_PREFIX = "golive/health"


def write_result(s3: Any, bucket: str, result: HealthResult) -> str:
    key = f"{HEALTH_PREFIX}/{result.at:%Y%m%dT%H%M%S.%f}.json"
    s3.put_object(
        Bucket=bucket,
        Key=key,
        Body=result.model_dump_json().encode(),
        ContentType="application/json",
    )
    return key


def read_results(s3: Any, bucket: str, since: datetime) -> list[HealthResult]:
    """Results at or after `since`, oldest first (keys sort by time)."""
    start = f"{HEALTH_PREFIX}/{since:%Y%m%dT%H%M%S.%f}"
    results = []
    for page in s3.get_paginator("list_objects_v2").paginate(
        Bucket=bucket, Prefix=f"{HEALTH_PREFIX}/", StartAfter=start
    ):
        for item in page.get("Contents", []):
            body = s3.get_object(Bucket=bucket, Key=item["Key"])["Body"].read()
            results.append(HealthResult.model_validate_json(body))
    return [r for r in results if r.at >= since]
