"""Read an approver's TOTP secret from AWS Secrets Manager, with the production environment's
credentials (the launch's AWS role): secrets the Prefect API never holds.

The secret of person `name` is `<approvals.secret_prefix><name>` (e.g. `golive/approvers/bob`),
its SecretString the base32 secret or an `otpauth://totp/...` URI. A secret that cannot be read
raises `SecretUnavailable` naming only the AWS error code: never the secret, never the request.
"""

from __future__ import annotations

from botocore.exceptions import BotoCoreError, ClientError

from blocks.plan import Environment
from tasks.aws import aws_client


class SecretUnavailable(Exception):
    """The secret could not be read; the message is safe to record (an AWS error code at most)."""


def secret_id(prefix: str, name: str) -> str:
    return f"{prefix}{name}"


def read_totp_secret(environment: Environment, prefix: str, name: str) -> str:
    try:
        answer = aws_client("secretsmanager", environment).get_secret_value(
            SecretId=secret_id(prefix, name)
        )
    except ClientError as error:
        code = error.response.get("Error", {}).get("Code", "ClientError")
        raise SecretUnavailable(f"{secret_id(prefix, name)}: {code}") from None
    except BotoCoreError as error:
        raise SecretUnavailable(f"{secret_id(prefix, name)}: {type(error).__name__}") from None
    value = answer.get("SecretString")
    if not value:
        raise SecretUnavailable(f"{secret_id(prefix, name)}: no SecretString")
    return str(value)
