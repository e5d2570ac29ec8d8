"""golive.core.registry: one entry per kind; an unknown kind is an error that names the known ones."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from golive.core.registry import Registry, UnknownPlugin, kind_problem


@dataclass(frozen=True)
class Entry:
    kind: str


def test_an_entry_is_found_by_its_kind_and_listed_in_order() -> None:
    registry = Registry("traffic router", [Entry("route53"), Entry("alb")])
    assert registry.get("alb") == Entry("alb")
    assert registry.kinds() == ["alb", "route53"]
    assert [e.kind for e in registry] == ["alb", "route53"] and len(registry) == 2


def test_an_unknown_kind_names_the_family_and_the_known_kinds() -> None:
    registry = Registry("traffic router", [Entry("route53"), Entry("alb")])
    with pytest.raises(
        UnknownPlugin, match=r"unknown traffic router 'istio' \(known: alb, route53\)"
    ):
        registry.get("istio")


def test_two_entries_of_one_kind_are_refused() -> None:
    with pytest.raises(ValueError, match="two notifier entries declare kind 'slack'"):
        Registry("notifier", [Entry("slack"), Entry("slack")])


def test_an_unknown_kind_in_a_plan_is_a_problem_at_its_field() -> None:
    registry = Registry("notifier", [Entry("slack"), Entry("webhook")])
    assert kind_problem(registry, "slack", ("notifications", 0, "kind")) is None
    problem = kind_problem(registry, "email", ("notifications", 1, "kind"))
    assert (
        str(problem) == "notifications[1].kind: 'email' — unknown notifier: one of slack, webhook"
    )
