"""One error shape for a failed AWS call: '<service>:<Action> on <resource>: <why>'.

`aws_action` wraps a boto3 call so that a deploy or rollback step that fails says which
action on which resource failed (AccessDenied names what the role must be granted) and
stops there: no retry loop here, botocore's own retries have already run.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

# What must never reach a message, a log or a flow state: access key ids, and the
# signature, credential and session token of a presigned URL that an error may quote.
_SECRETS = [
    (re.compile(r"\b(?:AKIA|ASIA)[A-Z0-9]{16}\b"), "<access-key-id>"),
    (
        re.compile(r"(X-Amz-(?:Signature|Credential|Security-Token)=)[^&\s\"']+", re.IGNORECASE),
        r"\1<redacted>",
    ),
    (re.compile(r"(Credential=)[^,\s]+"), r"\1<redacted>"),
    (re.compile(r"(Signature=)[0-9a-f]{16,}"), r"\1<redacted>"),
    (re.compile(r"(https?://)[^/@\s]+@"), r"\1"),
]


def scrub(text: str) -> str:
    for pattern, replacement in _SECRETS:
        text = pattern.sub(replacement, text)
    return text


class AwsActionError(RuntimeError):
    def __init__(self, action: str, resource: str, reason: str) -> None:
        super().__init__(f"{action} on {resource}: {reason}")
        self.action = action
        self.resource = resource
        self.reason = reason

    def __reduce__(self) -> tuple[Any, ...]:  # Prefect pickles task exceptions into states
        return (type(self), (self.action, self.resource, self.reason))


@contextmanager
def aws_action(
    action: str, resource: str, error_type: Callable[[str, str, str], Exception] = AwsActionError
) -> Iterator[None]:
    """Turn a boto3 error inside the block into `error_type(action, resource, reason)`."""
    try:
        yield
    except ClientError as error:
        details = error.response.get("Error", {})
        code = details.get("Code") or "Error"
        message = details.get("Message") or ""
        raise error_type(
            action, resource, scrub(f"{code}: {message}" if message else code)
        ) from error
    except (
        BotoCoreError
    ) as error:  # no credentials, endpoint unreachable, retries exhausted on a timeout, ...
        raise error_type(action, resource, scrub(f"{type(error).__name__}: {error}")) from error


_DENIED = (
    "AccessDenied",
    "AccessDeniedException",
    "UnauthorizedOperation",
    "InvalidClientTokenId",
    "ExpiredToken",
    "SignatureDoesNotMatch",
)


def is_denied(error: BaseException) -> bool:
    """An authorization failure: retrying changes nothing, so a step should fail closed at once."""
    reason = getattr(error, "reason", "")
    return isinstance(error, AwsActionError) and reason.split(":", 1)[0] in _DENIED


def retry_unless_denied(task: Any, task_run: Any, state: Any) -> bool:
    """A Prefect `retry_condition_fn`: retry transient failures, never a denied permission."""
    try:
        state.result()
    except BaseException as error:  # noqa: BLE001 - the state's own exception, to classify
        return not is_denied(error)
    return True
