"""What one frontend router declares: the single entry its module exports as `ROUTER`
(its plan settings, IAM actions, description, the most it can send to a release, and its
constructor), as `tasks/traffic/plugin.py` does for the API routers."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from pydantic import BaseModel

from blocks.plan import Environment
from tasks.frontend import FrontendRouter

__all__ = ["FrontendRouterPlugin"]

S = TypeVar("S", bound=BaseModel)


@dataclass(frozen=True)
class FrontendRouterPlugin(Generic[S]):
    kind: str  # the plan's `frontend_router.kind`, and the name of its section beside it
    settings: type[S]
    service: str  # the boto3 client it drives
    actions: tuple[str, ...]  # the IAM actions a launch needs for it
    describe: Callable[[S], str]  # one line for `golive plan check`, without the kind
    share_at: Callable[[S, int], float]  # the site's percent at a canary step (pure)
    build: Callable[[S, Any, Environment], FrontendRouter]  # (settings, client, production)
