"""Measures of one replication, each a pure function of its log over the results period.

Headline metrics are reported for each locality (patients resident there) and for ``all``;
per-service metrics (``arrivals:<service>`` ...) for ``all`` only.
Each metric is declared, with its definition and the function here that computes it, in
``sim.analysis.catalogue`` (docs/metrics.md is generated from it).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from sim.analysis.grouping import ALL, Grouper, Row, mean_of, pct_of, sum_of
from sim.analysis.logview import WAIT_ENDS, LogView, Pairs
from sim.analysis.patience import when_busy_rows
from sim.analysis.periods import Periods, calendar_periods
from sim.analysis.timeweighted import StepSeries
from sim.config.capacity import unit_capacities
from sim.config.checks import FOLLOW_UP_NEEDED_DAYS
from sim.config.schema import CapacitatedService, Scenario
from sim.engine.eventlog import Event
from sim.engine.model import ReplicationLog

PARAMETER = "parameter:"  # prefix of the rows holding an uncertain field's drawn value
FOLLOW_UP_DAYS = FOLLOW_UP_NEEDED_DAYS  # window for readmissions and admissions after care
OCCUPANCY_THRESHOLDS_PCT = (92, 95, 100)  # acute occupancy levels counted in days above


def replication_metrics(log: ReplicationLog, view: LogView | None = None) -> list[Row]:
    """Every metric of one replication as (metric, locality, value) rows (``view``: a view
    of ``log`` already built, to share its caches)."""
    view = view or LogView(log)
    rows: list[Row] = []
    for compute in _headline(view):
        rows.extend(compute())
    rows.extend(_per_service(view))
    rows.extend(_escalation(view))
    # the values this replication drew for uncertain fields, to relate results to them
    rows.extend((f"{PARAMETER}{path}", ALL, value) for path, value in log.parameters.items())
    return rows


def _headline(view: LogView) -> list[Callable[[], list[Row]]]:
    report = view.scenario.reporting
    # locals, so that the computations below know them set where they are called
    acute, ed, ucr = report.acute, report.ed, report.ucr
    g = Grouper(view)
    computations: list[Callable[[], list[Row]]] = []

    def counted(metric: str, service: str) -> Callable[[], list[Row]]:
        def compute() -> list[Row]:
            rows = np.flatnonzero(view.mask(service, Event.QUEUE) & view.in_results(view.time))
            return g.count(metric, view.locality[rows])
        return compute

    if acute:

        def admissions() -> list[Row]:
            counts = counted("emergency_admissions", acute)()
            return counts + g.per_1000_per_year("emergency_admissions_per_1000", counts)

        computations += [admissions, lambda: _acute_occupancy(view, g, acute),
                         lambda: _acute_pressure(view, acute),
                         lambda: _delayed_discharges(view, g, acute),
                         lambda: _readmissions(view, g, acute)]
        if ed:
            computations.append(lambda: _boarding(view, g, acute, ed))
    if ed:
        computations.append(counted("ed_attendances", ed))
    if report.spa:
        computations.append(counted("spa_referrals", report.spa))
    if ucr:
        computations += [counted("ucr_referrals", ucr), lambda: _ucr(view, g, ucr)]
    ic = [*report.ic_beds, *report.ic_home]
    if ic:
        computations.append(lambda: _ic(view, g, report.ic_beds, report.ic_home))
    if acute and (ucr or ic):
        computations.append(lambda: _admissions_avoided(view, g, acute, ucr, ic))

    def prevented() -> list[Row]:
        rows = np.flatnonzero((view.event == Event.PREVENTED) & view.in_results(view.time))
        return g.count("crises_prevented", view.locality[rows])

    computations.append(prevented)
    computations.append(lambda: when_busy_rows(view, g))
    return computations


def _acute_occupancy(view: LogView, g: Grouper, acute: str) -> list[Row]:
    rows: list[Row] = []
    for i, name in [(-1, ALL), *enumerate(g.names)]:
        series = view.occupancy(acute, i)
        mean = float(series.mean_between(np.array([view.start, view.end]))[0])
        rows.append(("acute_occupancy_mean", name, mean))
        rows.append(("acute_occupancy_p95", name, series.quantile(0.95, view.start, view.end)))
    capacity = core_capacity(view.scenario, acute)
    if capacity:
        rows.append(("acute_occupancy_pct_mean", ALL, 100.0 * rows[0][2] / capacity))
    return rows


def _acute_pressure(view: LogView, acute: str) -> list[Row]:
    """Days of high occupancy, the busiest full week and days with escalation open."""
    days = calendar_periods(view.scenario, "day")
    rows: list[Row] = []
    capacity = core_capacity(view.scenario, acute)
    if capacity:
        pct = 100 * view.occupancy(acute).mean_between(days.edges) / capacity
        rows += [(f"acute_days_above_{level}pct", ALL, float(above(pct, level).sum()))
                 for level in OCCUPANCY_THRESHOLDS_PCT]
        weeks = calendar_periods(view.scenario, "week")
        full = np.isclose(weeks.days, 7)
        weekly = 100 * view.occupancy(acute).mean_between(weeks.edges) / capacity
        rows.append(("peak_week_acute_occupancy_pct", ALL,
                     float(weekly[full].max()) if full.any() else float("nan")))
    rows.append(("escalation_days", ALL, float(escalation_days(view.log, acute, days).sum())))
    return rows


def above(pct: np.ndarray, level: float) -> np.ndarray:
    """``pct > level``, ignoring rounding: a time-weighted mean is a difference of running
    areas, so a ward full all day may come out a hair above 100%."""
    return pct > level + 1e-6


def core_capacity(scenario: Scenario, service: str) -> float | None:
    """Units of ``service`` summed over its organisational units, without escalation, rosters
    or closures (the capacity the scenario gives it); None when any unit is unlimited."""
    spec = scenario.services[service]
    if not isinstance(spec, CapacitatedService):
        return None
    units = unit_capacities(scenario, spec).values()
    finite = [c for c in units if c is not None]
    return float(sum(finite)) if len(finite) == len(units) else None


def role_service(scenario: Scenario, name: str) -> CapacitatedService:
    """The service in a reporting role: a team, ward or caseload (checked on loading)."""
    spec = scenario.services[name]
    assert isinstance(spec, CapacitatedService), f"{name}: a reporting role needs capacity"
    return spec


def discharge_pathways(view: LogView, acute: str) -> list[str]:
    """Pathway tags on the acute service's routes that lead on to another service."""
    services = view.scenario.services
    return [route.pathway for route in role_service(view.scenario, acute).routes.values()
            if route.pathway and services[route.to].kind != "exit"]


def _pathway_code(view: LogView, pathway: str) -> int:
    return view.pathway_names.index(pathway)


def stay_discharge_codes(view: LogView, acute: str) -> np.ndarray:
    """For each acute stay that became ready (in the order of its ``ready`` events): the code
    of the discharge pathway it left on, or -1 for a stay that was not a discharge (a death).

    A patient keeps their last pathway tag, so the tag alone would count a death after a
    readmission as a discharge on the earlier stay's pathway. A stay counts as a discharge on
    pathway P only if the service it went on to is the target of an acute route tagged P.
    Where that service is not known by the horizon (still in the hand-off) the tag decides.
    """
    services = view.scenario.services
    index = view.service_index
    routes = [(index[route.to], _pathway_code(view, route.pathway))
              for route in role_service(view.scenario, acute).routes.values()
              if route.pathway and services[route.to].kind != "exit"]
    rows = np.flatnonzero(view.mask(acute, Event.READY))
    tags = view.pathway[rows].astype(np.int64)
    after = view.neighbour_service(rows, +1)
    # after ready comes the next service's queue (blocking route), or leave then the next
    # service (the queue, or the exit of a journey that ends)
    target = np.where(after == index[acute], view.neighbour_service(rows, +2),
                      after).astype(np.int64)
    by_route = np.isin(target * 256 + tags, [t * 256 + c for t, c in routes])
    by_tag = np.isin(tags, [c for _, c in routes])
    return np.where(np.where(target >= 0, by_route, by_tag), tags, -1)


def _clipped_days(view: LogView, pairs: Pairs) -> np.ndarray:
    """Days of each pair's interval that fall inside the results period."""
    end = pairs.end_or(view.log.horizon)
    return np.clip(np.minimum(end, view.end) - np.maximum(pairs.start, view.start), 0, None)


def _delayed_discharges(view: LogView, g: Grouper, acute: str) -> list[Row]:
    """Bed-days between ready (medically optimised) and leaving the bed, in the results period."""
    pairs = view.pairs(acute, Event.READY, Event.LEAVE)
    locs = view.log.patients["locality"][pairs.patient]
    days = _clipped_days(view, pairs)
    rows = g.reduce("delayed_discharge_bed_days", locs, days, sum_of)
    stay = stay_discharge_codes(view, acute)
    for pathway in discharge_pathways(view, acute):
        chosen = stay == _pathway_code(view, pathway)
        rows += g.reduce(f"delayed_discharge_bed_days_{pathway}", locs[chosen], days[chosen], sum_of)
    run_days = view.end - view.start
    rows += [("delayed_discharges_per_100k", loc, value / run_days / g.population[loc] * 1e5)
             for _, loc, value in rows[: len(g.names) + 1]]
    ready = view.in_results(pairs.start) & (stay >= 0)
    waits = pairs.elapsed(view.log.horizon)
    rows += g.reduce("ready_to_discharge_days_mean", locs[ready], waits[ready], mean_of)
    return rows + _waited_for_capacity(view, g, acute)


def _waited_for_capacity(view: LogView, g: Grouper, acute: str) -> list[Row]:
    """Per pathway into a capacitated service: % of patients leaving the acute ward for it
    (asking for it in the results period) who found no free unit and had to wait."""
    rows: list[Row] = []
    services = view.scenario.services
    for route in role_service(view.scenario, acute).routes.values():
        if not route.pathway or not isinstance(services[route.to], CapacitatedService):
            continue
        pairs = view.pairs(route.to, Event.QUEUE, WAIT_ENDS)
        queued = np.flatnonzero(view.mask(route.to, Event.QUEUE))
        from_acute = view.neighbour_service(queued, -1) == view.service_index[acute]
        keep = (from_acute & (pairs.pathway == _pathway_code(view, route.pathway))
                & view.in_results(pairs.start))
        # NaN (still waiting) and giving up count as waiting
        waited = ~(pairs.end[keep] - pairs.start[keep] <= 0) | (pairs.ended_by[keep] == Event.RENEGE)
        rows += g.reduce(f"waited_for_capacity_pct_{route.pathway}",
                         view.log.patients["locality"][pairs.patient[keep]],
                         waited.astype(float), pct_of)
    return rows


def _readmissions(view: LogView, g: Grouper, acute: str) -> list[Row]:
    """Discharges in the results period followed by an emergency admission within 30 days."""
    stays = view.pairs(acute, Event.READY, Event.LEAVE)  # a discharge leaves at the end
    stay = stay_discharge_codes(view, acute)
    codes = [_pathway_code(view, p) for p in discharge_pathways(view, acute)]
    keep = view.in_results(stays.end) & (stay >= 0)  # NaN end: not left, not in results
    patients, times, pathways = stays.patient[keep], stays.end[keep], stay[keep]
    admit = np.flatnonzero(view.mask(acute, Event.QUEUE))
    readmitted = _followed_within(patients, times, view.patient[admit], view.time[admit])
    locs = view.log.patients["locality"][patients]
    rows = g.reduce("readmissions_30d", locs, readmitted.astype(float), sum_of)
    rows += g.reduce("readmission_rate_30d_pct", locs, readmitted.astype(float), pct_of)
    for pathway, code in zip(discharge_pathways(view, acute), codes):
        chosen = pathways == code
        rows += g.reduce(f"readmissions_30d_{pathway}", locs[chosen],
                         readmitted[chosen].astype(float), sum_of)
    return rows


def _followed_within(patients: np.ndarray, times: np.ndarray, later_patients: np.ndarray,
                     later_times: np.ndarray, window: float = FOLLOW_UP_DAYS) -> np.ndarray:
    """For each (patient, time): does the same patient have a later event within ``window``?"""
    if not len(later_patients) or not len(patients):
        return np.zeros(len(patients), dtype=bool)
    order = np.lexsort((later_times, later_patients))
    lp, lt = later_patients[order], later_times[order]
    # One sorted key per (patient, time): patients are spaced further apart than any time, so
    # the first key after a query's is the same patient's next event, if they have one. At
    # 10^6 patients and a 1,000-day span, float64 keeps times to ~1e-7 days.
    span = float(np.ceil(max(lt.max(), times.max()))) + 1.0
    pos = np.searchsorted(lp * span + lt, patients * span + times, side="right")
    found = pos < len(lp)
    pos = np.minimum(pos, len(lp) - 1)
    return found & (lp[pos] == patients) & (lt[pos] - times <= window)


def ed_boarding(view: LogView, acute: str, ed: str) -> Pairs:
    """Decisions to admit from ED (acute ``queue`` straight after ED, any time) paired with
    getting the bed (acute ``start``): the ED patient boards in between."""
    pairs = view.pairs(acute, Event.QUEUE, WAIT_ENDS)
    rows_q = np.flatnonzero(view.mask(acute, Event.QUEUE))
    from_ed = view.neighbour_service(rows_q, -1) == view.service_index[ed]
    return Pairs(pairs.patient[from_ed], pairs.start[from_ed], pairs.end[from_ed],
                 pairs.pathway[from_ed], pairs.ended_by[from_ed])


def _boarding(view: LogView, g: Grouper, acute: str, ed: str) -> list[Row]:
    """Hours admitted ED patients wait for an acute bed (they keep their ED space meanwhile)."""
    pairs = ed_boarding(view, acute, ed)
    keep = view.in_results(pairs.start)
    hours = pairs.elapsed(view.log.horizon) * 24
    locs = view.log.patients["locality"][pairs.patient]
    return (g.reduce("ed_boarding_hours_mean", locs[keep], hours[keep], mean_of)
            + g.reduce("ed_boarding_over_12h", locs[keep], (hours[keep] > 12).astype(float), sum_of))


@dataclass(frozen=True)
class UcrResponses:
    """UCR referrals (``queue``, any time) paired with reaching the patient or giving up."""

    pairs: Pairs
    known: np.ndarray  # ended, or still open and the target had passed by the horizon
    within: np.ndarray  # reached within the service's response_target_hours
    reached: np.ndarray  # reached at all (not given up, not still waiting)


def ucr_responses(view: LogView, ucr: str) -> UcrResponses:
    spec = role_service(view.scenario, ucr)
    assert spec.response_target_hours is not None, f"{ucr}: UCR needs a response target"
    target_days = spec.response_target_hours / 24
    # a team that travels logs reaching the patient; one that does not reaches them at start
    reached = Event.VISIT if spec.travel_time_by_level is not None else Event.START
    pairs = view.pairs(ucr, Event.QUEUE, (reached, Event.RENEGE))
    censored = np.isnan(pairs.end)
    known = ~censored | (view.log.horizon - pairs.start > target_days)
    came = pairs.ended_by == reached
    return UcrResponses(pairs, known, came & (pairs.end - pairs.start <= target_days), came)


def _ucr(view: LogView, g: Grouper, ucr: str) -> list[Row]:
    responses = ucr_responses(view, ucr)
    pairs, reached = responses.pairs, responses.reached
    keep = view.in_results(pairs.start) & responses.known
    locs = view.log.patients["locality"][pairs.patient]
    rows = g.reduce("ucr_within_2h_pct", locs[keep], responses.within[keep].astype(float), pct_of)
    rows += g.reduce("ucr_response_hours_mean", locs[keep & reached],
                     (pairs.end - pairs.start)[keep & reached] * 24, mean_of)
    # managed at home: the next service after UCR is neither ED nor acute
    leaves = np.flatnonzero(view.mask(ucr, Event.LEAVE) & view.in_results(view.time))
    nxt = view.neighbour_service(leaves, +1)
    report = view.scenario.reporting
    hospital = [view.service_index[s] for s in (report.ed, report.acute) if s]
    at_home = (~np.isin(nxt, hospital)).astype(float)
    rows += g.reduce("ucr_managed_at_home_pct", view.locality[leaves], at_home, pct_of)
    return rows


def _ic(view: LogView, g: Grouper, beds: list[str], home: list[str]) -> list[Row]:
    rows: list[Row] = []
    for metric, services in (("ic_bed_occupancy_mean", beds), ("ic_home_caseload_mean", home)):
        if not services:
            continue
        for i, name in [(-1, ALL), *enumerate(g.names)]:
            total = sum(float(view.occupancy(s, i).mean_between(
                np.array([view.start, view.end]))[0]) for s in services)
            rows.append((metric, name, total))
    waits, locs = [], []
    for s in [*beds, *home]:
        pairs = view.pairs(s, Event.QUEUE, WAIT_ENDS)
        keep = view.in_results(pairs.start)
        waits.append(pairs.elapsed(view.log.horizon)[keep])
        locs.append(view.log.patients["locality"][pairs.patient[keep]])
    rows += g.reduce("ic_wait_days_mean", np.concatenate(locs), np.concatenate(waits), mean_of)
    return rows


def _admissions_avoided(view: LogView, g: Grouper, acute: str, ucr: str | None,
                        ic: list[str]) -> list[Row]:
    """Community (UCR or step-up IC) episodes not followed by an admission within 30 days.

    An IC start is step-up when the patient had not been in the acute ward before it. One
    episode per patient: their first such start in the results period.
    """
    services = [view.service_index[s] for s in ([ucr] if ucr else []) + ic]
    starts = np.flatnonzero(np.isin(view.service, services) & (view.event == Event.START)
                            & view.in_results(view.time))
    acute_i = view.service_index[acute]
    acute_rows = np.flatnonzero((view.service == acute_i) & (view.event == Event.START))
    first_acute = np.full(len(view.log.patients["locality"]), np.inf)
    np.minimum.at(first_acute, view.patient[acute_rows], view.time[acute_rows])
    step_up = view.time[starts] < first_acute[view.patient[starts]]
    starts = starts[step_up]
    patients, first = np.unique(view.patient[starts], return_index=True)
    times = view.time[starts][first]
    admit = np.flatnonzero(view.mask(acute, Event.QUEUE))
    admitted = _followed_within(patients, times, view.patient[admit], view.time[admit])
    locs = view.log.patients["locality"][patients]
    return (g.reduce("community_episodes", locs, np.ones(len(patients)), sum_of)
            + g.reduce("admissions_avoided", locs, (~admitted).astype(float), sum_of))


def _per_service(view: LogView) -> list[Row]:
    """Arrivals, occupancy and waits of every service that has capacity."""
    rows: list[Row] = []
    window = np.array([view.start, view.end])
    for name, spec in view.scenario.services.items():
        if not isinstance(spec, CapacitatedService):
            continue
        queued = np.flatnonzero(view.mask(name, Event.QUEUE) & view.in_results(view.time))
        rows.append((f"arrivals:{name}", ALL, float(len(queued))))
        occupancy = float(view.occupancy(name).mean_between(window)[0])
        rows.append((f"occupancy_mean:{name}", ALL, occupancy))
        capacity = core_capacity(view.scenario, name)
        if capacity:
            rows.append((f"occupancy_pct_mean:{name}", ALL, 100 * occupancy / capacity))
        pairs = view.pairs(name, Event.QUEUE, WAIT_ENDS)
        keep = view.in_results(pairs.start)
        rows.append((f"wait_days_mean:{name}", ALL, mean_of(pairs.elapsed(view.log.horizon)[keep])))
    return rows


def _escalation(view: LogView) -> list[Row]:
    """Days with escalation open and units open on average, for every service that has an
    escalation in the scenario."""
    days = calendar_periods(view.scenario, "day")
    rows: list[Row] = []
    for name in escalated_services(view.scenario):
        rows.append((f"escalation_days:{name}", ALL,
                     float(escalation_days(view.log, name, days).sum())))
        units = escalation_units(view.log, name).mean_between(np.array([view.start, view.end]))
        rows.append((f"escalation_units_mean:{name}", ALL, float(units[0])))
    return rows


def escalated_services(scenario: Scenario) -> list[str]:
    """Services with an escalation (or mutual aid) in the scenario, in scenario order."""
    named = {escalation.service for escalation in scenario.escalation.values()}
    return [name for name in scenario.services if name in named]


def escalation_units(log: ReplicationLog, service: str) -> StepSeries:
    """Units of escalation capacity open at ``service`` over time, summed over its units, from
    ``log.capacity_log``; capacity a unit borrows by mutual aid counts, capacity it lends
    does not."""
    cap = log.capacity_log
    rows = np.flatnonzero(cap["service"] == list(log.scenario.services).index(service))
    times, deltas = [], []
    for unit in np.unique(cap["unit"][rows]):
        own = rows[cap["unit"][rows] == unit]  # in time order, as logged
        times.append(cap["time"][own])
        deltas.append(np.diff(np.maximum(cap["escalation"][own], 0), prepend=0))
    if not times:
        return StepSeries(np.zeros(0), np.zeros(0))
    all_times = np.concatenate(times)
    order = np.argsort(all_times, kind="stable")
    return StepSeries(all_times[order], np.concatenate(deltas)[order])


def escalation_days(log: ReplicationLog, service: str, days: Periods) -> np.ndarray:
    """For each of ``days``: was any escalation capacity of ``service`` open at some time
    that day (1) or not (0)."""
    units = escalation_units(log, service)
    is_open = (units.levels > 0).astype(float)
    opened = StepSeries(units.times, np.diff(is_open, prepend=0))
    return (opened.mean_between(days.edges) > 0).astype(float)


def open_intervals(starts: np.ndarray, ends: np.ndarray) -> StepSeries:
    """How many of the intervals ``[starts[i], ends[i])`` are open over time."""
    times = np.concatenate([starts, ends])
    order = np.argsort(times, kind="stable")
    deltas = np.concatenate([np.ones(len(starts)), -np.ones(len(ends))])
    return StepSeries(times[order], deltas[order])
