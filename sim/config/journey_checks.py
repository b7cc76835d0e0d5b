"""Checks that every patient's journey can end and that time passes along it.

The pooled check in ``checks.py`` asks whether *someone* can reach an exit from each service.
Here each kind of patient is followed on their own: for every combination of the attributes
route probabilities depend on (age band, locality, ...), with the pathway tag carried as the
routes set it, every service they can reach must lead to an exit for them (a loop whose way
out exists only for other age bands would keep these patients forever). And no loop of
services may be gone round without time passing (the run would never advance the clock).
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Callable, Iterable
from typing import Any

from sim.config.distributions import Fixed
from sim.config.schema import (
    NO_PATHWAY,
    WAITED_DAYS,
    By,
    CapacitatedService,
    Scenario,
    alternatives,
    routes_of,
)

State = tuple[str, str]  # (service, pathway tag)
Report = Callable[[tuple[Any, ...], str], None]  # (field path, message)


def check_journeys_end(scenario: Scenario, domains: dict[str, list[str]],
                       report: Report) -> None:
    """Every kind of patient can leave every service they can reach (one report a service)."""
    used = sorted(set().union(*(
        route.probability.attributes() for spec in scenario.services.values()
        for route in routes_of(spec).values() if isinstance(route.probability, By)
    )) - {"pathway", WAITED_DAYS})
    reported: set[str] = set()
    for combination in itertools.product(*(domains[a] for a in used)):
        who = dict(zip(used, combination))
        entries = {stream.entry for name, stream in scenario.demand.items()
                   if who.get("stream", name) == name}
        reachable = _closure({(entry, NO_PATHWAY) for entry in entries},
                             functools.partial(_moves, scenario, who=who))
        for service, _ in sorted(reachable - _can_end(scenario, reachable, who)):
            if service not in reported:
                reported.add(service)
                kind = ", ".join(f"{a}={v}" for a, v in who.items()) or "every patient"
                report(("services", service, "routes"),
                       f"patients with {kind} reach this service but no sequence of routes "
                       f"open to them leads from it to an exit; they would never leave")


def check_time_passes(scenario: Scenario, report: Report) -> None:
    """No loop of services that a patient can go round without any time passing."""
    instant = {name: set(_instant_moves(scenario, name)) for name in scenario.services}
    for spec in scenario.services.values():  # a route's own balk happens at its target
        for route in routes_of(spec).values():
            if route.when_busy is not None and route.when_busy.balk is not None:
                instant[route.to].add(route.when_busy.balk.to)
    reported: set[frozenset[str]] = set()
    for start in scenario.services:
        path = _cycle_from(start, instant)
        if path and frozenset(path) not in reported:
            reported.add(frozenset(path))
            report(("services", start, "routes"), (
                f"patients can go round {' -> '.join([*path, path[0]])} without any time "
                "passing, and the run would never move on; give one of these a duration "
                "above 0, or a way out"))


def _largest(probability: Any, who: dict[str, str]) -> float:
    """The largest value ``probability`` takes for patients ``who`` (any pathway tag given
    in ``who``, any days waited)."""
    if not isinstance(probability, By):
        return float(probability)
    if probability.by == WAITED_DAYS or probability.by not in who:
        return max(_largest(value, who) for value in probability.values.values())
    return _largest(probability.get(who[probability.by]), who)


def _moves(scenario: Scenario, state: State, who: dict[str, str]) -> set[State]:
    service, pathway = state
    spec = scenario.services[service]
    moves = {(alternative, pathway) for alternative in alternatives(getattr(spec, "when_busy", None))}
    for route in routes_of(spec).values():
        if _largest(route.probability, {**who, "pathway": pathway}) > 0:
            tag = route.pathway or pathway  # set as the service starts, carried onwards
            moves.add((route.to, tag))
            moves.update((alternative, tag) for alternative in alternatives(route.when_busy))
    return moves


def _closure(start: set[State], step: Callable[[State], Iterable[State]]) -> set[State]:
    seen, pending = set(start), list(start)
    while pending:
        for state in step(pending.pop()):
            if state not in seen:
                seen.add(state)
                pending.append(state)
    return seen


def _can_end(scenario: Scenario, states: set[State], who: dict[str, str]) -> set[State]:
    """The states from which some sequence of moves reaches an exit."""
    moves = {state: _moves(scenario, state, who) for state in states}
    return leading_to({state for state in states if scenario.services[state[0]].kind == "exit"},
                      moves)


def leading_to(ends: set[Any], moves: dict[Any, set[Any]]) -> set[Any]:
    """``ends`` and every node from which some sequence of ``moves`` reaches one of them."""
    done = set(ends)
    changed = True
    while changed:
        changed = False
        for node, targets in moves.items():
            if node not in done and targets & done:
                done.add(node)
                changed = True
    return done


def _zero(value: Any) -> bool:
    """A duration that is always 0 (none at all counts as 0)."""
    if value is None:
        return True
    if isinstance(value, By):
        return any(_zero(v) for v in value.values.values())
    return isinstance(value, Fixed) and value.value == 0


def _instant_moves(scenario: Scenario, name: str) -> Iterable[str]:
    """Services a patient can move to from ``name`` with no time passing: balking (no time
    at all), giving up after a patience that can be 0, or a route whose time in service,
    travel and hand-off can all be 0."""
    spec = scenario.services[name]
    if isinstance(spec, CapacitatedService) and spec.when_busy is not None:
        busy = spec.when_busy
        if busy.balk is not None:
            yield busy.balk.to
        if busy.renege is not None and _zero(busy.renege.patience):
            yield busy.renege.to
    travels = isinstance(spec, CapacitatedService) and spec.travel_time_by_level is not None \
        and not _zero(spec.travel_time_by_level.get(spec.level))
    own_time = getattr(spec, "duration", None) or getattr(spec, "delay", None)
    for route in routes_of(spec).values():
        if _largest(route.probability, {}) > 0 and not travels and _zero(
                route.duration or own_time) and _zero(route.handoff_delay):
            yield route.to


def _cycle_from(start: str, instant: dict[str, set[str]]) -> list[str]:
    """A loop of instant moves through ``start`` (its services in order), or []."""
    stack: list[tuple[str, list[str]]] = [(start, [start])]
    seen: set[str] = set()
    while stack:
        node, path = stack.pop()
        for target in instant[node]:
            if target == start:
                return path
            if target not in seen:
                seen.add(target)
                stack.append((target, [*path, target]))
    return []
