"""Rules that look across a whole scenario once each field is valid: references resolve,
shares and probabilities sum to one, routes end. ``sim.compile.checks`` runs these first,
then the checks that need the compiled network.

Each problem found is reported separately, with the path of the field it concerns, so an
analyst can fix every mistake in one pass.
"""

from __future__ import annotations

import itertools
from typing import Any

from sim.config.capacity import unit_capacities
from sim.config.census_checks import census_problems
from sim.config.costs import cost_problems
from sim.config.journey_checks import check_journeys_end, check_time_passes, leading_to
from sim.config.problems import TOLERANCE, Path, Problem
from sim.config.schema import (
    DEFAULT_KEY,
    NO_PATHWAY,
    RESIDENCES,
    WAITED_DAYS,
    By,
    CapacitatedService,
    Scenario,
    WhenBusy,
    alternatives,
    largest_probability,
    routes_of,
)
from sim.config.winter_checks import check_winter

FOLLOW_UP_NEEDED_DAYS = 30.0  # the 30-day outcome windows of sim.analysis.metrics
# The most names of each kind the event log stores as codes (sim.engine.eventlog sizes its
# columns to hold them): one signed byte for localities, age bands, streams, surges, sources
# and pathways (the pathway codes add one for "none"), two for services.
MAX_CODES = 127
MAX_SERVICES = 32_767


def find_problems(scenario: Scenario) -> list[Problem]:
    problems: list[Problem] = []
    domains = attribute_domains(scenario)
    _check_geography(scenario, problems)
    _check_demand(scenario, domains, problems)
    _check_services(scenario, domains, problems)
    _check_policies(scenario, problems)
    _check_reporting(scenario, problems)
    _check_code_counts(scenario, problems)
    check_winter(scenario, problems)
    problems.extend(Problem(path, message) for path, message in cost_problems(
        scenario.costs, {name: service.kind for name, service in scenario.services.items()}))
    if not problems:  # the graph is only meaningful once every reference resolves
        _check_routes_end(scenario, problems)
        _check_blocking_cycles(scenario, problems)
    if not problems:  # each kind of patient on their own, once the pooled graph is sound
        def report(path: Path, message: str) -> None:
            problems.append(Problem(path, message))
        check_journeys_end(scenario, domains, report)
        check_time_passes(scenario, report)
    if not problems and scenario.census is not None:
        problems.extend(census_problems(scenario.census, scenario))
    return problems


def _check_code_counts(scenario: Scenario, problems: list[Problem]) -> None:
    """No more names of each kind than the event log's code columns hold; more would
    validate and then fail in the middle of a run."""
    named = {("geography", "localities"): (scenario.geography.localities, MAX_CODES),
             ("geography", "age_bands"): (scenario.geography.age_bands, MAX_CODES),
             ("demand",): (scenario.demand, MAX_CODES), ("surges",): (scenario.surges, MAX_CODES),
             ("services",): (scenario.services, MAX_SERVICES)}
    for path, (names, most) in named.items():
        if len(names) > most:
            problems.append(Problem(path, f"{len(names)} given; at most {most}"))
    for what, names in (("referral sources", scenario.sources), ("pathways", scenario.pathways)):
        if len(names) > MAX_CODES:
            problems.append(Problem((), f"{len(names)} {what} named; at most {MAX_CODES}"))


def attribute_domains(scenario: Scenario) -> dict[str, list[str]]:
    """The values each patient attribute can take in this scenario."""
    return {
        "age_band": list(scenario.geography.age_bands),
        "locality": list(scenario.geography.localities),
        "residence": list(RESIDENCES),
        "source": scenario.sources,
        "pathway": [NO_PATHWAY, *scenario.pathways],
        "stream": list(scenario.demand),
    }


def _check_keys(
    given: dict[str, Any], expected: list[str], path: Path, what: str, problems: list[Problem]
) -> None:
    for key in given:
        if key not in expected:
            problems.append(Problem((*path, key), f"unknown {what} (expected one of {expected})"))
    for key in expected:
        if key not in given:
            problems.append(Problem(path, f"missing {what} '{key}'"))


def _check_geography(scenario: Scenario, problems: list[Problem]) -> None:
    geo = scenario.geography
    bands = geo.age_bands
    if len(set(bands)) != len(bands):
        problems.append(Problem(("geography", "age_bands"), "age bands must be unique"))
    _check_keys(geo.care_home_share, bands, ("geography", "care_home_share"), "age band", problems)
    for name, loc in geo.localities.items():
        path = ("geography", "localities", name, "population")
        _check_keys(loc.population, bands, path, "age band", problems)
        if loc.total_population == 0:  # its rates per 1,000 residents would divide by zero
            problems.append(Problem(path, "a locality needs at least one resident; remove a "
                                          "locality that has none"))


def _check_by(
    value: Any, path: Path, domains: dict[str, list[str]], problems: list[Problem]
) -> None:
    """A ``By`` value must name known attribute values and cover every one (or a default);
    a ``waited_days`` one is keyed by lower bounds of bands of days, starting at 0."""
    if not isinstance(value, By):
        return
    for key, inner in value.values.items():
        _check_by(inner, (*path, "values", key), domains, problems)
    if value.by == WAITED_DAYS:
        _check_day_bands(value, path, problems)
        return
    domain = domains[value.by]
    for key in value.values:
        if key != DEFAULT_KEY and key not in domain:
            problems.append(
                Problem((*path, "values", key), f"unknown {value.by} (expected one of {domain})")
            )
    if DEFAULT_KEY not in value.values:
        missing = [key for key in domain if key not in value.values]
        if missing:
            problems.append(
                Problem((*path, "values"), f"no value for {value.by} {missing} and no 'default'")
            )


def _check_day_bands(value: By, path: Path, problems: list[Problem]) -> None:
    for key in value.values:
        if key == DEFAULT_KEY:
            continue
        try:
            days = float(key)
        except ValueError:
            days = float("nan")
        if not days >= 0 or days == float("inf"):
            problems.append(Problem((*path, "values", key), (
                "expected the lower bound of a band of days waited, a number of at least 0 "
                "(e.g. '0', '3', '7')")))
            return
    if DEFAULT_KEY not in value.values and "0" not in value.values and not any(
            float(k) == 0 for k in value.values):
        problems.append(Problem((*path, "values"), "the bands of days waited must start at '0' "
                                                   "(or give a 'default')"))


def _check_demand(
    scenario: Scenario, domains: dict[str, list[str]], problems: list[Problem]
) -> None:
    bands = scenario.geography.age_bands
    for name, stream in scenario.demand.items():
        path = ("demand", name)
        entry = scenario.services.get(stream.entry)
        if entry is None:
            problems.append(
                Problem((*path, "entry"), f"undefined service '{stream.entry}' "
                        f"(services are {list(scenario.services)})")
            )
        elif entry.kind == "exit":
            problems.append(Problem((*path, "entry"), "patients cannot arrive at an exit"))
        _check_keys(stream.rate_per_1000_per_year, bands, (*path, "rate_per_1000_per_year"),
                    "age band", problems)
        localities = list(scenario.geography.localities)
        for locality, rates in stream.rate_per_1000_per_year_by_locality.items():
            lpath = (*path, "rate_per_1000_per_year_by_locality", locality)
            if locality not in localities:
                problems.append(Problem(lpath, f"unknown locality (expected one of {localities})"))
            _check_keys(rates, bands, lpath, "age band", problems)
        if stream.high_risk_share:
            _check_keys(stream.high_risk_share, bands, (*path, "high_risk_share"), "age band",
                        problems)
        sources = stream.sources
        if isinstance(sources, By):
            if sources.by != "residence":
                problems.append(Problem((*path, "sources", "by"),
                                        "a source mix may vary by residence only"))
            _check_by(sources, (*path, "sources"), domains, problems)
            mixes = {f"residence={key}": mix for key, mix in sources.values.items()}
        else:
            mixes = {"": sources}
        for label, mix in mixes.items():
            total = sum(mix.values())
            if abs(total - 1) > TOLERANCE:
                where = f" for {label}" if label else ""
                problems.append(Problem((*path, "sources"),
                                        f"shares sum to {total:g}{where}; expected 1"))


def _check_services(
    scenario: Scenario, domains: dict[str, list[str]], problems: list[Problem]
) -> None:
    geo = scenario.geography
    for name, service in scenario.services.items():
        path = ("services", name)
        if isinstance(service, CapacitatedService):
            units = geo.units(service.level)
            if service.capacity_by_unit is not None:
                _check_keys(service.capacity_by_unit, units,
                            (*path, "capacity_by_unit"), service.level, problems)
            if service.capacity_by_unit is None or set(service.capacity_by_unit) == set(units):
                empty = [unit for unit, c in unit_capacities(scenario, service).items() if c == 0]
                field = "capacity" if service.capacity_by_unit is None else "capacity_by_unit"
                if empty:
                    problems.append(Problem((*path, field), (
                        f"leaves {service.level} {empty} with no capacity, so patients sent "
                        "there would never be served; give at least 1 per unit (or "
                        "'unlimited')")))
            travel = service.travel_time_by_level
            if travel is not None and service.level not in travel:
                problems.append(Problem((*path, "travel_time_by_level"),
                                        f"no travel time for the service's level '{service.level}'"))
        for field in ("duration", "delay"):
            _check_by(getattr(service, field, None), (*path, field), domains, problems)
        if isinstance(service, CapacitatedService) and service.when_busy is not None:
            _check_when_busy(scenario, service.when_busy, name, (*path, "when_busy"), domains,
                             problems)
        routes = getattr(service, "routes", None)
        if routes is None:
            continue
        if not routes:
            problems.append(Problem((*path, "routes"), "a service other than an exit needs a route"))
            continue
        for route_name, route in routes.items():
            rpath = (*path, "routes", route_name)
            if route.to not in scenario.services:
                problems.append(Problem((*rpath, "to"), f"undefined service '{route.to}' "
                                        f"(services are {list(scenario.services)})"))
            for field in ("probability", "duration", "handoff_delay"):
                _check_by(getattr(route, field), (*rpath, field), domains, problems)
            if route.when_busy is not None:
                target = scenario.services.get(route.to)
                if target is not None and not isinstance(target, CapacitatedService):
                    problems.append(Problem((*rpath, "when_busy"), (
                        f"'{route.to}' is of kind {target.kind}, which is never busy; "
                        "when_busy applies to a team, ward or caseload")))
                _check_when_busy(scenario, route.when_busy, route.to, (*rpath, "when_busy"),
                                 domains, problems)
        _check_route_sums(routes, (*path, "routes"), domains, problems)


def _check_when_busy(scenario: Scenario, busy: WhenBusy, service: str, path: Path,
                     domains: dict[str, list[str]], problems: list[Problem]) -> None:
    """The alternative routes of a ``when_busy`` block lead to other services that exist."""
    for field in ("balk", "renege"):
        choice = getattr(busy, field)
        if choice is None:
            continue
        if choice.to not in scenario.services:
            problems.append(Problem((*path, field, "to"), (
                f"undefined service '{choice.to}' (services are {list(scenario.services)})")))
        elif choice.to == service:
            problems.append(Problem((*path, field, "to"), (
                f"the alternative to '{service}' cannot be '{service}' itself")))
    if busy.renege is not None:
        _check_by(busy.renege.patience, (*path, "renege", "patience"), domains, problems)


def route_probability(probability: Any, attributes: dict[str, str]) -> float:
    """The probability of a route for a patient with the given attribute values."""
    if isinstance(probability, By):
        return probability.resolve(attributes)
    return probability


def day_bands(values: list[Any]) -> list[str]:
    """Lower bounds (days, as strings) of every band of days waited that any of ``values``
    (nested ones included) distinguishes, increasing; ['0'] when none does."""
    bounds = {0.0}
    stack = [v for v in values if isinstance(v, By)]
    while stack:
        value = stack.pop()
        if value.by == WAITED_DAYS:
            bounds.update(value.day_bands())
        stack.extend(v for v in value.values.values() if isinstance(v, By))
    return [f"{b:g}" for b in sorted(bounds)]


def _check_route_sums(
    routes: dict[str, Any], path: Path, domains: dict[str, list[str]], problems: list[Problem]
) -> None:
    used = sorted(set().union(*(r.probability.attributes() for r in routes.values()
                                if isinstance(r.probability, By))))
    try:
        bands = day_bands([r.probability for r in routes.values()])
    except ValueError:
        return  # a band that is not a number is reported by _check_by
    domains = {**domains, WAITED_DAYS: bands}
    for combination in itertools.product(*(domains[attr] for attr in used)):
        attributes = dict(zip(used, combination))
        try:
            total = sum(route_probability(r.probability, attributes) for r in routes.values())
        except KeyError:
            return  # an incomplete table is reported by _check_by
        if abs(total - 1) > TOLERANCE:
            where = "".join(f" for {k}={v}" for k, v in attributes.items())
            problems.append(Problem(path, f"route probabilities sum to {total:g}{where}; "
                                          "expected 1"))


def _check_policies(scenario: Scenario, problems: list[Problem]) -> None:
    localities = list(scenario.geography.localities)
    for name in ("mdt_case_management", "care_home_support"):
        reduction = getattr(scenario.policies, name).crisis_reduction
        if isinstance(reduction, dict):
            for key in reduction:
                if key not in localities:
                    problems.append(Problem(("policies", name, "crisis_reduction", key),
                                            f"unknown locality (expected one of {localities})"))


def _check_reporting(scenario: Scenario, problems: list[Problem]) -> None:
    report = scenario.reporting
    roles: list[tuple[str, str]] = [
        (role, getattr(report, role)) for role in ("acute", "ed", "spa", "ucr")
        if getattr(report, role)
    ]
    roles += [(role, name) for role in ("ic_beds", "ic_home") for name in getattr(report, role)]
    for role, name in roles:
        service = scenario.services.get(name)
        if service is None:
            problems.append(Problem(("reporting", role), f"undefined service '{name}'"))
        elif not isinstance(service, CapacitatedService):
            problems.append(Problem(("reporting", role),
                                    f"'{name}' is of kind {service.kind}; expected a team, ward or caseload"))
    follow_up = scenario.time.follow_up_days
    if (report.acute or report.ucr) and follow_up < FOLLOW_UP_NEEDED_DAYS:
        problems.append(Problem(("time", "follow_up_days"), (
            f"expected at least {FOLLOW_UP_NEEDED_DAYS:g} days, got {follow_up:g}: readmissions "
            "and admissions after community care are counted over 30 days")))
    ucr = scenario.services.get(report.ucr) if report.ucr else None
    if isinstance(ucr, CapacitatedService) and ucr.response_target_hours is None:
        problems.append(Problem(("services", report.ucr, "response_target_hours"),
                                "the UCR service needs a response target"))


def _positive_edges(scenario: Scenario, giving_up: bool = True) -> dict[str, set[str]]:
    """Service -> services reachable in one step with positive probability for someone,
    balking and reneging included unless not ``giving_up``."""
    edges: dict[str, set[str]] = {name: set() for name in scenario.services}
    for name, service in scenario.services.items():
        for route in routes_of(service).values():
            if largest_probability(route.probability) > 0:
                edges[name].add(route.to)
                if giving_up:
                    edges[route.to].update(alternatives(route.when_busy))
        if giving_up:
            edges[name].update(alternatives(getattr(service, "when_busy", None)))
    return edges


def _check_routes_end(scenario: Scenario, problems: list[Problem]) -> None:
    """From every service, some exit must be reachable, and by routes: a patient who is
    served (and so never gives up) must be able to leave too."""
    exits = {name for name, s in scenario.services.items() if s.kind == "exit"}
    can_end = leading_to(exits, _positive_edges(scenario))
    served_can_end = leading_to(exits, _positive_edges(scenario, giving_up=False))
    for name in scenario.services:
        if name not in can_end:
            problems.append(Problem(("services", name, "routes"),
                                    "no sequence of routes from here reaches an exit; "
                                    "patients would never leave"))
        elif name not in served_can_end:
            problems.append(Problem(("services", name, "routes"), (
                "no sequence of routes from here reaches an exit, only giving up (balking or "
                "reneging) does; patients who are served would never leave")))


def _check_blocking_cycles(scenario: Scenario, problems: list[Problem]) -> None:
    """Patients blocking each other in a ring of capacitated services could deadlock."""
    blocking: dict[str, set[str]] = {name: set() for name in scenario.services}
    for name, service in scenario.services.items():
        if not isinstance(service, CapacitatedService):
            continue
        for route in service.routes.values():
            if route.blocking and isinstance(scenario.services[route.to], CapacitatedService):
                blocking[name].add(route.to)

    def on_cycle(start: str) -> bool:
        seen, stack = set(), list(blocking[start])
        while stack:
            node = stack.pop()
            if node == start:
                return True
            if node not in seen:
                seen.add(node)
                stack.extend(blocking[node])
        return False

    for name in scenario.services:
        if on_cycle(name):
            problems.append(Problem(("services", name, "routes"),
                                    "blocking routes form a cycle through this service, "
                                    "which can deadlock; make one route non-blocking"))
