"""The plan's `roles:` section: who may approve the launch's gates and who signs UAT.

Each list names people once. There is at least one approver; `uat_signers` may be empty or
absent: then the plan requires no UAT, and Gate A asks for none (its checks say so).
"""

from __future__ import annotations

from pydantic import Field, field_validator

from blocks.plan.base import _Model, _unique_names
from blocks.plan.strings import PersonName


class Roles(_Model):
    approvers: list[PersonName]
    uat_signers: list[PersonName] = Field(default_factory=list)  # empty: no UAT required

    @field_validator("approvers")
    @classmethod
    def _approvers(cls, names: list[str]) -> list[str]:
        return _unique_names(names, "approver")

    @field_validator("uat_signers")
    @classmethod
    def _signers(cls, names: list[str]) -> list[str]:
        return _unique_names(names, "UAT signer", at_least_one=False)

    @property
    def uat_required(self) -> bool:
        return bool(self.uat_signers)
