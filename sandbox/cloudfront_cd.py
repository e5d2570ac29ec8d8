"""CloudFront continuous deployment, emulated in front of moto (moto 5.2 has none of it).

A weighted canary of a *site* on CloudFront needs a staging distribution and a continuous
deployment policy: a distribution serves one origin per cache behaviour, so splitting viewers
between two releases is CloudFront's job, not an origin's. moto answers none of the calls
(CopyDistribution, the *ContinuousDeploymentPolicy* family, UpdateDistributionWithStagingConfig
fall through to its 404), so the sandbox's AWS proxy (aws_faults.py) hands them to this module
before anything reaches moto. Behaviour follows the CloudFront API reference and the developer
guide's "Using CloudFront continuous deployment" chapter:

- CopyDistribution (If-Match: the primary's ETag; `Staging: true`) creates the staging
  distribution *in moto*, as create_distribution with the primary's config (its own
  CallerReference, `Staging: true`), so ListDistributions/GetDistribution/UpdateDistribution
  keep working through moto. This module remembers which distributions are staging ones.
- Continuous deployment policies (Create/Get/GetConfig/Update/Delete/List) live here only,
  with their own ETags: Update and Delete need If-Match (InvalidIfMatchVersion without it,
  PreconditionFailed on a stale one). Validated as the service documents: SingleWeight
  weight 0..0.15 (`MAX_WEIGHT`), session stickiness TTLs 300..3600 s and idle <= maximum,
  SingleHeader header names starting with `aws-cf-cd-`, all InvalidArgument; a staging
  distribution named by a second policy is StagingDistributionInUse; 20 policies at most.
- The attachment (the primary's `ContinuousDeploymentPolicyId`) is kept in moto's own
  DistributionConfig: moto stores the config members it is given and returns them, so
  GetDistributionConfig -> UpdateDistribution round-trips it exactly as AWS does and no
  response needs splicing. UpdateDistribution still passes through here first, to refuse what
  CloudFront refuses (an unknown policy: NoSuchContinuousDeploymentPolicy; one attached to
  another primary: ContinuousDeploymentPolicyInUse; a policy on a staging distribution, or
  `Staging` changed: IllegalUpdate) and, once moto accepted it, to mirror the attachment for
  the edge (`split_for`). An attachment written straight to moto, past the proxy, is not seen.
- UpdateDistributionWithStagingConfig (If-Match "<primary ETag>, <staging ETag>") overwrites
  the primary's config with the staging's, except the primary's Aliases,
  ContinuousDeploymentPolicyId (and its own CallerReference and `Staging: false`), and, as the
  API reference says, disables the policy: all traffic goes back to the primary, which now
  serves the staging's origins. The policy stays attached, for the next test.

Sandbox choices where AWS documents nothing: the error code for promoting a distribution that
is not the attached policy's staging one (InvalidArgument), a policy must name exactly one
staging distribution and carry a TrafficConfig (InvalidArgument otherwise). moto's distribution
ETags never change and moto ignores UpdateDistribution's If-Match; only the policies' ETags move.

**For the edge** (read-only, no I/O, safe on the event loop):

- `state.split_for(primary_distribution_id) -> Split | None`: None when no policy is attached;
  else the staging distribution id, `enabled`, and either `weight` (with `idle_ttl` and
  `maximum_ttl` when sessions are sticky) or `header`/`value`. The staging distribution's
  origins are in the routing watcher's snapshot (`distributions`).
- `serves_staging(split, request_headers, cookies, rng, now=None) -> (bool, set_cookie | None)`:
  what CloudFront does with one viewer request. A header config sends a request carrying that
  header with that value (name case-insensitive, value exact) to staging, anything else to the
  primary. A weight config draws with probability `weight`; with stickiness CloudFront "sets a
  cookie so that all requests from the same viewer in a single session are served by one
  distribution" and a session ends after `idle_ttl` without requests or `maximum_ttl` after it
  began; sessions reset when the policy or its stickiness is turned on or off (developer guide,
  "Session stickiness for weight-based configurations"). The guide does not name the cookie:
  the sandbox calls it `STICKY_COOKIE`. The edge passes the request's headers (any case) and its
  parsed cookies (`cookies_of(cookie_header)`), and adds the returned Set-Cookie value, if any.
"""

from __future__ import annotations

import copy
import random
import re
import secrets
import string
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.cookies import CookieError, SimpleCookie
from typing import Any
from xml.sax.saxutils import escape

from botocore.compat import HTTPHeaders
from botocore.exceptions import ClientError
from botocore.parsers import RestXMLParser

from sandbox.aws_calls import AwsCall, rest_action, service_model
from sandbox.aws_error_bodies import AwsError, render

MAX_WEIGHT = (
    0.15  # API reference, ContinuousDeploymentSingleWeightConfig.Weight: "between 0 and 0.15"
)
TTL_RANGE = (300, 3600)  # SessionStickinessConfig IdleTTL/MaximumTTL: "300–3600 seconds"
HEADER_PREFIX = "aws-cf-cd-"  # SingleHeaderConfig.Header: "must contain the prefix aws-cf-cd-"
MAX_POLICIES = 20  # developer guide, quotas: continuous deployment policies per account
STICKY_COOKIE = "aws-cf-cd-session"  # the sandbox's name: the guide only says "sets a cookie"
API = "/2020-05-31"
NAMESPACE = "http://cloudfront.amazonaws.com/doc/2020-05-31/"
EMULATED = frozenset(
    {
        "CopyDistribution",
        "CreateContinuousDeploymentPolicy",
        "GetContinuousDeploymentPolicy",
        "GetContinuousDeploymentPolicyConfig",
        "UpdateContinuousDeploymentPolicy",
        "DeleteContinuousDeploymentPolicy",
        "ListContinuousDeploymentPolicies",
        "UpdateDistributionWithStagingConfig",
    }
)
CHECKED = frozenset({"UpdateDistribution", "DeleteDistribution"})  # checked here, served by moto
_CALL = AwsCall("cloudfront", None, "rest-xml")
_ID = re.compile(rf"{API}/(?:distribution|continuous-deployment-policy)/([^/]+)")


@dataclass(frozen=True)
class Split:
    """How CloudFront splits a primary distribution's viewers, as its attached policy says."""

    primary_distribution_id: str
    staging_distribution_id: str | None  # None: the policy names no staging distribution we know
    enabled: bool
    weight: float | None = None  # SingleWeight
    idle_ttl: int | None = None  # sticky sessions (SingleWeight only)
    maximum_ttl: int | None = None
    header: str | None = None  # SingleHeader
    value: str | None = None
    session_epoch: str = ""  # changes when sessions reset (policy or stickiness turned on/off)


@dataclass(frozen=True)
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes


class CloudFrontError(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


@dataclass
class _Policy:
    id: str
    config: dict[str, Any]
    etag: str
    modified: datetime
    epoch: int = 0


@dataclass
class _Staging:
    id: str
    domain_name: str
    primary_id: str


@dataclass
class _Store:
    policies: dict[str, _Policy] = field(default_factory=dict)
    staging: dict[str, _Staging] = field(default_factory=dict)  # staging distribution id ->
    attached: dict[str, str] = field(default_factory=dict)  # primary distribution id -> policy id


def _new_id(first: str = "E") -> str:
    return first + "".join(
        secrets.choice(string.ascii_uppercase + string.digits) for _ in range(13)
    )


# --- the wire: botocore's model parses requests, and shapes the answers ---------------------------


def _operation(action: str) -> Any:
    model = service_model("cloudfront")
    assert model is not None
    return model.operation_model(action)


def parse_request(action: str, headers: Mapping[str, str], body: bytes) -> dict[str, Any]:
    """The request's header and body members, parsed by botocore with the operation's input shape."""
    case_blind = HTTPHeaders()  # botocore looks header members up by their model's spelling
    for name, value in headers.items():
        case_blind[name] = value
    parsed = RestXMLParser().parse(
        {"body": body, "headers": case_blind, "status_code": 200},
        _operation(action).input_shape,
    )
    parsed.pop("ResponseMetadata", None)
    return parsed


def _text(shape: Any, value: Any) -> str:
    if shape.type_name == "boolean":
        return "true" if value else "false"
    if shape.type_name == "timestamp" and isinstance(value, datetime):
        return (
            value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.")
            + f"{value.microsecond // 1000:03d}Z"
        )
    return str(value)


def to_xml(shape: Any, value: Any, name: str, attributes: str = "") -> str:
    """An element for `value` as the shape (structure, list, scalar) lays it out in rest-xml."""
    if shape.type_name == "structure":
        inner = "".join(
            to_xml(member, value[key], member.serialization.get("name", key))
            for key, member in shape.members.items()
            if value.get(key) is not None and "location" not in member.serialization
        )
    elif shape.type_name == "list":
        member = shape.member
        inner = "".join(
            to_xml(member, v, member.serialization.get("name", "member")) for v in value
        )
    else:
        inner = escape(_text(shape, value))
    return f"<{name}{attributes}>{inner}</{name}>"


def answer(action: str, result: Mapping[str, Any]) -> Answer:
    """The operation's success response: header members as headers, the payload as the body."""
    operation = _operation(action)
    status = operation.http.get("responseCode", 200)
    output = operation.output_shape
    if output is None:
        return Answer(status, {}, b"")
    headers = {"x-amzn-requestid": _new_id("R")}
    for key, member in output.members.items():
        if member.serialization.get("location") == "header" and result.get(key) is not None:
            headers[member.serialization.get("name", key)] = _text(member, result[key])
    payload = output.serialization["payload"]
    body = to_xml(output.members[payload], result[payload], payload, f' xmlns="{NAMESPACE}"')
    headers["content-type"] = "text/xml"
    return Answer(status, headers, ('<?xml version="1.0" encoding="UTF-8"?>\n' + body).encode())


def error_answer(code: str, message: str) -> Answer:
    """CloudFront's XML error (`<ErrorResponse>`), with the status botocore's model gives the code."""
    model = service_model("cloudfront")
    try:
        status = model.shape_for(code).metadata["error"]["httpStatusCode"]  # type: ignore[union-attr]
    except Exception:  # a code this botocore does not model: moto's own, say
        status = 400
    status, headers, body = render(AwsError(status, code, message), _CALL)
    return Answer(status, headers, body)


# --- the emulation -------------------------------------------------------------------------------


class ContinuousDeployment:
    """The sandbox's continuous deployment state and calls; `cloudfront` is a boto3 client of moto.

    `call` (and `forwarded`) run in a worker thread (they call moto); `split_for` reads an
    immutable mapping swapped in after each change, so the edge never waits on a call."""

    def __init__(self, cloudfront: Any) -> None:
        self._moto = cloudfront
        self._lock = threading.RLock()
        self._store = _Store()
        self._splits: dict[str, Split] = {}

    @staticmethod
    def action_of(
        method: str, path: str, query: Mapping[str, str], headers: Mapping[str, str]
    ) -> str | None:
        """The action, if this module answers it (EMULATED) or checks it before moto does (CHECKED)."""
        if not path.startswith(API) or (method == "GET" and "/distribution" in path):
            return None
        action = rest_action("cloudfront", method, path, query, headers)
        return action if action in EMULATED or action in CHECKED else None

    def split_for(self, primary_distribution_id: str) -> Split | None:
        return self._splits.get(primary_distribution_id)

    def call(
        self,
        action: str,
        path: str,
        query: Mapping[str, str],
        headers: Mapping[str, str],
        body: bytes,
    ) -> Answer | None:
        """The answer, or None: a CHECKED call that passed, for moto to serve (then `forwarded`)."""
        match = _ID.match(path)
        resource = match.group(1) if match else ""
        with self._lock:
            try:
                request = parse_request(action, headers, body)
                handler = getattr(self, "_" + re.sub(r"(?<!^)(?=[A-Z])", "_", action).lower())
                result = handler(resource, request, query)
            except CloudFrontError as error:
                return error_answer(error.code, error.message)
            except ClientError as error:  # moto's answer to a call made on the caller's behalf
                details = error.response.get("Error", {})
                return error_answer(
                    details.get("Code", "InternalError"), details.get("Message", "")
                )
            finally:
                self._publish()
        if action in CHECKED:
            return None  # passed: moto serves it
        return answer(action, result or {})

    def forwarded(self, action: str, path: str, headers: Mapping[str, str], body: bytes) -> None:
        """moto accepted a CHECKED call: mirror what it changed."""
        match = _ID.match(path)
        distribution_id = match.group(1) if match else ""
        with self._lock:
            if action == "DeleteDistribution":
                self._store.staging.pop(distribution_id, None)
                self._store.attached.pop(distribution_id, None)
            elif action == "UpdateDistribution":
                config = parse_request(action, headers, body).get("DistributionConfig") or {}
                policy_id = config.get("ContinuousDeploymentPolicyId") or ""
                if policy_id:
                    self._store.attached[distribution_id] = policy_id
                else:
                    self._store.attached.pop(distribution_id, None)
            self._publish()

    def reset(self) -> None:
        """Back to no policies and no staging distributions (the sandbox's reset, before seeding)."""
        with self._lock:
            for primary_id in list(self._store.attached):
                try:
                    current = self._moto.get_distribution_config(Id=primary_id)
                    config = current["DistributionConfig"]
                    config["ContinuousDeploymentPolicyId"] = ""
                    self._moto.update_distribution(
                        Id=primary_id, IfMatch=current["ETag"], DistributionConfig=config
                    )
                except ClientError:
                    pass  # gone already
            for staging_id in list(self._store.staging):
                try:
                    self._moto.delete_distribution(Id=staging_id, IfMatch="*")
                except ClientError:
                    pass
            self._store = _Store()
            self._publish()

    # --- distributions ---

    def _config(self, distribution_id: str) -> tuple[dict[str, Any], str]:
        current = self._moto.get_distribution_config(Id=distribution_id)
        return current["DistributionConfig"], current["ETag"]

    def _copy_distribution(self, primary_id: str, request: dict[str, Any], query: Any) -> dict:
        config, etag = self._config(primary_id)
        _require_if_match(request, [etag])
        config = copy.deepcopy(config)
        config["CallerReference"] = request.get("CallerReference") or _new_id("copy-")
        config["Staging"] = bool(request.get("Staging"))
        config["ContinuousDeploymentPolicyId"] = ""
        if request.get("Enabled") is not None:
            config["Enabled"] = request["Enabled"]
        created = self._moto.create_distribution(DistributionConfig=config)
        distribution = created["Distribution"]
        if config["Staging"]:
            self._store.staging[distribution["Id"]] = _Staging(
                distribution["Id"], distribution["DomainName"], primary_id
            )
        return {
            "Distribution": distribution,
            "ETag": created["ETag"],
            "Location": created["Location"],
        }

    def _update_distribution(
        self, distribution_id: str, request: dict[str, Any], query: Any
    ) -> None:
        config = request.get("DistributionConfig")
        if not config:
            return None  # moto answers a missing body as AWS does
        policy_id = config.get("ContinuousDeploymentPolicyId") or ""
        staging = distribution_id in self._store.staging
        if bool(config.get("Staging")) != staging:
            raise CloudFrontError(
                "IllegalUpdate", "The Staging field of a distribution cannot be changed."
            )
        if policy_id and staging:
            raise CloudFrontError(
                "IllegalUpdate",
                "A continuous deployment policy cannot be associated with a staging distribution.",
            )
        if policy_id:
            if policy_id not in self._store.policies:
                raise CloudFrontError(
                    "NoSuchContinuousDeploymentPolicy",
                    f"The continuous deployment policy {policy_id} does not exist.",
                )
            holder = next((p for p, c in self._store.attached.items() if c == policy_id), None)
            if holder not in (None, distribution_id):
                raise CloudFrontError(
                    "ContinuousDeploymentPolicyInUse",
                    f"The continuous deployment policy {policy_id} is associated with distribution {holder}.",
                )
        return None

    def _delete_distribution(
        self, distribution_id: str, request: dict[str, Any], query: Any
    ) -> None:
        return None

    def _update_distribution_with_staging_config(
        self, primary_id: str, request: dict[str, Any], query: Mapping[str, str]
    ) -> dict:
        staging_id = query.get("StagingDistributionId", "")
        primary, primary_etag = self._config(primary_id)
        staging, staging_etag = self._config(staging_id)
        _require_if_match(request, [primary_etag, staging_etag])
        policy = self._store.policies.get(self._store.attached.get(primary_id, ""))
        if (
            staging_id not in self._store.staging
            or policy is None
            or (self._staging_of(policy) != staging_id)
        ):
            raise CloudFrontError(
                "InvalidArgument",
                f"Distribution {staging_id} is not the staging distribution of the continuous "
                f"deployment policy associated with distribution {primary_id}.",
            )
        promoted = copy.deepcopy(staging)
        for kept in ("CallerReference", "Aliases", "ContinuousDeploymentPolicyId"):
            if kept in primary:
                promoted[kept] = primary[kept]
        promoted["Staging"] = False
        updated = self._moto.update_distribution(
            Id=primary_id, IfMatch=primary_etag, DistributionConfig=promoted
        )
        self._replace_config(policy, {**policy.config, "Enabled": False})
        return {"Distribution": updated["Distribution"], "ETag": updated["ETag"]}

    # --- policies ---

    def _policy(self, policy_id: str) -> _Policy:
        policy = self._store.policies.get(policy_id)
        if policy is None:
            raise CloudFrontError(
                "NoSuchContinuousDeploymentPolicy",
                f"The continuous deployment policy {policy_id} does not exist.",
            )
        return policy

    def _staging_of(self, policy: _Policy) -> str | None:
        names = policy.config["StagingDistributionDnsNames"].get("Items") or []
        by_name = {s.domain_name: s.id for s in self._store.staging.values()}
        return next((by_name[n] for n in names if n in by_name), None)

    def _validated(self, config: dict[str, Any] | None, policy_id: str | None) -> dict[str, Any]:
        if not config:
            raise CloudFrontError("MissingBody", "The request body is missing.")
        validate_policy_config(config, {s.domain_name for s in self._store.staging.values()})
        name = config["StagingDistributionDnsNames"]["Items"][0]
        for other in self._store.policies.values():
            if other.id != policy_id and name in (
                other.config["StagingDistributionDnsNames"].get("Items") or []
            ):
                raise CloudFrontError(
                    "StagingDistributionInUse",
                    f"The staging distribution {name} is used by continuous deployment policy {other.id}.",
                )
        return config

    def _policy_result(self, policy: _Policy, with_location: bool = False) -> dict[str, Any]:
        result: dict[str, Any] = {
            "ContinuousDeploymentPolicy": {
                "Id": policy.id,
                "LastModifiedTime": policy.modified,
                "ContinuousDeploymentPolicyConfig": policy.config,
            },
            "ETag": policy.etag,
        }
        if with_location:
            result["Location"] = (
                f"https://cloudfront.amazonaws.com{API}/continuous-deployment-policy/{policy.id}"
            )
        return result

    def _replace_config(self, policy: _Policy, config: dict[str, Any]) -> None:
        if bool(config.get("Enabled")) != bool(policy.config.get("Enabled")) or (
            _stickiness(config) is None
        ) != (_stickiness(policy.config) is None):
            policy.epoch += 1  # CloudFront resets all sessions
        policy.config = config
        policy.etag = _new_id()
        policy.modified = datetime.now(UTC)

    def _create_continuous_deployment_policy(self, _: str, request: dict, query: Any) -> dict:
        config = self._validated(request.get("ContinuousDeploymentPolicyConfig"), None)
        if len(self._store.policies) >= MAX_POLICIES:
            raise CloudFrontError(
                "TooManyContinuousDeploymentPolicies",
                f"You have reached the maximum number of continuous deployment policies ({MAX_POLICIES}).",
            )
        policy = _Policy(_new_id(), config, _new_id(), datetime.now(UTC))
        self._store.policies[policy.id] = policy
        return self._policy_result(policy, with_location=True)

    def _get_continuous_deployment_policy(self, policy_id: str, request: dict, query: Any) -> dict:
        return self._policy_result(self._policy(policy_id))

    def _get_continuous_deployment_policy_config(
        self, policy_id: str, request: dict, query: Any
    ) -> dict:
        policy = self._policy(policy_id)
        return {"ContinuousDeploymentPolicyConfig": policy.config, "ETag": policy.etag}

    def _update_continuous_deployment_policy(
        self, policy_id: str, request: dict, query: Any
    ) -> dict:
        policy = self._policy(policy_id)
        _require_if_match(request, [policy.etag])
        config = self._validated(request.get("ContinuousDeploymentPolicyConfig"), policy_id)
        self._replace_config(policy, config)
        return self._policy_result(policy)

    def _delete_continuous_deployment_policy(
        self, policy_id: str, request: dict, query: Any
    ) -> None:
        policy = self._policy(policy_id)
        _require_if_match(request, [policy.etag])
        holder = next((p for p, c in self._store.attached.items() if c == policy_id), None)
        if holder is not None:
            raise CloudFrontError(
                "ContinuousDeploymentPolicyInUse",
                f"The continuous deployment policy {policy_id} is associated with distribution {holder}.",
            )
        del self._store.policies[policy_id]
        return None

    def _list_continuous_deployment_policies(
        self, _: str, request: dict, query: Mapping[str, str]
    ) -> dict:
        try:
            max_items = int(query.get("MaxItems") or 100)
        except ValueError as error:
            raise CloudFrontError("InvalidArgument", "MaxItems must be an integer.") from error
        ids = sorted(self._store.policies)
        marker = query.get("Marker") or ""
        start = ids.index(marker) if marker in ids else 0
        page = ids[start : start + max_items]
        listing: dict[str, Any] = {"MaxItems": max_items, "Quantity": len(ids)}
        if page:
            listing["Items"] = [
                {
                    "ContinuousDeploymentPolicy": self._policy_result(self._store.policies[i])[
                        "ContinuousDeploymentPolicy"
                    ]
                }
                for i in page
            ]
        if start + max_items < len(ids):
            listing["NextMarker"] = ids[start + max_items]
        return {"ContinuousDeploymentPolicyList": listing}

    def _publish(self) -> None:
        splits = {}
        for primary_id, policy_id in self._store.attached.items():
            policy = self._store.policies.get(policy_id)
            if policy is not None:
                splits[primary_id] = split_of(
                    primary_id, policy.id, policy.config, self._staging_of(policy), policy.epoch
                )
        self._splits = splits


# --- pure parts ----------------------------------------------------------------------------------


def _require_if_match(request: Mapping[str, Any], etags: list[str]) -> None:
    given = request.get("IfMatch")
    if not given:
        raise CloudFrontError(
            "InvalidIfMatchVersion",
            "The If-Match version is missing or not valid for the resource.",
        )
    if [part.strip() for part in given.split(",")] != etags:
        raise CloudFrontError(
            "PreconditionFailed",
            "The precondition given in one or more of the request fields evaluated to false.",
        )


def _stickiness(config: Mapping[str, Any]) -> Mapping[str, Any] | None:
    traffic = config.get("TrafficConfig") or {}
    return (traffic.get("SingleWeightConfig") or {}).get("SessionStickinessConfig")


def validate_policy_config(config: Mapping[str, Any], staging_dns_names: set[str]) -> None:
    """Raise CloudFrontError as CloudFront refuses a ContinuousDeploymentPolicyConfig."""
    names = config.get("StagingDistributionDnsNames") or {}
    items = names.get("Items") or []
    if names.get("Quantity") != len(items):
        raise CloudFrontError(
            "InconsistentQuantities", "The value of Quantity and the size of Items don't match."
        )
    if len(items) != 1 or items[0] not in staging_dns_names:
        raise CloudFrontError(
            "InvalidArgument",
            f"StagingDistributionDnsNames must name one staging distribution: {items}",
        )
    traffic = config.get("TrafficConfig") or {}
    kind = traffic.get("Type")
    if kind == "SingleWeight":
        weight_config = traffic.get("SingleWeightConfig") or {}
        weight = weight_config.get("Weight")
        if weight is None or not 0 <= weight <= MAX_WEIGHT:
            raise CloudFrontError(
                "InvalidArgument",
                f"Weight must be a decimal number between 0 and {MAX_WEIGHT}: {weight}",
            )
        sticky = weight_config.get("SessionStickinessConfig")
        if sticky is not None:
            idle, maximum = sticky.get("IdleTTL"), sticky.get("MaximumTTL")
            low, high = TTL_RANGE
            if not (
                isinstance(idle, int)
                and isinstance(maximum, int)
                and low <= idle <= maximum <= high
            ):
                raise CloudFrontError(
                    "InvalidArgument",
                    f"IdleTTL and MaximumTTL must be {low}-{high} seconds, IdleTTL <= MaximumTTL: "
                    f"{idle}, {maximum}",
                )
    elif kind == "SingleHeader":
        header_config = traffic.get("SingleHeaderConfig") or {}
        header, value = header_config.get("Header") or "", header_config.get("Value") or ""
        if not header.lower().startswith(HEADER_PREFIX) or not value:
            raise CloudFrontError(
                "InvalidArgument",
                f"The header name must start with {HEADER_PREFIX} and have a value: {header!r}",
            )
    else:
        raise CloudFrontError(
            "InvalidArgument", f"TrafficConfig Type must be SingleWeight or SingleHeader: {kind}"
        )


def split_of(
    primary_id: str, policy_id: str, config: Mapping[str, Any], staging_id: str | None, epoch: int
) -> Split:
    traffic = config.get("TrafficConfig") or {}
    enabled = bool(config.get("Enabled"))
    common = {
        "primary_distribution_id": primary_id,
        "staging_distribution_id": staging_id,
        "enabled": enabled,
        "session_epoch": f"{policy_id}{epoch}",
    }
    if traffic.get("Type") == "SingleHeader":
        header = traffic.get("SingleHeaderConfig") or {}
        return Split(**common, header=header.get("Header"), value=header.get("Value"))
    weight = traffic.get("SingleWeightConfig") or {}
    sticky = weight.get("SessionStickinessConfig") or {}
    return Split(
        **common,
        weight=float(weight.get("Weight", 0.0)),
        idle_ttl=sticky.get("IdleTTL"),
        maximum_ttl=sticky.get("MaximumTTL"),
    )


def cookies_of(cookie_header: str | None) -> dict[str, str]:
    """A request's Cookie header as name -> value (a malformed header reads as no cookies)."""
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(cookie_header or "")
    except CookieError:
        return {}
    return {name: morsel.value for name, morsel in jar.items()}


def _header(headers: Mapping[str, str], name: str) -> str | None:
    wanted = name.lower()
    return next((v for k, v in headers.items() if k.lower() == wanted), None)


def serves_staging(
    split: Split | None,
    request_headers: Mapping[str, str],
    cookies: Mapping[str, str],
    rng: random.Random,
    now: float | None = None,
) -> tuple[bool, str | None]:
    """Whether CloudFront sends this viewer request to the staging distribution, and the
    Set-Cookie value to add to the response (sticky weight configs only), else None."""
    if split is None or not split.enabled or split.staging_distribution_id is None:
        return False, None
    if split.header is not None:
        return _header(request_headers, split.header) == split.value, None
    weight = split.weight or 0.0
    if split.idle_ttl is None or split.maximum_ttl is None:
        return rng.random() < weight, None
    now = time.time() if now is None else now
    session = _session(cookies.get(STICKY_COOKIE), split, now)
    if session is None:
        staging, started = rng.random() < weight, int(now)
    else:
        staging, started = session
    left = min(split.idle_ttl, started + split.maximum_ttl - int(now))
    value = f"{split.session_epoch}.{'s' if staging else 'p'}.{started}.{int(now)}"
    return staging, f"{STICKY_COOKIE}={value}; Max-Age={max(left, 0)}; Path=/; Secure; HttpOnly"


def _session(cookie: str | None, split: Split, now: float) -> tuple[bool, int] | None:
    """The live session a cookie names: (staging?, when it began), or None (new session)."""
    try:
        epoch, served, started, last = (cookie or "").split(".")
        began, seen = int(started), int(last)
    except ValueError:
        return None
    if epoch != split.session_epoch or served not in ("s", "p"):
        return None
    assert split.idle_ttl is not None and split.maximum_ttl is not None
    if now - seen > split.idle_ttl or now - began > split.maximum_ttl:
        return None
    return served == "s", began
