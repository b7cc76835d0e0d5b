"""Metrics with a value in every period, each one function of (log view, periods).

The whole results period is one period (``results_period``), the ISO weeks and calendar
months of ``weekly.csv`` and ``monthly.csv`` are others (``calendar_periods``): summary.csv's
value of each metric here and its weekly and monthly rows come from the same function, with
one definition in ``sim.analysis.catalogue``. So the counts and bed-days of the periods add up
to the metric of the whole period.

Each function returns ``{metric: Grid}``: a grid has one column per period and one row per
group of patients, ``all`` first, then each locality in scenario order when ``localities`` is
the number of localities (0: ``all`` only). Metrics reported for ``all`` only have one row.

    grids = period_measures(view, calendar_periods(scenario, "week"))
    grids["emergency_admissions"][0]     # admissions in each week
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from sim.analysis.grouping import mean_of, pct_of, sum_of
from sim.analysis.logview import LogView
from sim.analysis.periods import Periods, calendar_periods
from sim.analysis.spells import (
    OCCUPANCY_THRESHOLDS_PCT,
    above,
    boarding_pairs,
    core_capacity,
    discharge_pathways,
    escalated_services,
    escalation_days,
    escalation_units,
    open_intervals,
    stay_discharge_codes,
    ucr_responses,
)
from sim.engine.eventlog import Event

Grid = np.ndarray  # (groups, periods): row 0 all patients, row 1 + i the i-th locality
Grids = dict[str, Grid]


def period_measures(view: LogView, periods: Periods, localities: int = 0) -> Grids:
    """Every metric of this module for the roles the scenario reports, in the order of the
    period tables (docs/winter.md)."""
    report = view.scenario.reporting
    grids: Grids = {}
    if report.acute:
        grids.update(admissions(view, periods, localities))
        grids.update(acute_occupancy(view, periods, localities))
        if report.ed:
            grids.update(ed_boarding(view, periods, localities))
        grids.update(delayed_discharges(view, periods, localities))
    if report.ucr:
        grids.update(ucr_responses_in_time(view, periods, localities))
    for service in escalated_services(view.scenario):
        grids.update(escalation(view, periods, service))
    return grids


def admissions(view: LogView, periods: Periods, localities: int) -> Grids:
    """Emergency admissions: acute ``queue`` events in each period."""
    return {"emergency_admissions": _queued(view, view.scenario.reporting.acute, periods,
                                            localities)}


def acute_occupancy(view: LogView, periods: Periods, localities: int) -> Grids:
    """Acute beds held (``start`` to ``leave``): time-weighted mean, the busiest day's mean,
    as % of core capacity and days above each occupancy threshold."""
    acute = view.scenario.reporting.acute
    assert acute is not None
    occupancy = view.occupancy(acute)
    days = calendar_periods(view.scenario, "day")
    daily = occupancy.mean_between(days.edges)
    grids: Grids = {
        "acute_occupancy_mean": np.array([view.occupancy(acute, i).mean_between(periods.edges)
                                          for i in range(-1, localities)]),
        "acute_occupancy_max_day": _over_days(periods, days, daily, "max"),
    }
    capacity = core_capacity(view.scenario, acute)
    if capacity:
        pct = 100 * daily / capacity
        grids["acute_occupancy_pct_mean"] = \
            (100 * occupancy.mean_between(periods.edges) / capacity)[None]
        grids["acute_occupancy_pct_max_day"] = _over_days(periods, days, pct, "max")
        for level in OCCUPANCY_THRESHOLDS_PCT:
            grids[f"acute_days_above_{level}pct"] = _over_days(
                periods, days, above(pct, level).astype(float), "sum")
    return grids


def ed_boarding(view: LogView, periods: Periods, localities: int) -> Grids:
    """Patients waiting in ED for an acute bed: mean number, and mean hours of the waits that
    began in the period (still waiting at the horizon: counted to the horizon)."""
    report = view.scenario.reporting
    assert report.acute is not None and report.ed is not None
    pairs = boarding_pairs(view, report.acute, report.ed)
    hours = pairs.elapsed(view.log.horizon) * 24
    waiting = open_intervals(pairs.start, pairs.end_or(view.log.horizon))
    return {
        "ed_boarding_mean": waiting.mean_between(periods.edges)[None],
        "ed_boarding_hours_mean": _reduced(periods, pairs.start, view.patient_locality(
            pairs.patient), hours, mean_of, localities),
    }


def delayed_discharges(view: LogView, periods: Periods, localities: int) -> Grids:
    """Acute stays from ``ready`` to ``leave`` (a delay not ended by the horizon runs to it):
    the mean number delayed and the delayed bed-days in the period, in all and by the
    discharge pathway of the stay."""
    acute = view.scenario.reporting.acute
    assert acute is not None
    pairs = view.pairs(acute, Event.READY, Event.LEAVE)
    ends = pairs.end_or(view.log.horizon)
    locs = view.patient_locality(pairs.patient)
    codes = stay_discharge_codes(view, acute)
    # each delay's days inside each period, (periods, delays)
    inside = np.clip(np.minimum(ends, periods.edges[1:, None])
                     - np.maximum(pairs.start, periods.edges[:-1, None]), 0, None)
    chosen = {"": np.ones(len(codes), dtype=bool)}
    for pathway in discharge_pathways(view, acute):
        chosen[f"_{pathway}"] = codes == view.pathway_names.index(pathway)
    grids: Grids = {}
    for suffix, stays in chosen.items():
        delayed = open_intervals(pairs.start[stays], ends[stays])
        grids[f"delayed_discharges_mean{suffix}"] = delayed.mean_between(periods.edges)[None]
        grids[f"delayed_discharge_bed_days{suffix}"] = np.array(
            [[sum_of(days[stays & group]) for days in inside]
             for group in _groups(locs, localities)])
    return grids


def ucr_responses_in_time(view: LogView, periods: Periods, localities: int) -> Grids:
    """UCR referrals (``queue``) in the period, and % of those whose outcome is known that
    were reached within the service's response target."""
    ucr = view.scenario.reporting.ucr
    assert ucr is not None
    responses = ucr_responses(view, ucr)
    known = responses.known
    pairs = responses.pairs
    return {
        "ucr_referrals": _queued(view, ucr, periods, localities),
        "ucr_within_target_pct": _reduced(periods, pairs.start[known],
                                      view.patient_locality(pairs.patient[known]),
                                          responses.within[known].astype(float), pct_of,
                                          localities),
    }


def escalation(view: LogView, periods: Periods, service: str) -> Grids:
    """Days of the period with escalation capacity of ``service`` open, and the mean units
    open (``all`` only)."""
    days = calendar_periods(view.scenario, "day")
    return {
        f"escalation_days:{service}": _over_days(periods, days,
                                                 escalation_days(view.log, service, days), "sum"),
        f"escalation_units_mean:{service}": escalation_units(view.log, service).mean_between(
            periods.edges)[None],
    }


def _groups(localities_of: np.ndarray, localities: int) -> list[np.ndarray]:
    """Masks of the items of each group: all of them, then each locality's."""
    return [np.ones(len(localities_of), dtype=bool),
            *(localities_of == i for i in range(localities))]


def _queued(view: LogView, service: str | None, periods: Periods, localities: int) -> Grid:
    """``queue`` events at ``service`` in each period (patients asking for it)."""
    assert service is not None
    rows = view.mask(service, Event.QUEUE)
    times, locs = view.time[rows], view.locality[rows]
    return np.array([periods.count(times[group]) for group in _groups(locs, localities)])


def _reduced(periods: Periods, times: np.ndarray, locs: np.ndarray, values: np.ndarray,
             how: Callable[[np.ndarray], float], localities: int) -> Grid:
    """``how`` (a mean, a %) of the ``values`` whose ``times`` fall in each period."""
    where = periods.index_of(times)
    return np.array([[how(values[group & (where == k)]) for k in range(len(periods))]
                     for group in _groups(locs, localities)])


def _over_days(periods: Periods, days: Periods, daily: np.ndarray, how: str) -> Grid:
    """The sum or the largest of a value of each day over the days of each period (periods
    hold whole days; a period with no day has NaN as its largest)."""
    where = periods.index_of(days.edges[:-1])
    if how == "sum":
        return np.bincount(where, daily, minlength=len(periods)).astype(float)[None]
    out = np.full(len(periods), np.nan)
    np.fmax.at(out, where, daily)
    return out[None]
