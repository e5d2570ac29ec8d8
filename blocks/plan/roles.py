"""The plan's `roles:` section: who may approve the launch's gates and who signs UAT.

Each list names people once, and at least one.
"""

from __future__ import annotations

from pydantic import field_validator

from blocks.plan.base import _Model, _unique_names
from blocks.plan.strings import PersonName


class Roles(_Model):
    approvers: list[PersonName]
    uat_signers: list[PersonName]

    @field_validator("approvers")
    @classmethod
    def _approvers(cls, names: list[str]) -> list[str]:
        return _unique_names(names, "approver")

    @field_validator("uat_signers")
    @classmethod
    def _signers(cls, names: list[str]) -> list[str]:
        return _unique_names(names, "UAT signer")
