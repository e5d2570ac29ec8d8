"""The sandbox world behaves like the real one: deploys switch the site, weights move traffic,
faults show up in what clients measure."""

from __future__ import annotations

import asyncio
import os
import re
import statistics
import subprocess
import sys
from pathlib import Path

import httpx

from sandbox import manager
from sandbox.seed import build_frontend
from tasks.s3_release import upload_release
from tests.integration.helpers import (
    aws,
    fetch_many,
    routing_weights,
    set_route53_weights,
    wait_for,
)


def only_endpoint_env(sandbox: manager.Sandbox) -> dict[str, str]:
    """A clean environment with nothing but AWS_ENDPOINT_URL and dummy credentials."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    sandbox_env = sandbox.environment()
    env.update(
        {
            k: sandbox_env[k]
            for k in (
                "AWS_ENDPOINT_URL",
                "AWS_ACCESS_KEY_ID",
                "AWS_SECRET_ACCESS_KEY",
                "AWS_DEFAULT_REGION",
            )
        }
    )
    return env


def test_aws_cli_sees_the_seeded_world(sandbox: manager.Sandbox) -> None:
    env = only_endpoint_env(sandbox)
    aws_cli = str(Path(sys.executable).with_name("aws"))
    listing = subprocess.run(
        [aws_cli, "s3", "ls", "--recursive", f"s3://{sandbox.environment()['S3_BUCKET']}"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "releases/v1.0.0/index.html" in listing
    assert "staging/releases/v1.0.0/index.html" in listing
    records = subprocess.run(
        [
            aws_cli,
            "route53",
            "list-resource-record-sets",
            "--hosted-zone-id",
            sandbox.state["ids"]["hosted_zone_id"],
            "--output",
            "json",
        ],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert '"SetIdentifier": "stable"' in records and '"Weight": 100' in records
    assert '"SetIdentifier": "canary"' in records and '"Weight": 0' in records


def test_boto3_with_only_endpoint_url_sees_the_world(sandbox: manager.Sandbox) -> None:
    script = """
import boto3, json
cf = boto3.client("cloudfront")
dists = cf.list_distributions()["DistributionList"]["Items"]
cw = boto3.client("cloudwatch")
alarms = cw.describe_alarms()["MetricAlarms"]
elb = boto3.client("elbv2")
lbs = elb.describe_load_balancers()["LoadBalancers"]
print(json.dumps({"dists": sorted(d["Comment"] for d in dists),
                  "alarms": {a["AlarmName"]: a["StateValue"] for a in alarms},
                  "lbs": [lb["LoadBalancerName"] for lb in lbs],
                  "identity": boto3.client("sts").get_caller_identity()["Account"]}))
"""
    out = subprocess.run(
        [sys.executable, "-c", script],
        env=only_endpoint_env(sandbox),
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    import json

    world = json.loads(out)
    assert world["dists"] == ["golive-sandbox production", "golive-sandbox staging"]
    assert world["alarms"] == {"statusboard-5xx": "OK", "statusboard-latency": "OK"}
    assert world["lbs"] == ["statusboard-prod"]
    assert world["identity"].isdigit()


def test_switching_the_origin_path_switches_the_site(
    sandbox: manager.Sandbox, tmp_path: Path
) -> None:
    bucket = sandbox.environment()["S3_BUCKET"]
    upload_release(
        aws(sandbox, "s3"),
        bucket,
        "staging/releases/v2.0.0",
        build_frontend("v2.0.0", tmp_path / "b"),
    )
    site = sandbox.urls["staging_edge"]
    assert 'content="v1.0.0"' in httpx.get(site + "/").text

    cloudfront = aws(sandbox, "cloudfront")
    dist_id = sandbox.state["ids"]["staging_distribution_id"]
    current = cloudfront.get_distribution_config(Id=dist_id)
    config = current["DistributionConfig"]
    config["Origins"]["Items"][0]["OriginPath"] = "/staging/releases/v2.0.0"
    cloudfront.update_distribution(Id=dist_id, IfMatch=current["ETag"], DistributionConfig=config)

    wait_for(lambda: 'content="v2.0.0"' in httpx.get(site + "/").text, timeout=3)
    page = httpx.get(site + "/")
    # the page names its release (its meta tag); the edge stamps none
    assert "X-Golive-Release" not in page.headers
    assert page.headers["Cache-Control"].startswith("no-cache")
    asset = re.search(r'href="(assets/[^"]+\.css)"', page.text).group(1)
    served_asset = httpx.get(f"{site}/{asset}")
    assert served_asset.status_code == 200
    assert "immutable" in served_asset.headers["Cache-Control"]
    assert served_asset.headers["Content-Type"].startswith("text/css")
    # production did not move
    assert 'content="v1.0.0"' in httpx.get(sandbox.urls["production_edge"] + "/").text


def _latencies(url: str, n: int = 40) -> list[float]:
    responses = asyncio.run(fetch_many(url, n, concurrency=10))
    assert all(r.status_code == 200 for r in responses)
    return [r.elapsed.total_seconds() * 1000 for r in responses]


def _board_latencies(base_url: str, n: int = 40) -> list[float]:
    return _latencies(base_url + "/api/admin/appointments/board", n)


def test_latency_fault_shows_in_measured_latency(sandbox: manager.Sandbox) -> None:
    url = sandbox.urls["staging_edge"]
    healthy = statistics.median(_board_latencies(url))
    sandbox.set_fault("staging", latency_ms=400, endpoint="board")
    slow = statistics.median(_board_latencies(url))
    assert slow - healthy > 300, f"median board latency {healthy:.0f} ms -> {slow:.0f} ms"
    # the drawer is not affected by a board-only fault
    drawer = httpx.get(url + "/api/admin/appointments/1")
    assert drawer.status_code == 200 and drawer.elapsed.total_seconds() < 0.4


def test_latency_is_a_distribution_not_a_constant(sandbox: manager.Sandbox) -> None:
    samples = _board_latencies(sandbox.urls["staging_backend"], n=40)
    assert statistics.pstdev(samples) > 10
    drawer = _latencies(sandbox.urls["staging_backend"] + "/api/admin/appointments/2")
    assert statistics.median(samples) > 2 * statistics.median(drawer)


def test_error_fault_shows_in_status_codes(sandbox: manager.Sandbox) -> None:
    sandbox.set_fault("stable", error_rate=0.5)
    responses = asyncio.run(
        fetch_many(sandbox.urls["production_edge"] + "/api/admin/dashboard/stats", 200, 20)
    )
    errors = sum(r.status_code == 500 for r in responses)
    assert {r.status_code for r in responses} <= {200, 500}
    assert 60 <= errors <= 140, f"{errors} of 200 failed with error_rate 0.5"
    sandbox.clear_faults("stable")
    assert (
        httpx.get(sandbox.urls["production_edge"] + "/api/admin/dashboard/stats").status_code == 200
    )


def test_down_backend_fails_health_and_drop_header_strips_it(sandbox: manager.Sandbox) -> None:
    sandbox.set_fault("staging", down=True)
    assert httpx.get(sandbox.urls["staging_edge"] + "/health").status_code == 503
    assert httpx.get(sandbox.urls["production_edge"] + "/health").status_code == 200
    sandbox.clear_faults()
    sandbox.set_fault("staging", drop_headers=["Strict-Transport-Security"])
    headers = httpx.get(sandbox.urls["staging_edge"] + "/").headers
    assert "Strict-Transport-Security" not in headers and headers["X-Frame-Options"] == "DENY"


def test_drag_and_drop_with_optimistic_concurrency(sandbox: manager.Sandbox) -> None:
    api = sandbox.urls["production_edge"] + "/api/admin/appointments"
    card = httpx.get(f"{api}/5").json()
    moved = httpx.patch(
        f"{api}/5/move", json={"status": "ready", "position": 0, "version": card["version"]}
    )
    assert moved.status_code == 200 and moved.json()["version"] == card["version"] + 1
    stale = httpx.patch(
        f"{api}/5/move", json={"status": "completed", "position": 0, "version": card["version"]}
    )
    assert stale.status_code == 409
    conflict = stale.json()
    assert conflict["error"] == "conflict" and conflict["current_version"] == card["version"] + 1
    assert conflict["current"]["status"] == "ready"
    board = httpx.get(f"{api}/board").json()
    ready = next(c for c in board["columns"] if c["status"] == "ready")
    assert ready["appointments"][0]["id"] == 5
    # status change shows on the next board read and in the stats
    status = httpx.patch(
        f"{api}/5/status", json={"status": "completed", "version": card["version"] + 1}
    )
    assert status.status_code == 200
    board = httpx.get(f"{api}/board").json()
    stats = httpx.get(sandbox.urls["production_edge"] + "/api/admin/dashboard/stats").json()
    assert {c["status"]: c["count"] for c in board["columns"]} == stats["by_status"]
    assert 5 in [
        a["id"] for c in board["columns"] if c["status"] == "completed" for a in c["appointments"]
    ]


def test_drawer_has_complete_appointment_data(sandbox: manager.Sandbox) -> None:
    drawer = httpx.get(sandbox.urls["staging_edge"] + "/api/admin/appointments/1").json()
    for field in (
        "id",
        "customer_name",
        "customer_phone",
        "vehicle",
        "license_plate",
        "services",
        "estimate_cents",
        "technician",
        "scheduled_at",
        "status",
        "version",
    ):
        assert drawer[field] not in (None, ""), field
    assert (
        httpx.get(sandbox.urls["staging_edge"] + "/api/admin/appointments/999").status_code == 404
    )


def test_edge_holds_a_burst_of_200_concurrent_requests(sandbox: manager.Sandbox) -> None:
    set_route53_weights(sandbox, 50, 50)
    wait_for(lambda: routing_weights(sandbox)["canary"] == 50, timeout=3)
    responses = asyncio.run(
        fetch_many(
            sandbox.urls["production_edge"] + "/api/admin/appointments/board", 200, concurrency=200
        )
    )
    assert [r.status_code for r in responses] == [200] * 200
    assert {r.headers["X-Golive-Version"] for r in responses} == {"stable", "canary"}


def test_chat_sink_records_notifications(sandbox: manager.Sandbox) -> None:
    hook = sandbox.environment()["GOLIVE_CHAT_WEBHOOK_URL"]
    httpx.post(hook, json={"text": "Gate A PASSED"}).raise_for_status()
    httpx.post(hook, json={"text": "Canary 10% PASSED"}).raise_for_status()
    assert [m["text"] for m in sandbox.messages()] == ["Gate A PASSED", "Canary 10% PASSED"]


def test_reset_restores_the_seeded_world(sandbox: manager.Sandbox, tmp_path: Path) -> None:
    s3 = aws(sandbox, "s3")
    upload_release(
        s3, sandbox.environment()["S3_BUCKET"], "releases/v9", build_frontend("v9", tmp_path / "b")
    )
    set_route53_weights(sandbox, 0, 100)
    aws(sandbox, "cloudwatch").set_alarm_state(
        AlarmName="statusboard-5xx", StateValue="ALARM", StateReason="t"
    )
    sandbox.set_fault("canary", error_rate=1)
    ids_before = sandbox.state["ids"]
    sandbox.reset()
    assert routing_weights(sandbox) == {"stable": 100, "canary": 0}
    keys = [
        o["Key"] for o in s3.list_objects_v2(Bucket=sandbox.environment()["S3_BUCKET"])["Contents"]
    ]
    assert not any(k.startswith("releases/v9") for k in keys)
    alarms = aws(sandbox, "cloudwatch").describe_alarms(AlarmNames=["statusboard-5xx"])[
        "MetricAlarms"
    ]
    assert alarms[0]["StateValue"] == "OK"
    assert sandbox.routing()["faults"] == []
    assert manager.status(sandbox.state_dir).state["ids"] == ids_before
