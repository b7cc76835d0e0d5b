"""A service's per-patient decisions as objects: the seam where a new rule is added.

As Ciw makes routing an object (``NodeRouting.next_node``), the model asks each service one
question through one method when a patient starts there: which route out? The answer is a
``RouteDecision``. The scenario's own rule is ``RouteChooser`` (the routes' probabilities,
which may vary by patient attribute and days waited); a new kind of rule is a class taking
the service's block of its scenario field, the decision so far (which it may ask first) and
the service's route names, registered under that field in ``ROUTE_RULES``. ``Network.build``
wraps each service's decision in the rules its scenario block names, in registry order
(docs/extending.md, *A decision*).
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable
from itertools import product
from operator import attrgetter
from typing import Any, Protocol

from sim.config.checks import day_bands
from sim.config.schema import WAITED_DAYS, By


class RouteDecision(Protocol):
    """Which route a patient takes out of a service, asked as they start there."""

    def __call__(self, patient: Any, u: float, now: float) -> int:
        """Index into the service's routes for ``patient`` at time ``now`` (days from the
        start of warm-up; ``now % 1`` is the time of day). ``u`` is the patient's uniform for
        this decision, drawn whether or not it is used (common random numbers)."""
        ...


# (the service's block of the rule's scenario field, the decision so far, the service's route
# names in order) -> the service's decision
RouteRule = Callable[[Any, RouteDecision, list[str]], RouteDecision]

# scenario field of a service -> its rule; a service without the field (or with it None)
# keeps the decision so far
ROUTE_RULES: dict[str, RouteRule] = {}


def route_decision(spec: Any, probabilities: list[Any], domains: dict[str, list[str]],
                   route_names: list[str]) -> RouteDecision:
    """The route decision of the service ``spec``: its routes' ``probabilities``, then each
    rule of ``ROUTE_RULES`` whose field ``spec`` sets."""
    decision: RouteDecision = RouteChooser(probabilities, domains)
    for field, rule in ROUTE_RULES.items():
        block = getattr(spec, field, None)
        if block is not None:
            decision = rule(block, decision, route_names)
    return decision


class RouteChooser:
    """The scenario's routes by their probabilities: an inverse CDF, one uniform per choice.

    The cumulative probabilities are summed once, in route order, for every combination of
    the attributes they depend on, so a choice is a lookup and a bisection; the sums are the
    same floats as a running sum at choice time would give.
    """

    def __init__(self, probabilities: list[Any], domains: dict[str, list[str]]):
        attributes = sorted(set().union(*(p.attributes() for p in probabilities
                                          if isinstance(p, By))))
        # the bands of days waited these probabilities distinguish, as a patient attribute
        bands = [float(b) for b in day_bands(probabilities)]
        domains = {**domains, WAITED_DAYS: [f"{b:g}" for b in bands]}
        getters = [(lambda patient: bisect_right(bands, patient.waited_days) - 1)
                   if a == WAITED_DAYS else attrgetter(a) for a in attributes]
        if WAITED_DAYS in attributes:
            self._key: Callable[[Any], Any] | None = (
                getters[0] if len(getters) == 1 else
                lambda patient: tuple(get(patient) for get in getters))
        else:
            self._key = attrgetter(*attributes) if attributes else None
        self._last = len(probabilities) - 1
        self._cumulative: dict[Any, list[float]] = {}
        for combination in product(*(range(len(domains[a])) for a in attributes)):
            at = {a: domains[a][i] for a, i in zip(attributes, combination)}
            cumulative, running = [], 0.0
            for p in probabilities:
                running += p.resolve(at) if isinstance(p, By) else p
                cumulative.append(running)
            # the key the patient's attributes give: one value, or a tuple of several
            self._cumulative[combination[0] if len(attributes) == 1 else combination] = cumulative

    def __call__(self, patient: Any, u: float, now: float) -> int:
        """Index of the first route whose cumulative probability exceeds ``u`` (the time
        plays no part)."""
        cumulative = self._cumulative[self._key(patient) if self._key else ()]
        # rounding: probabilities sum to 1 within tolerance, so u may pass the last sum
        return min(bisect_right(cumulative, u), self._last)
