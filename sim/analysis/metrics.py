"""Measures of one replication, each a pure function of its log over the results period.

Headline metrics are reported for each locality (patients resident there) and for ``all``;
per-service metrics (``arrivals:<service>`` ...) for ``all`` only. Metrics that also have a
value in each week and month (``sim.analysis.measures``) are taken from there, with the
results period as the one period. Each metric is declared, with its definition and the
function that computes it, in ``sim.analysis.catalogue`` (docs/metrics.md is generated from it).
"""

from __future__ import annotations

import re
from typing import Callable

import numpy as np

from sim.analysis.grouping import ALL, Grouper, Row, mean_of, pct_of, sum_of
from sim.analysis.logview import WAIT_ENDS, LogView
from sim.analysis.measures import Grids, period_measures
from sim.analysis.patience import came_from_hospital, when_busy_rows
from sim.analysis.periods import calendar_periods, results_period
from sim.analysis.spells import (
    OCCUPANCY_THRESHOLDS_PCT,
    boarding_pairs,
    core_capacity,
    discharge_pathways,
    escalated_services,
    pathway_code,
    role_service,
    stay_discharge_codes,
    ucr_responses,
)
from sim.config.checks import FOLLOW_UP_NEEDED_DAYS
from sim.config.schema import CapacitatedService
from sim.engine.eventlog import Event
from sim.engine.model import ReplicationLog

__all__ = ["ALL", "OCCUPANCY_THRESHOLDS_PCT", "core_capacity", "replication_metrics"]

OLDER_PEOPLE, OLDER_PEOPLE_FROM = "65+", 65  # the age group of admissions per 1,000 aged 65+
PARAMETER = "parameter:"  # prefix of the rows holding an uncertain field's drawn value
FOLLOW_UP_DAYS = FOLLOW_UP_NEEDED_DAYS  # window for readmissions and admissions after care


def replication_metrics(log: ReplicationLog, view: LogView | None = None) -> list[Row]:
    """Every metric of one replication as (metric, locality, value) rows (``view``: a view
    of ``log`` already built, to share its caches)."""
    view = view or LogView(log)
    g = Grouper(view)
    whole = period_measures(view, results_period(log.scenario), len(g.names))
    rows: list[Row] = []
    for compute in _headline(view, g, whole):
        rows.extend(compute())
    rows.extend(_per_service(view))
    rows.extend(_escalation(view, whole))
    # the values this replication drew for uncertain fields, to relate results to them
    rows.extend((f"{PARAMETER}{path}", ALL, value) for path, value in log.parameters.items())
    return rows


def _whole(metric: str, whole: Grids, g: Grouper) -> list[Row]:
    """The rows of a metric of ``sim.analysis.measures`` over the results period: ``all``,
    then each locality when it has them."""
    grid = whole[metric]
    return [(metric, name, float(grid[i, 0])) for i, name in enumerate([ALL, *g.names][:len(grid)])]


def _headline(view: LogView, g: Grouper, whole: Grids) -> list[Callable[[], list[Row]]]:
    report = view.scenario.reporting
    # locals, so that the computations below know them set where they are called
    acute, ed, ucr = report.acute, report.ed, report.ucr
    computations: list[Callable[[], list[Row]]] = []

    def counted(metric: str, service: str) -> Callable[[], list[Row]]:
        def compute() -> list[Row]:
            rows = np.flatnonzero(view.mask(service, Event.QUEUE) & view.in_results(view.time))
            return g.count(metric, view.locality[rows])
        return compute

    if acute:

        def admissions() -> list[Row]:
            counts = _whole("emergency_admissions", whole, g)
            return (counts + g.per_year("emergency_admissions_per_1000", counts, 1000)
                    + _admissions_by_age(view, g, acute))

        computations += [admissions, lambda: _acute_occupancy(view, g, whole, acute),
                         lambda: _acute_pressure(view, whole, acute),
                         lambda: _delayed_discharges(view, g, whole, acute),
                         lambda: _readmissions(view, g, acute)]
        if ed:
            computations.append(lambda: _boarding(view, g, whole, acute, ed))
    if ed:
        computations.append(counted("ed_attendances", ed))
    if report.spa:
        computations.append(counted("spa_referrals", report.spa))
    if ucr:
        computations += [lambda: _whole("ucr_referrals", whole, g),
                         lambda: _ucr(view, g, whole, ucr)]
    ic = [*report.ic_beds, *report.ic_home]
    if ic:
        computations.append(lambda: _ic(view, g, report.ic_beds, report.ic_home))
    if acute and (ucr or ic):
        computations.append(lambda: _community_episodes(view, g, acute, ucr, ic))

    def prevented() -> list[Row]:
        rows = np.flatnonzero((view.event == Event.PREVENTED) & view.in_results(view.time))
        return g.count("crises_prevented", view.locality[rows])

    computations.append(prevented)
    computations.append(lambda: when_busy_rows(view, g))
    return computations


def age_groups(bands: list[str]) -> dict[str, list[str]]:
    """Each age band as a group of itself, and ``65+``: every band starting at 65 or over
    (when there are such bands and none is called ``65+``), the group national admission
    rates for older people are quoted for. A band starts at the number its name begins with
    (``65-74``, ``85+``); a name not beginning with one is in no ``65+`` group."""
    groups = {band: [band] for band in bands}
    older = [band for band in bands
             if (start := re.match(r"\d+", band)) and int(start.group()) >= OLDER_PEOPLE_FROM]
    if older and OLDER_PEOPLE not in groups:
        groups[OLDER_PEOPLE] = older
    return groups


def _admissions_by_age(view: LogView, g: Grouper, acute: str) -> list[Row]:
    """Emergency admissions (acute ``queue`` in the results period) a year per 1,000 residents
    of each age band, and of all aged 65+, for each locality and all (NaN: no residents)."""
    admitted = np.flatnonzero(view.mask(acute, Event.QUEUE) & view.in_results(view.time))
    band_names = view.scenario.geography.age_bands
    bands = view.log.patients["age_band"][view.patient[admitted]]
    localities = view.scenario.geography.localities
    rows: list[Row] = []
    for name, members in age_groups(band_names).items():
        codes = [band_names.index(band) for band in members]
        counts = g.count(f"emergency_admissions_per_1000_{name}",
                         view.locality[admitted][np.isin(bands, codes)])
        for metric, loc, count in counts:
            chosen = localities.values() if loc == ALL else [localities[loc]]
            residents = sum(place.population.get(band, 0) for place in chosen for band in members)
            rows.append((metric, loc, count / residents * 1000 / g.years if residents
                         else float("nan")))
    return rows


def _acute_occupancy(view: LogView, g: Grouper, whole: Grids, acute: str) -> list[Row]:
    rows: list[Row] = []
    for i, (_, name, mean) in enumerate(_whole("acute_occupancy_mean", whole, g), start=-1):
        rows.append(("acute_occupancy_mean", name, mean))
        rows.append(("acute_occupancy_p95", name,
                     view.occupancy(acute, i).quantile(0.95, view.start, view.end)))
    if "acute_occupancy_pct_mean" in whole:
        rows += _whole("acute_occupancy_pct_mean", whole, g)
    return rows


def _acute_pressure(view: LogView, whole: Grids, acute: str) -> list[Row]:
    """Days of high occupancy, the busiest full week and days with escalation open."""
    rows: list[Row] = []
    capacity = core_capacity(view.scenario, acute)
    if capacity:
        rows += [(f"acute_days_above_{level}pct", ALL,
                  float(whole[f"acute_days_above_{level}pct"][0, 0]))
                 for level in OCCUPANCY_THRESHOLDS_PCT]
        weeks = calendar_periods(view.scenario, "week")
        full = np.isclose(weeks.days, 7)
        weekly = 100 * view.occupancy(acute).mean_between(weeks.edges) / capacity
        rows.append(("peak_week_acute_occupancy_pct", ALL,
                     float(weekly[full].max()) if full.any() else float("nan")))
    acute_escalation = f"escalation_days:{acute}"
    rows.append(("escalation_days", ALL, float(whole[acute_escalation][0, 0])
                 if acute_escalation in whole else 0.0))
    return rows


def _delayed_discharges(view: LogView, g: Grouper, whole: Grids, acute: str) -> list[Row]:
    """Bed-days between ready (medically optimised) and leaving the bed, in the results period."""
    pairs = view.pairs(acute, Event.READY, Event.LEAVE)
    locs = view.patient_locality(pairs.patient)
    rows = _whole("delayed_discharge_bed_days", whole, g)
    stay = stay_discharge_codes(view, acute)
    for pathway in discharge_pathways(view, acute):
        rows += _whole(f"delayed_discharge_bed_days_{pathway}", whole, g)
    run_days = view.end - view.start
    rows += [("nctr_patients_per_100k", loc, value / run_days / g.population[loc] * 1e5)
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
        keep = (from_acute & (pairs.pathway == pathway_code(view, route.pathway))
                & view.in_results(pairs.start))
        # NaN (still waiting) and giving up count as waiting
        waited = ~(pairs.end[keep] - pairs.start[keep] <= 0) | (pairs.ended_by[keep] == Event.RENEGE)
        rows += g.reduce(f"waited_for_capacity_pct_{route.pathway}",
                         view.patient_locality(pairs.patient[keep]),
                         waited.astype(float), pct_of)
    return rows


def _readmissions(view: LogView, g: Grouper, acute: str) -> list[Row]:
    """Discharges in the results period followed by an emergency admission within 30 days."""
    stays = view.pairs(acute, Event.READY, Event.LEAVE)  # a discharge leaves at the end
    stay = stay_discharge_codes(view, acute)
    codes = [pathway_code(view, p) for p in discharge_pathways(view, acute)]
    keep = view.in_results(stays.end) & (stay >= 0)  # NaN end: not left, not in results
    patients, times, pathways = stays.patient[keep], stays.end[keep], stay[keep]
    admit = np.flatnonzero(view.mask(acute, Event.QUEUE))
    readmitted = _followed_within(patients, times, view.patient[admit], view.time[admit])
    locs = view.patient_locality(patients)
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


def _boarding(view: LogView, g: Grouper, whole: Grids, acute: str, ed: str) -> list[Row]:
    """Hours admitted ED patients wait for an acute bed (they keep their ED space meanwhile)."""
    pairs = boarding_pairs(view, acute, ed)
    keep = view.in_results(pairs.start)
    hours = pairs.elapsed(view.log.horizon) * 24
    locs = view.patient_locality(pairs.patient)
    return (_whole("ed_boarding_hours_mean", whole, g)
            + g.reduce("ed_boarding_over_12h", locs[keep], (hours[keep] > 12).astype(float), sum_of))


def _ucr(view: LogView, g: Grouper, whole: Grids, ucr: str) -> list[Row]:
    responses = ucr_responses(view, ucr)
    pairs, reached = responses.pairs, responses.reached
    keep = view.in_results(pairs.start) & responses.known
    locs = view.patient_locality(pairs.patient)
    rows = _whole("ucr_within_target_pct", whole, g)
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
        locs.append(view.patient_locality(pairs.patient[keep]))
    rows += g.reduce("ic_wait_days_mean", np.concatenate(locs), np.concatenate(waits), mean_of)
    rows += [(f"referral_to_start_days_mean:{s}", ALL, _referral_to_start(view, s))
             for s in [*beds, *home]]
    for metric, services in (("ic_bed_starts_per_100k", beds), ("ic_home_starts_per_100k", home)):
        if services:
            started = np.flatnonzero(np.isin(view.service, [view.service_index[s] for s in services])
                                     & (view.event == Event.START) & view.in_results(view.time))
            rows += g.per_year(metric, g.count(metric, view.locality[started]), 100_000)
    return rows


def _referral_to_start(view: LogView, service: str) -> float:
    """Mean days from referral to ``start`` at ``service`` (an IC service), of the patients
    asking for it in the results period who started (NaN: none). A step-down transfer is
    referred when it became ready in the acute ward (so the hand-off delay counts), a step-up
    patient when they asked; as the National Audit of Intermediate Care measures it."""
    asked = np.flatnonzero(view.mask(service, Event.QUEUE))  # in the order of the pairs
    pairs = view.pairs(service, Event.QUEUE, WAIT_ENDS)
    started = view.in_results(pairs.start) & (pairs.ended_by == Event.START)
    asked, ends = asked[started], pairs.end[started]
    referred = view.time[asked]
    acute = view.scenario.reporting.acute
    if acute is not None:
        ready = view.latest_before(asked, view.mask(acute, Event.READY))
        step_down = came_from_hospital(view, asked) & (ready >= 0)
        referred = np.where(step_down, view.time[np.maximum(ready, 0)], referred)
    return mean_of(ends - referred)


def _community_episodes(view: LogView, g: Grouper, acute: str, ucr: str | None,
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
    locs = view.patient_locality(patients)
    return (g.reduce("community_episodes", locs, np.ones(len(patients)), sum_of)
            + g.reduce("community_episodes_without_admission", locs, (~admitted).astype(float),
                       sum_of))


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


def _escalation(view: LogView, whole: Grids) -> list[Row]:
    """Days with escalation open and units open on average, for every service that has an
    escalation in the scenario."""
    rows: list[Row] = []
    for name in escalated_services(view.scenario):
        for metric in (f"escalation_days:{name}", f"escalation_units_mean:{name}"):
            rows.append((metric, ALL, float(whole[metric][0, 0])))
    return rows
