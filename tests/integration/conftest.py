"""Fixtures the integration tests share: the rehearsal plan (plans/sandbox.yaml with shorter timings
and smaller volumes), loaded with the running sandbox's env."""

from __future__ import annotations

from pathlib import Path

import pytest

from blocks.plan import Environment, LaunchPlan, load_plan
from sandbox import manager

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def plan(sandbox: manager.Sandbox) -> LaunchPlan:
    return load_plan(REPO / "plans" / "rehearsal.yaml", env=sandbox.environment())


@pytest.fixture
def production(plan: LaunchPlan) -> Environment:
    return plan.environments.production
