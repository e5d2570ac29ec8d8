"""Authentication for smoke checks and probes: none, AWS SigV4 (API Gateway IAM) or a bearer token.

Secrets stay inside the auth objects: they are read at the moment a request is signed,
never stored as plain strings on anything that gets logged, repr'd or put into a
CheckResult. Where the secrets come from is injected (`session_factory` for AWS,
`secret_loader` for bearer tokens) so a flow can pass Prefect blocks and a test can
pass literals.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Generator
from typing import Any

import httpx
from botocore.auth import SigV4Auth as _BotoSigV4
from botocore.awsrequest import AWSRequest
from pydantic import SecretStr

from blocks.plan import SmokeCheck

__all__ = [
    "AuthChooser",
    "AuthError",
    "BearerAuth",
    "SecretLoader",
    "SessionFactory",
    "SigV4Auth",
    "auth_for",
    "redact",
    "safe_url",
]

SecretLoader = Callable[
    [str], SecretStr
]  # block name -> secret (a Prefect Secret block in production)
SessionFactory = Callable[
    [], Any
]  # -> boto3.Session; Any keeps boto3 out of this module's import graph

# Headers we sign: the ones a proxy will not rewrite. Signing Connection or Accept-Encoding
# would break the signature behind any hop that normalises them.
_SIGNED = ("host", "content-type")
_USERINFO = re.compile(r"//[^/@\s]*@")


class AuthError(RuntimeError):
    """A request could not be authenticated (no credentials, no secret). Messages carry no secrets."""


class BearerAuth(httpx.Auth):
    """`Authorization: Bearer <token>`; the token is a SecretStr until the header is written."""

    def __init__(self, token: SecretStr) -> None:
        if not token.get_secret_value():
            raise AuthError("bearer token is empty")
        self._token = token

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["Authorization"] = f"Bearer {self._token.get_secret_value()}"
        yield request

    def redact(self, text: str) -> str:
        return text.replace(self._token.get_secret_value(), "**********")

    def __repr__(self) -> str:
        return "BearerAuth(token=SecretStr('**********'))"


class SigV4Auth(httpx.Auth):
    """AWS Signature V4 with botocore, credentials from a boto3 Session (refreshed per request)."""

    requires_request_body = True  # the payload hash is part of the signature

    def __init__(
        self, session: Any, region: str | None = None, service: str = "execute-api"
    ) -> None:
        region = region or getattr(session, "region_name", None)
        if not region:
            raise AuthError("sigv4 needs an AWS region (none given and the boto3 session has none)")
        self._session = session
        self.region = region
        self.service = service

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        credentials = self._session.get_credentials()
        if credentials is None:
            raise AuthError("sigv4: no AWS credentials found by the boto3 session")
        # Frozen: a refreshing credential provider must not change keys halfway through a signature.
        frozen = credentials.get_frozen_credentials()
        headers = {name: request.headers[name] for name in _SIGNED if name in request.headers}
        aws_request = AWSRequest(
            method=request.method, url=str(request.url), data=request.content, headers=headers
        )
        _BotoSigV4(frozen, self.service, self.region).add_auth(aws_request)
        for name, value in aws_request.headers.items():
            if name.lower() not in _SIGNED:  # Authorization, X-Amz-Date, X-Amz-Security-Token
                request.headers[name] = value
        yield request

    def __repr__(self) -> str:
        return f"SigV4Auth(service={self.service!r}, region={self.region!r})"


def auth_for(
    check: SmokeCheck,
    session_factory: SessionFactory | None,
    secret_loader: SecretLoader | None,
    *,
    region: str | None = None,
) -> httpx.Auth | None:
    """The auth a check asks for; AuthError (without secrets) if its source is missing."""
    if check.auth == "none":
        return None
    if check.auth == "sigv4":
        if session_factory is None:
            raise AuthError(f"check {check.name!r} uses sigv4 but no AWS session was provided")
        return SigV4Auth(session_factory(), region=region)
    block = check.bearer_secret_block
    if secret_loader is None or block is None:
        raise AuthError(f"check {check.name!r} uses bearer auth but no secret loader was provided")
    try:
        token = secret_loader(block)
    except Exception as error:  # the loader's message could quote the secret: keep only its type
        raise AuthError(
            f"cannot load the bearer secret block {block!r} ({type(error).__name__})"
        ) from None
    return BearerAuth(token)


class AuthChooser:
    """auth_for with the session and each secret loaded once per run (a Prefect block load is a round trip)."""

    def __init__(
        self,
        session_factory: SessionFactory | None = None,
        secret_loader: SecretLoader | None = None,
        *,
        region: str | None = None,
    ) -> None:
        self._session_factory = session_factory
        self._secret_loader = secret_loader
        self._region = region
        self._session: Any = None
        self._secrets: dict[str, SecretStr] = {}

    def __call__(self, check: SmokeCheck) -> httpx.Auth | None:
        return auth_for(
            check,
            self._session_factory and self._cached_session,
            self._secret_loader and self._cached_secret,
            region=self._region,
        )

    def _cached_session(self) -> Any:
        if self._session is None:
            assert self._session_factory is not None
            self._session = self._session_factory()
        return self._session

    def _cached_secret(self, block: str) -> SecretStr:
        if block not in self._secrets:
            assert self._secret_loader is not None
            self._secrets[block] = self._secret_loader(block)
        return self._secrets[block]

    def __repr__(self) -> str:
        return f"AuthChooser(secrets={sorted(self._secrets)})"  # names only


def redact(text: str, auth: httpx.Auth | None) -> str:
    """`text` with any secret the auth holds, and any user:password@ in a URL, masked."""
    text = _USERINFO.sub("//", text)
    redactor = getattr(auth, "redact", None)
    return redactor(text) if callable(redactor) else text


def safe_url(url: str | httpx.URL) -> str:
    """A URL fit for a message: no user:password@, no query string (it may carry a signature or key)."""
    parsed = httpx.URL(str(url))
    return str(parsed.copy_with(userinfo=b"", query=None, fragment=None))


def load_secret(block_name: str) -> SecretStr:
    """A Prefect Secret block's value, as SecretStr so that it never prints."""
    from prefect.blocks.system import Secret

    value = Secret.load(block_name).get()
    return SecretStr(value if isinstance(value, str) else str(value))
