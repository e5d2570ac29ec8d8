"""Seed (and restore) the sandbox's AWS world in moto for a WorldSpec.

Idempotent: resources are found by name/comment before anything is created, so
`seed` doubles as `reset` and distribution/zone ids stay stable across resets
(an env file the user sourced keeps working).
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from sandbox.aws import client
from sandbox.spec import WorldSpec
from tasks.s3_release import upload_release

REPO_ROOT = Path(__file__).resolve().parent.parent
FRONTEND_BUILD = REPO_ROOT / "examples" / "statusboard-frontend" / "build.py"
STAGING_COMMENT = "golive-sandbox staging"
PRODUCTION_COMMENT = "golive-sandbox production"


@dataclass
class SeededIds:
    staging_distribution_id: str
    production_distribution_id: str
    hosted_zone_id: str
    load_balancer_arn: str
    listener_arn: str
    stable_target_group_arn: str
    canary_target_group_arn: str

    def as_dict(self) -> dict[str, str]:
        return asdict(self)


def seed_world(spec: WorldSpec, endpoint_url: str) -> SeededIds:
    s3 = client("s3", endpoint_url, spec.region)
    _seed_bucket(s3, spec)
    cloudfront = client("cloudfront", endpoint_url, spec.region)
    staging_id = _ensure_distribution(cloudfront, spec, STAGING_COMMENT, {
        "staging": "/" + spec.release_prefix("staging", spec.initial_release)})
    production_path = "/" + spec.release_prefix("production", spec.initial_release)
    production_id = _ensure_distribution(cloudfront, spec, PRODUCTION_COMMENT, {
        "stable": production_path, "canary": production_path})
    zone_id = _seed_route53(client("route53", endpoint_url, spec.region), spec)
    lb_arn, listener_arn, stable_tg, canary_tg = _seed_alb(
        client("ec2", endpoint_url, spec.region), client("elbv2", endpoint_url, spec.region), spec)
    _seed_alarms(client("cloudwatch", endpoint_url, spec.region), spec)
    return SeededIds(staging_id, production_id, zone_id, lb_arn, listener_arn, stable_tg, canary_tg)


def build_frontend(release: str, out: Path) -> Path:
    subprocess.run([sys.executable, str(FRONTEND_BUILD), "--release", release, "--out", str(out)],
                   check=True, capture_output=True, text=True)
    return out


def _seed_bucket(s3: Any, spec: WorldSpec) -> None:
    existing = {b["Name"] for b in s3.list_buckets().get("Buckets", [])}
    if spec.bucket not in existing:
        s3.create_bucket(Bucket=spec.bucket)
    else:  # restore: only the initial release remains
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=spec.bucket):
            keys = [{"Key": o["Key"]} for o in page.get("Contents", [])]
            if keys:
                s3.delete_objects(Bucket=spec.bucket, Delete={"Objects": keys, "Quiet": True})
    with tempfile.TemporaryDirectory() as tmp:
        build = build_frontend(spec.initial_release, Path(tmp) / "dist")
        for environment in ("staging", "production"):
            upload_release(s3, spec.bucket, spec.release_prefix(environment, spec.initial_release), build)


def _origin(spec: WorldSpec, origin_id: str, path: str) -> dict[str, Any]:
    return {
        "Id": origin_id,
        "DomainName": f"{spec.bucket}.s3.{spec.region}.amazonaws.com",
        "OriginPath": path,
        "S3OriginConfig": {"OriginAccessIdentity": ""},
    }


def _distribution_config(spec: WorldSpec, comment: str, origins: dict[str, str], reference: str) -> dict[str, Any]:
    first = next(iter(origins))
    return {
        "CallerReference": reference,
        "Comment": comment,
        "Enabled": True,
        "DefaultRootObject": "index.html",
        "Origins": {"Quantity": len(origins), "Items": [_origin(spec, i, p) for i, p in origins.items()]},
        "DefaultCacheBehavior": {
            "TargetOriginId": first,
            "ViewerProtocolPolicy": "redirect-to-https",
            "TrustedSigners": {"Enabled": False, "Quantity": 0},
            "ForwardedValues": {"QueryString": False, "Cookies": {"Forward": "none"}},
            "MinTTL": 0,
        },
    }


def _ensure_distribution(cloudfront: Any, spec: WorldSpec, comment: str, origins: dict[str, str]) -> str:
    items = cloudfront.list_distributions().get("DistributionList", {}).get("Items", []) or []
    for item in items:
        if item.get("Comment") == comment:
            current = cloudfront.get_distribution_config(Id=item["Id"])
            config = current["DistributionConfig"]
            config["Origins"] = {"Quantity": len(origins),
                                 "Items": [_origin(spec, i, p) for i, p in origins.items()]}
            config["Enabled"] = True
            cloudfront.update_distribution(Id=item["Id"], IfMatch=current["ETag"], DistributionConfig=config)
            return item["Id"]
    created = cloudfront.create_distribution(
        DistributionConfig=_distribution_config(spec, comment, origins, reference=comment.replace(" ", "-")))
    return created["Distribution"]["Id"]


def weighted_record(spec: WorldSpec, set_identifier: str, weight: int) -> dict[str, Any]:
    return {
        "Action": "UPSERT",
        "ResourceRecordSet": {
            "Name": spec.record_name,
            "Type": "CNAME",
            "SetIdentifier": set_identifier,
            "Weight": weight,
            "TTL": 60,
            "ResourceRecords": [{"Value": f"{set_identifier}.{spec.hosted_zone}"}],
        },
    }


def _seed_route53(route53: Any, spec: WorldSpec) -> str:
    zones = route53.list_hosted_zones_by_name(DNSName=spec.hosted_zone).get("HostedZones", [])
    zone = next((z for z in zones if z["Name"] == spec.hosted_zone), None)
    if zone is None:
        zone = route53.create_hosted_zone(Name=spec.hosted_zone, CallerReference=f"golive-{spec.hosted_zone}")["HostedZone"]
    zone_id = zone["Id"].split("/")[-1]
    route53.change_resource_record_sets(HostedZoneId=zone_id, ChangeBatch={"Changes": [
        weighted_record(spec, spec.stable_set_identifier, 100),
        weighted_record(spec, spec.canary_set_identifier, 0),
    ]})
    return zone_id


def forward_action(stable_tg: str, canary_tg: str, stable_weight: int, canary_weight: int) -> list[dict[str, Any]]:
    return [{"Type": "forward", "ForwardConfig": {"TargetGroups": [
        {"TargetGroupArn": stable_tg, "Weight": stable_weight},
        {"TargetGroupArn": canary_tg, "Weight": canary_weight},
    ]}}]


def _seed_alb(ec2: Any, elbv2: Any, spec: WorldSpec) -> tuple[str, str, str, str]:
    try:
        lb = elbv2.describe_load_balancers(Names=[spec.load_balancer_name])["LoadBalancers"][0]
    except elbv2.exceptions.LoadBalancerNotFoundException:
        vpc = ec2.create_vpc(CidrBlock="10.20.0.0/16")["Vpc"]["VpcId"]
        subnets = [ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.20.{i}.0/24",
                                     AvailabilityZone=f"{spec.region}{zone}")["Subnet"]["SubnetId"]
                   for i, zone in ((1, "a"), (2, "b"))]
        lb = elbv2.create_load_balancer(Name=spec.load_balancer_name, Subnets=subnets,
                                        Scheme="internet-facing", Type="application")["LoadBalancers"][0]
    arns = {}
    for name in (spec.stable_target_group, spec.canary_target_group):
        try:
            arns[name] = elbv2.describe_target_groups(Names=[name])["TargetGroups"][0]["TargetGroupArn"]
        except elbv2.exceptions.TargetGroupNotFoundException:
            arns[name] = elbv2.create_target_group(Name=name, Protocol="HTTP", Port=80, VpcId=lb["VpcId"],
                                                   TargetType="ip")["TargetGroups"][0]["TargetGroupArn"]
    stable_tg, canary_tg = arns[spec.stable_target_group], arns[spec.canary_target_group]
    actions = forward_action(stable_tg, canary_tg, 100, 0)
    listeners = elbv2.describe_listeners(LoadBalancerArn=lb["LoadBalancerArn"])["Listeners"]
    listener = next((item for item in listeners if item["Port"] == spec.listener_port), None)
    if listener is None:
        listener = elbv2.create_listener(LoadBalancerArn=lb["LoadBalancerArn"], Protocol="HTTP",
                                         Port=spec.listener_port, DefaultActions=actions)["Listeners"][0]
    else:
        elbv2.modify_listener(ListenerArn=listener["ListenerArn"], DefaultActions=actions)
    return lb["LoadBalancerArn"], listener["ListenerArn"], stable_tg, canary_tg


def _seed_alarms(cloudwatch: Any, spec: WorldSpec) -> None:
    for name in spec.alarms:
        cloudwatch.put_metric_alarm(
            AlarmName=name, Namespace="AWS/ApplicationELB", MetricName="HTTPCode_Target_5XX_Count",
            Statistic="Sum", Period=60, EvaluationPeriods=1, Threshold=1.0,
            ComparisonOperator="GreaterThanOrEqualToThreshold", TreatMissingData="notBreaching",
        )
        cloudwatch.set_alarm_state(AlarmName=name, StateValue="OK", StateReason="golive sandbox seed")
