"""What the traffic router tests share: a recording boto3 client, a plan's router edited in
place, and the production health URL the share check counts responses at."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from blocks.plan import Environment

READ_PREFIXES = ("describe_", "list_", "get_")  # boto3 operations that change nothing


class Spy:
    """A boto3 client that records which operations were called (and can fail one of them)."""

    def __init__(self, client: Any, fail: dict[str, str] | None = None) -> None:
        self.client = client
        self.calls: list[str] = []
        self.fail = fail or {}

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self.client, name)
        if not callable(attribute):
            return attribute

        def call(*args: Any, **kwargs: Any) -> Any:
            self.calls.append(name)
            if name in self.fail:
                operation = "".join(part.title() for part in name.split("_"))
                raise ClientError({"Error": {"Code": self.fail[name], "Message": ""}}, operation)
            return attribute(*args, **kwargs)

        return call

    def writes(self) -> list[str]:
        """The recorded calls that may have changed something."""
        return [name for name in self.calls if not name.startswith(READ_PREFIXES)]


def with_router(environment: Environment, **changes: Any) -> Environment:
    """The environment with its router's kind, or fields of the selected section, replaced.

    The sections stay raw: `router_for` validates the edited one with its router's settings model.
    """
    router = environment.router
    assert router is not None
    kind = changes.pop("kind", router.kind)
    section = {**(router.section(kind) or {}), **changes}
    return environment.model_copy(
        update={"router": router.model_copy(update={"kind": kind, kind: section})}
    )


def health_url(environment: Environment) -> str:
    return environment.api_base_url + environment.health_path
