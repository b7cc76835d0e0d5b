"""Cross-field rules for the winter blocks of a scenario: surges, staffing and escalation
refer to streams, services, age bands and localities that exist, of a kind they apply to."""

from __future__ import annotations

from typing import Any

from sim.config.calendar import SimCalendar
from sim.config.problems import Path, Problem
from sim.config.schema import CapacitatedService, Scenario
from sim.config.staffing import Roster, UnitAbsence, UnitRosters


def check_winter(scenario: Scenario, problems: list[Problem]) -> None:
    _check_surges(scenario, problems)
    _check_staffing(scenario, problems)
    _check_escalation(scenario, problems)


def _check_names(given: list[str] | None, known: list[str], path: Path, what: str,
                 problems: list[Problem]) -> None:
    for name in given or []:
        if name not in known:
            problems.append(Problem((*path, name), f"unknown {what} (expected one of {known})"))


def _check_service(scenario: Scenario, name: str, path: Path, kinds: tuple[str, ...],
                   problems: list[Problem]) -> CapacitatedService | None:
    """The named service exists, is of one of ``kinds`` and has a limited capacity."""
    service = scenario.services.get(name)
    if service is None:
        problems.append(Problem(path, f"undefined service '{name}'"))
        return None
    if service.kind not in kinds:
        problems.append(Problem(path, f"'{name}' is of kind {service.kind}; expected one of "
                                       f"{', '.join(kinds)}"))
        return None
    assert isinstance(service, CapacitatedService)
    if service.capacity == "unlimited":
        problems.append(Problem(path, f"'{name}' has unlimited capacity; give it a number"))
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
            problems.append(Problem((*path, "start"), (
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
                problems.append(Problem((*effects, "stay_multiplier", service),
                                         "expected a service with a time in service (a team, "
                                         "ward, caseload or delay)"))
        for service in surge.effects.absence_pct:
            _check_service(scenario, service, (*effects, "absence_pct", service),
                           ("team", "caseload"), problems)
        for service, beds in surge.effects.closed_beds.items():
            spec = _check_service(scenario, service, (*effects, "closed_beds", service), ("ward",),
                                  problems)
            if spec is not None and isinstance(spec.capacity, int) and beds > spec.capacity:
                problems.append(Problem((*effects, "closed_beds", service),
                                         f"{beds} beds closed, but the ward has {spec.capacity}"))


def _check_staffing(scenario: Scenario, problems: list[Problem]) -> None:
    staffing = scenario.staffing
    for service, absence in staffing.absence_pct.items():
        path = ("staffing", "absence_pct", service)
        spec = _check_service(scenario, service, path, ("team", "caseload"), problems)
        if spec is not None and isinstance(absence, UnitAbsence):
            _check_every_unit(scenario, service, spec, list(absence.by_unit), (*path, "by_unit"),
                              "absence", problems)
    for service, roster in staffing.rosters.items():
        path = ("staffing", "rosters", service)
        spec = _check_service(scenario, service, path, ("team", "caseload"), problems)
        if spec is None:
            continue
        rosters: dict[Path, Roster] = {path: roster} if isinstance(roster, Roster) else {
            (*path, "by_unit", unit): one for unit, one in roster.by_unit.items()}
        if isinstance(roster, UnitRosters):
            _check_every_unit(scenario, service, spec, list(roster.by_unit), (*path, "by_unit"),
                              "roster", problems)
            if spec.capacity_by_unit is None:
                # a total would be split by population and each roster rescaled to its share,
                # silently changing the staff written
                peaks = ", ".join(f"{unit}: {one.peak}" for unit, one in roster.by_unit.items())
                problems.append(Problem(("services", service, "capacity"), (
                    f"'{service}' is rostered unit by unit (staffing.rosters.{service}.by_unit): "
                    f"give capacity_by_unit, each unit's roster peak ({{{peaks}}}), and "
                    f"capacity: null")))
        for where, one in rosters.items():
            if one.peak == 0:
                problems.append(Problem(where, "the roster has no staff on any shift"))


def _check_every_unit(scenario: Scenario, service: str, spec: CapacitatedService,
                      given: list[str], path: Path, what: str, problems: list[Problem]) -> None:
    """A ``by_unit`` mapping names every unit of the service and nothing else, and the
    service has more than one unit."""
    units = scenario.geography.units(spec.level)
    if len(units) == 1:
        problems.append(Problem(path, (
            f"'{service}' is organised in one {spec.level} unit ('{units[0]}'); give one "
            f"{what} for the whole service instead of by_unit")))
        return
    _check_names(given, units, path, spec.level, problems)
    missing = [unit for unit in units if unit not in given]
    if missing:
        problems.append(Problem(path, (
            f"missing {', '.join(missing)}: every {spec.level} unit of '{service}' needs its "
            f"own {what} (expected {units})")))


def _check_escalation(scenario: Scenario, problems: list[Problem]) -> None:
    for name, escalation in scenario.escalation.items():
        path = ("escalation", name)
        spec = _check_service(scenario, escalation.service, (*path, "service"),
                              ("ward", "team", "caseload"), problems)
        if spec is None:
            continue
        units = scenario.geography.units(spec.level)
        _check_names(escalation.units, units, (*path, "units"), spec.level, problems)
        _check_names(list(escalation.capacity_by_unit or {}), units, (*path, "capacity_by_unit"),
                     spec.level, problems)
        taking_part = [unit for unit in units if escalation.covers(unit)]
        if escalation.mutual_aid and len(units) < 2:
            problems.append(Problem((*path, "service"), (
                f"mutual aid needs a service organised in several units; '{escalation.service}' "
                f"has one {spec.level} unit")))
        elif escalation.mutual_aid and len(taking_part) < 2:
            problems.append(Problem((*path, "units"), (
                f"mutual aid needs at least two units to lend and borrow (expected two or more "
                f"of {units})")))
