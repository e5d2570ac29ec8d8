"""Load secrets from Prefect Secret blocks, as SecretStr so they never print."""

from __future__ import annotations

from pydantic import SecretStr


def load_secret(block_name: str) -> SecretStr:
    from prefect.blocks.system import Secret

    value = Secret.load(block_name).get()
    return SecretStr(value if isinstance(value, str) else str(value))
