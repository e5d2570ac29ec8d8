"""The launch plan as a whole: every section, and the checks that span sections.

`LaunchPlan` is the validated plan the rest of golive uses. Its cross-section checks cover
what no one section can see (unique names, a placeholder such as {id} or {sku} that the id
source does not capture, the client-lag bound
against the SLOs, message templates against the SLO names), and it answers questions that
need several sections (where the build runs, expected canary samples, doubtful settings).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Self

from pydantic import Field, PrivateAttr, model_validator

from blocks.message_templates import template_problem
from blocks.plan.base import _Model, _unique_field
from blocks.plan.build import BuildConfig
from blocks.plan.canary import CanaryPolicy, Stabilization
from blocks.plan.communications import Approvals, Communications, Notification
from blocks.plan.environments import Environments
from blocks.plan.errors import _Checks
from blocks.plan.probe import MetricsConfig, ProbeConfig
from blocks.plan.releases import ApiRelease, Arms, SiteRelease, api_release_problems
from blocks.plan.roles import Roles
from blocks.plan.scenarios import Scenario
from blocks.plan.slos import Slos, client_lag_bounds_ms
from blocks.plan.smoke import SmokeConfig
from blocks.plan.strings import HeaderName, NonEmpty, path_placeholders


class LaunchPlan(_Model):
    app: NonEmpty
    # which slot served (only with arms.by: header); one header may be both
    version_header: HeaderName = "X-Golive-Version"
    release_header: HeaderName = "X-Golive-Release"  # which release served an API call
    site_release: SiteRelease = SiteRelease()  # how a page of the site names its release
    arms: Arms = Arms()  # which side of the canary a response belongs to
    api_release: ApiRelease | None = None  # how the API release gets out (required)
    environments: Environments
    roles: Roles
    build: BuildConfig
    smoke: SmokeConfig
    slos: Slos
    probe: ProbeConfig = ProbeConfig()
    metrics: MetricsConfig = MetricsConfig()
    canary: CanaryPolicy
    stabilization: Stabilization = Stabilization()
    approvals: Approvals = Approvals()
    notifications: list[Notification] = Field(default_factory=list)
    communications: Communications = Communications()
    scenarios: list[Scenario] = Field(default_factory=list)  # Gate G's end-to-end flows

    _source_path: Path | None = PrivateAttr(default=None)
    _overrides: dict[str, str] = PrivateAttr(default_factory=dict)

    @model_validator(mode="after")
    def _cross_sections(self) -> Self:
        checks = _Checks()
        for loc, value, expected in api_release_problems(
            self.api_release, self.environments.production.api_slots
        ):
            checks.fail(loc, value, expected)
        _unique_field(checks, self.notifications, "name", ("notifications",), "notification names")
        _unique_field(checks, self.scenarios, "name", ("scenarios",), "scenario names")
        for number, scenario in enumerate(self.scenarios):
            for loc, value, expected in scenario.problems(self.placeholders_provided):
                checks.fail(("scenarios", number, *loc), value, expected)
        for loc, path, name in self._uncaptured_placeholders():
            checks.fail(loc, path, self._uncaptured(name))
        self._check_client_lag(checks)
        self._check_templates(checks)
        checks.raise_any()
        return self

    def _check_client_lag(self, checks: _Checks) -> None:
        # A lag as large as a threshold could fail that SLO on its own: then the guard guards nothing.
        bound = self.probe.max_client_lag
        if bound is None or not self.slos.latency:
            return
        tightest = min(self.slos.latency, key=lambda slo: float(slo.threshold))
        if bound >= tightest.threshold:
            checks.fail(
                ("probe", "max_client_lag"),
                bound,
                f"must be below the smallest latency SLO threshold ({tightest.threshold.text!r}, "
                f"{tightest.name}): a client lag that large could fail it on its own",
            )

    def _check_templates(self, checks: _Checks) -> None:
        # Here, not in Communications: the per-SLO placeholders ({board}) depend on slos.latency.
        slo_names = [slo.name for slo in self.slos.latency]
        for name, text in self.communications.templates.items():
            problem = template_problem(name, text, slo_names)
            if problem:
                checks.fail(("communications", "templates", name), text, problem)

    @property
    def placeholders_provided(self) -> set[str]:
        """The names probe.id_source fills in paths ({id}, {sku}, ...): none without one."""
        source = self.probe.id_source
        return set(source.paths) if source is not None else set()

    def _uncaptured_placeholders(self) -> Iterator[tuple[tuple[str | int, ...], str, str]]:
        """(field, path, name) for each placeholder of a smoke or SLO path that the id source does not fill."""
        paths: list[tuple[tuple[str | int, ...], str]] = [
            (("smoke", "suites", suite, index, "path"), check.path)
            for suite, index, check in self.smoke.all_checks()
        ]
        paths += [
            (("slos", "latency", index, "path"), slo.path)
            for index, slo in enumerate(self.slos.latency)
        ]
        provided = self.placeholders_provided
        for loc, path in paths:
            for name in path_placeholders(path):
                if name not in provided:
                    yield loc, path, name

    def _uncaptured(self, name: str) -> str:
        """What a path using {name} needed from probe.id_source."""
        source = self.probe.id_source
        if source is None:
            if name == "id":
                return "uses {id}, so probe.id_source must say where ids come from"
            return f"uses {{{name}}}, so probe.id_source must capture it (captures: {{{name}: <JSON path>}})"
        captured = ", ".join(f"{{{known}}}" for known in source.paths)
        wanted = "json_path: <JSON path>" if name == "id" else f"captures: {{{name}: <JSON path>}}"
        return f"uses {{{name}}}, which probe.id_source does not capture (it captures {captured}): add {wanted}"

    @property
    def source_path(self) -> Path | None:
        """The file the plan was loaded from, if any."""
        return self._source_path

    @property
    def overrides(self) -> dict[str, str]:
        """Field path -> environment variable, for each value an override replaced."""
        return dict(self._overrides)

    @property
    def plan_dir(self) -> Path:
        """The plan file's own directory: relative paths in the plan start there (the working
        directory for a plan given as data, with no file)."""
        return self._source_path.parent if self._source_path else Path.cwd()

    @property
    def build_working_dir(self) -> Path:
        """build.working_dir as an absolute path: relative ones from the plan file's directory."""
        return (self.plan_dir / self.build.working_dir).resolve()  # an absolute one wins the join

    @property
    def build_output_dir(self) -> Path:
        return self.build_working_dir / self.build.output_dir

    @property
    def client_lag_bounds_ms(self) -> dict[str, float]:
        """'board p95' -> how far the probe's own lag may move that SLO's number (ms)."""
        return client_lag_bounds_ms(self.slos, self.probe.max_client_lag)

    @property
    def max_client_lag_ms(self) -> float | None:
        """probe.max_client_lag in ms, or None (then a tenth of each SLO's threshold): pass it to the judge."""
        bound = self.probe.max_client_lag
        return float(bound) if bound is not None else None

    def expected_canary_samples(self, step: int) -> float:
        """Probe requests per evaluation that should reach the canary at `step` percent."""
        return self.probe.requests_per_evaluation * step / 100

    def warnings(self) -> list[str]:
        """Valid but doubtful settings, for `golive plan check` to show."""
        found = []
        first = self.canary.steps[0]
        expected = self.expected_canary_samples(first)
        if expected < self.slos.min_samples:
            found.append(
                f"probe.requests_per_evaluation: {self.probe.requests_per_evaluation} sends ~{expected:g} requests "
                f"to the canary at {first}%, below slos.min_samples ({self.slos.min_samples}): "
                "evaluations there will be inconclusive"
            )
        rate = self.probe.rate
        if (
            rate is not None
            and self.probe.requests_per_evaluation / rate > self.canary.evaluation_interval
        ):
            seconds = self.probe.requests_per_evaluation / rate
            found.append(
                f"probe.rate: {rate.text} sends {self.probe.requests_per_evaluation} requests in {seconds:g} s, "
                f"longer than canary.evaluation_interval ({self.canary.evaluation_interval.text}): each "
                "evaluation lasts as long as its probe, and a rollback waits for it"
            )
        if not self.notifications:
            found.append("notifications: [] — nobody will hear about the launch")
        return found
