"""Patients of a census (``sim.config.census``): who they are and how long they have left.

A patient found in service at a given moment is not a typical patient. Long stays are more
likely to be caught, so the total stay of a patient found in a bed is length-biased (density
``x f(x) / mean``), and their place in it is uniform: with ``U`` uniform on (0, 1) the time
left is ``U L`` and the time already spent ``(1 - U) L``. Each of those has the equilibrium
density ``(1 - F(x)) / mean`` of an M/G/infinity system; an exponential stay leaves an
exponential time left (no memory), a fixed stay of ``d`` days a time left uniform on [0, d].

Who is found where follows the same logic. The patients of each kind (demand stream,
locality, age band, residence, referral source, and the pathway they arrive with) reach a
service at a rate given by the demand and the routes' probabilities, and are found in service
in proportion to that rate times their mean time there; a patient found in service is on a
route out with probability proportional to the route's probability times its mean time in
service. These are equilibrium proportions of an uncongested system, an approximation: they
ignore waits and blocking upstream, time-varying demand (``profile``) and prevention policies,
whose effects on the present mix the census cannot know.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass
from typing import Any

import numpy as np

from sim.compile.network import Network
from sim.config.census import STATES, Census, ServiceCensus, ready_routes
from sim.config.census_counts import locality_counts
from sim.config.checks import route_probability
from sim.config.schema import RESIDENCES, By, CapacitatedService, routes_of

IN_SERVICE, READY, WAITING = STATES
UNIFORMS_PER_PATIENT = 4  # kind of patient, route, total stay, place in the stay
NEGLIGIBLE_VISITS = 1e-12  # below this, rounding in the solve, not a way into the service


@dataclass(frozen=True, slots=True)
class CensusPatient:
    """One patient of the census, at time 0 of the simulation (the start of warm-up)."""

    service: int  # index into network.services (and scenario.services order)
    locality: int  # index into scenario.geography.localities
    age_band: int  # index into scenario.geography.age_bands
    residence: int  # 0 own home, 1 care home (sim.config.schema.RESIDENCES)
    state: str  # "in_service" | "ready" | "waiting"
    route: int  # index into network.services[service].routes: the route out; -1 for waiting
    elapsed: float  # days already spent in service (in_service); 0 for ready and waiting
    remaining: float  # days of service left (in_service); 0 otherwise
    seed: int  # seed of the patient's own random stream (sim.engine.streams.patient_stream)
    stream: int  # index into network.demand: the demand stream taken to have brought them
    source: int  # referral source code (index into network.domains["source"])
    pathway: int  # pathway code held at the service (network.pathway_codes): the route's tag
    # if it has one (in_service, ready), else the pathway they arrived with


Who = tuple[int, int, int, int, int]  # stream, locality, age band, residence, source codes


@dataclass(frozen=True, slots=True)
class _Kind:
    """Patients of one kind arriving at one service, with their chances and times there."""

    who: Who
    pathway: int  # held on arrival
    arrivals: float  # expected arrivals a day at the service
    probabilities: list[float]  # of each route out
    means: list[float]  # mean days in service on each route
    pathways: list[int]  # pathway held in service on each route

    @property
    def locality(self) -> int:
        return self.who[1]

    @property
    def age_band(self) -> int:
        return self.who[2]


def census_patients(
    census: Census, network: Network, rng: np.random.Generator
) -> list[CensusPatient]:
    """The patients of ``census`` (checked by ``census_problems``), drawn with ``rng`` only.

    Counts by service, state, pathway and locality are reproduced exactly; each patient's
    attributes, route and times are drawn from ``UNIFORMS_PER_PATIENT`` uniforms and a seed,
    in a fixed order (services, then states, ready pathways and localities in the scenario's
    order), so the same census and seed give the same patients.
    """
    scenario = network.scenario
    flow = _Flow(network)
    patients: list[CensusPatient] = []
    for index, name in enumerate(scenario.services):
        entry, spec = census.get(name), scenario.services[name]
        if entry is None or not isinstance(spec, CapacitatedService):  # (census_problems)
            continue
        kinds = _kinds(network, flow, index)
        for state, pathway, counts in _groups(entry, scenario.pathways):
            route = -1
            if pathway is not None:  # ready: on the blocking route that tags the pathway
                route = list(spec.routes).index(ready_routes(spec, pathway)[0])
            for locality, count in enumerate(locality_counts(counts, scenario).values()):
                if not count:
                    continue
                here = [kind for kind in kinds if kind.locality == locality]
                weights = _weights(here, state, route, entry, network, name, locality)
                for _ in range(count):
                    u_kind, u_route, u_stay, u_place = rng.random(UNIFORMS_PER_PATIENT).tolist()
                    seed = int(rng.integers(0, 2**63))
                    kind = here[_inverse(weights, u_kind)]
                    patients.append(_patient(network, index, kind, state, route, u_route,
                                             u_stay, u_place, seed))
    return patients


def _groups(entry: ServiceCensus, pathways: list[str]) -> list[tuple[str, str | None, Any]]:
    """(state, pathway, counts) of a service's census, in a fixed order."""
    ready = [(READY, p, entry.ready[p]) for p in pathways if p in entry.ready]
    return [(IN_SERVICE, None, entry.in_service), *ready, (WAITING, None, entry.waiting)]


def _weights(
    kinds: list[_Kind],
    state: str,
    route: int,
    entry: ServiceCensus,
    network: Network,
    service: str,
    locality: int,
) -> list[float]:
    """Chance of each kind of patient among those of ``state`` at the service.

    In service: arrivals x mean time in service. Ready on a route: arrivals x the route's
    probability (the wait for the next service taken as the same for everyone). Waiting:
    arrivals. An ``age_mix`` rescales each age band to its share.
    """
    if state == IN_SERVICE:
        weights = [k.arrivals * sum(p * m for p, m in zip(k.probabilities, k.means))
                   for k in kinds]
    elif state == READY:
        weights = [k.arrivals * k.probabilities[route] for k in kinds]
    else:
        weights = [k.arrivals for k in kinds]
    geo = network.scenario.geography
    where = f"census.{service}: {state} in locality '{list(geo.localities)[locality]}'"
    if entry.age_mix is not None:
        by_band = [0.0] * len(geo.age_bands)
        for kind, weight in zip(kinds, weights):
            by_band[kind.age_band] += weight
        shares = [entry.age_mix.get(band, 0.0) for band in geo.age_bands]
        for band, (share, total) in enumerate(zip(shares, by_band)):
            if share > 0 and total == 0:
                raise ValueError(f"{where}: age_mix gives age band '{geo.age_bands[band]}' a "
                                 "share, but no patients of that band are found there by the "
                                 "demand and routes")
        weights = [w * shares[k.age_band] / by_band[k.age_band] if w else 0.0
                   for k, w in zip(kinds, weights)]
    if not any(weights):
        raise ValueError(f"{where}: no patients of this locality are found there by the "
                         "demand and routes, so the census patients cannot be drawn")
    return weights


def _inverse(weights: list[float], u: float) -> int:
    """Index drawn with chance proportional to ``weights`` (inverse CDF at ``u``); an index
    of zero weight is never drawn."""
    cumulative = np.cumsum(weights).tolist()
    chosen = min(bisect_right(cumulative, u * cumulative[-1]), len(weights) - 1)
    while weights[chosen] <= 0:  # rounding put u * total at the very end
        chosen -= 1
    return chosen


def _patient(
    network: Network,
    index: int,
    kind: _Kind,
    state: str,
    route: int,
    u_route: float,
    u_stay: float,
    u_place: float,
    seed: int,
) -> CensusPatient:
    elapsed = remaining = 0.0
    pathway = kind.pathway
    if state == IN_SERVICE:
        # found in service: on a route with chance proportional to probability x mean stay
        route = _inverse([p * m for p, m in zip(kind.probabilities, kind.means)], u_route)
        stay = _stay(network, index, route, _attributes(network, kind.who, kind.pathways[route]))
        total = stay.length_biased_days(u_stay)
        remaining, elapsed = u_place * total, (1 - u_place) * total
    if route >= 0:
        pathway = kind.pathways[route]
    stream, locality, age_band, residence, source = kind.who
    return CensusPatient(
        service=index, locality=locality, age_band=age_band, residence=residence, state=state,
        route=route, elapsed=elapsed, remaining=remaining, seed=seed, stream=stream,
        source=source, pathway=pathway)


def _attributes(network: Network, who: Who, pathway: int) -> dict[str, str]:
    """A patient's attribute values by name, as ``By`` values are keyed."""
    stream, locality, age_band, residence, source = who
    domains = network.domains
    return {"age_band": domains["age_band"][age_band],
            "locality": domains["locality"][locality],
            "residence": RESIDENCES[residence],
            "source": domains["source"][source],
            "pathway": domains["pathway"][pathway],
            "stream": domains["stream"][stream],
            "waited_days": "0"}  # census patients are taken as not having waited


def _stay(network: Network, index: int, route: int, attributes: dict[str, str]) -> Any:
    """The distribution of time in service on a route for a patient with ``attributes``."""
    spec = list(network.scenario.services.values())[index]
    assert isinstance(spec, CapacitatedService)  # a census counts only these
    value = list(spec.routes.values())[route].duration or spec.duration
    return value.resolve(attributes) if isinstance(value, By) else value


def _kinds(network: Network, flow: _Flow, index: int) -> list[_Kind]:
    """Every kind of patient that reaches service ``index``, with their arrival rates there."""
    scenario = network.scenario
    domains = network.domains
    spec = list(scenario.services.values())[index]
    kinds = []
    for s, table in enumerate(network.demand):
        mixes = scenario.demand[table.name].sources
        for (locality, band, residence), rate in zip(table.cells, table.rates_per_day.tolist()):
            if rate <= 0:
                continue
            mix = mixes.get(RESIDENCES[residence]) if isinstance(mixes, By) else mixes
            for source, name in enumerate(domains["source"]):
                share = mix.get(name, 0.0)
                if share <= 0:
                    continue
                who = (s, locality, band, residence, source)
                visits = flow.visits(table.entry, _attributes(network, who, 0))[index]
                for pathway, visit in enumerate(visits.tolist()):
                    if visit > NEGLIGIBLE_VISITS:
                        kinds.append(_kind_at(network, spec, index, who, pathway,
                                              rate * share * visit))
    return kinds


def _kind_at(
    network: Network, spec: Any, index: int, who: Who, pathway: int, arrivals: float
) -> _Kind:
    """Patients ``who`` arriving at service ``index`` with ``pathway``, at ``arrivals`` a day."""
    attributes = _attributes(network, who, pathway)
    probabilities, means, pathways = [], [], []
    for r, route in enumerate(spec.routes.values()):
        probabilities.append(route_probability(route.probability, attributes))
        held = network.pathway_codes[route.pathway] if route.pathway else pathway
        pathways.append(held)  # the model tags the patient as the service starts
        means.append(_stay(network, index, r, _attributes(network, who, held)).mean_days)
    return _Kind(who, pathway, arrivals, probabilities, means, pathways)


class _Flow:
    """Expected visits to each service, by the pathway held on arrival there, of one patient
    arriving at an entry: ``v = e + M' v`` over (service, pathway) states, where ``M`` holds
    the route probabilities for the patient's attributes (loops such as readmissions
    included)."""

    def __init__(self, network: Network):
        self.network = network
        self.specs = list(network.scenario.services.values())
        self.index = {name: i for i, name in enumerate(network.scenario.services)}
        # route probabilities depend on these attributes only (pathway is part of the state)
        self.used = sorted(set().union(*(
            route.probability.attributes() for spec in self.specs
            for route in routes_of(spec).values()
            if isinstance(route.probability, By))) - {"pathway"})
        self._cache: dict[Any, np.ndarray] = {}

    def visits(self, entry: int, attributes: dict[str, str]) -> np.ndarray:
        """Array [service, pathway] of expected visits for a patient arriving at ``entry``."""
        key = (entry, *(attributes[a] for a in self.used))
        if key not in self._cache:
            self._cache[key] = self._solve(entry, attributes)
        return self._cache[key]

    def _solve(self, entry: int, attributes: dict[str, str]) -> np.ndarray:
        codes = self.network.pathway_codes
        n_pathways = len(codes)
        size = len(self.specs) * n_pathways
        moves = np.zeros((size, size))
        for i, spec in enumerate(self.specs):
            for pathway, name in enumerate(codes):
                at = {**attributes, "pathway": name}
                for route in routes_of(spec).values():
                    after = codes[route.pathway] if route.pathway else pathway
                    moves[i * n_pathways + pathway, self.index[route.to] * n_pathways + after] += \
                        route_probability(route.probability, at)
        start = np.zeros(size)
        start[entry * n_pathways] = 1.0  # patients arrive with no pathway
        system = np.eye(size) - moves.T
        try:
            visits = np.linalg.solve(system, start)
        except np.linalg.LinAlgError:  # a loop some patients never leave: best fit
            visits = np.linalg.lstsq(system, start, rcond=None)[0]
        return visits.reshape(len(self.specs), n_pathways)
