"""Cross-field rules for the winter blocks of a scenario: surges, staffing and escalation
refer to streams, services, age bands and localities that exist, of a kind they apply to."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sim.config.calendar import SimCalendar
from sim.config.schema import CapacitatedService

if TYPE_CHECKING:
    from sim.config.checks import Path, Problem
    from sim.config.schema import Scenario


def check_winter(scenario: Scenario, problems: list[Problem]) -> None:
    _check_surges(scenario, problems)
    _check_staffing(scenario, problems)
    for name, escalation in scenario.escalation.items():
        path = ("escalation", name, "service")
        spec = _check_service(scenario, escalation.service, path, ("ward", "team", "caseload"),
                              problems)
        if spec is not None and escalation.mutual_aid and \
                len(scenario.geography.units(spec.level)) < 2:
            problems.append(_problem(path, (
                f"mutual aid needs a service organised in several units; '{escalation.service}' "
                f"has one {spec.level} unit")))


def _problem(path: Path, message: str) -> Problem:
    from sim.config.checks import Problem

    return Problem(path, message)


def _check_names(given: list[str] | None, known: list[str], path: Path, what: str,
                 problems: list[Problem]) -> None:
    for name in given or []:
        if name not in known:
            problems.append(_problem((*path, name), f"unknown {what} (expected one of {known})"))


def _check_service(scenario: Scenario, name: str, path: Path, kinds: tuple[str, ...],
                   problems: list[Problem]) -> CapacitatedService | None:
    """The named service exists, is of one of ``kinds`` and has a limited capacity."""
    service = scenario.services.get(name)
    if service is None:
        problems.append(_problem(path, f"undefined service '{name}'"))
        return None
    if service.kind not in kinds:
        problems.append(_problem(path, f"'{name}' is of kind {service.kind}; expected one of "
                                       f"{', '.join(kinds)}"))
        return None
    assert isinstance(service, CapacitatedService)
    if service.capacity == "unlimited":
        problems.append(_problem(path, f"'{name}' has unlimited capacity; give it a number"))
        return None
    return service


def _check_surges(scenario: Scenario, problems: list[Problem]) -> None:
    t = scenario.time
    calendar = SimCalendar(t.start_date, t.warmup_days)
    horizon = t.warmup_days + t.run_days + t.follow_up_days
    first, last = calendar.date_of(0.0), calendar.date_of(horizon - 1e-9)
    geo = scenario.geography
    for name, surge in scenario.surges.items():
        path: tuple[Any, ...] = ("surges", name)
        if surge.end <= first or surge.start > last:
            problems.append(_problem((*path, "start"), (
                f"the surge ({surge.start} to {surge.end}) is outside the simulated period "
                f"({first} to {last})")))
        _check_names(surge.streams, list(scenario.demand), (*path, "streams"), "demand stream",
                     problems)
        _check_names(surge.age_bands, list(geo.age_bands), (*path, "age_bands"), "age band",
                     problems)
        _check_names(surge.localities, list(geo.localities), (*path, "localities"), "locality",
                     problems)
        effects = (*path, "effects")
        for service in surge.effects.stay_multiplier:
            spec = scenario.services.get(service)
            if spec is None or spec.kind in ("exit", "placement"):
                problems.append(_problem((*effects, "stay_multiplier", service),
                                         "expected a service with a time in service (a team, "
                                         "ward, caseload or delay)"))
        for service in surge.effects.absence_pct:
            _check_service(scenario, service, (*effects, "absence_pct", service),
                           ("team", "caseload"), problems)
        for service, beds in surge.effects.closed_beds.items():
            spec = _check_service(scenario, service, (*effects, "closed_beds", service), ("ward",),
                                  problems)
            if spec is not None and isinstance(spec.capacity, int) and beds > spec.capacity:
                problems.append(_problem((*effects, "closed_beds", service),
                                         f"{beds} beds closed, but the ward has {spec.capacity}"))


def _check_staffing(scenario: Scenario, problems: list[Problem]) -> None:
    staffing = scenario.staffing
    for service in staffing.absence_pct:
        _check_service(scenario, service, ("staffing", "absence_pct", service),
                       ("team", "caseload"), problems)
    for service, roster in staffing.rosters.items():
        path = ("staffing", "rosters", service)
        spec = _check_service(scenario, service, path, ("team", "caseload"), problems)
        if spec is None:
            continue
        if roster.peak == 0:
            problems.append(_problem(path, "the roster has no staff on any shift"))
