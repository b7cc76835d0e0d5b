"""Winter outputs: the results period week by week and month by month, escalation episodes
and the peak week (docs/winter.md).

Every table is a pure function of one replication's log over the results period: each metric
is the function of ``sim.analysis.measures`` that also gives summary.csv's value (the results
period as one period), so counts and bed-days of the periods add up to the replication's
metric of the same name.
``summarise_periods`` reduces many replications to means with 95% intervals, as
``sim.analysis.summary.summarise`` does for the headline metrics.

    tables = period_tables(log)                  # {"week": ..., "month": ...}, one replication
    weekly = summarise_periods(pd.concat(per_replication_weekly_tables))
    peak_week(weekly)                            # the week of highest acute occupancy
"""

from __future__ import annotations

import datetime as dt
from typing import Iterable

import numpy as np
import pandas as pd

from sim.analysis.grouping import ALL
from sim.analysis.logview import LogView
from sim.analysis.measures import period_measures
from sim.analysis.periods import Frequency, calendar_periods
from sim.analysis.summary import metric_interval
from sim.config.capacity import unit_capacities
from sim.config.schema import CapacitatedService, Scenario
from sim.engine.eventlog import Event
from sim.engine.model import ReplicationLog

PERIOD_COLUMNS = ["period_start", "period", "days"]
TABLE_COLUMNS = ["replication", *PERIOD_COLUMNS, "metric", "locality", "value"]
SUMMARY_COLUMNS = [*PERIOD_COLUMNS, "metric", "locality", "mean", "ci_low", "ci_high", "n_reps"]
EPISODE_COLUMNS = ["replication", "service", "unit", "opened", "closed", "hours_open",
                   "max_units_open", "patients_taken"]
PEAK_METRIC = "acute_occupancy_pct_mean"  # what makes the peak week; beds if no finite capacity


def weekly_table(log: ReplicationLog, view: LogView | None = None) -> pd.DataFrame:
    """The results period by ISO week (Monday to Sunday), one row per week and metric:
    replication, period_start, period (``2025-W45``), days, metric, locality, value."""
    return period_tables(log, view, ("week",))["week"]


def monthly_table(log: ReplicationLog, view: LogView | None = None) -> pd.DataFrame:
    """As ``weekly_table`` by calendar month (period ``2025-11``)."""
    return period_tables(log, view, ("month",))["month"]


def period_tables(log: ReplicationLog, view: LogView | None = None,
                  frequencies: Iterable[Frequency] = ("week", "month")
                  ) -> dict[Frequency, pd.DataFrame]:
    """The period tables of one replication, the series behind them computed once.

    Metrics (units in docs/winter.md): emergency admissions; acute occupancy (mean beds, % of
    core capacity, the highest day's mean) and days above 92/95/100%; ED boarding (mean
    patients boarding, mean hours); delayed discharges (mean patients, bed-days) overall
    and by discharge pathway; UCR referrals and % reached within the target; and, for every
    service with escalation, days with it open and mean units open.
    """
    view = view or LogView(log)
    tables = {}
    for frequency in frequencies:
        periods = calendar_periods(log.scenario, frequency)
        grids = period_measures(view, periods)
        names = list(grids)
        values = np.concatenate([grids[name][0] for name in names]) if names else np.zeros(0)
        n = len(periods)
        frame = periods.frame()
        tables[frequency] = pd.DataFrame({
            "replication": log.replication,
            **{column: np.tile(frame[column].to_numpy(), len(names)) for column in frame},
            "metric": np.repeat(names, n),
            "locality": ALL,
            "value": values,
        }, columns=TABLE_COLUMNS)
    return tables


def summarise_periods(tables: pd.DataFrame) -> pd.DataFrame:
    """Period tables of many replications (``weekly_table`` rows, concatenated) -> one row per
    period, metric and locality: mean, ci_low, ci_high (95% interval of the mean across
    replications inside the metric's possible range, as in summary.csv; missing values left
    out) and n_reps."""
    keys = [*PERIOD_COLUMNS, "metric", "locality"]
    rows = []
    for key, group in tables.groupby(keys, sort=False):
        values = group["value"].to_numpy(dtype=float)
        days = float(group["days"].to_numpy(dtype=float)[0])
        rows.append((*key, *metric_interval(str(key[3]), values, days),
                     int(np.isfinite(values).sum())))
    return pd.DataFrame(rows, columns=SUMMARY_COLUMNS)


def peak_week(weekly_summary: pd.DataFrame, locality: str = ALL) -> pd.Series:
    """The full week (7 days in the results period; any week if none is full) with the
    highest mean acute occupancy across replications (% of core capacity, or beds when the
    capacity is unlimited), and the mean of every metric that week.

    Index: ``period``, ``period_start``, ``days``, then each metric's name (its mean), with
    the peak measure's 95% interval as ``<metric>_ci_low`` / ``_ci_high``. Empty when the
    summary has no acute occupancy.
    """
    rows = weekly_summary[weekly_summary["locality"] == locality]
    metric = PEAK_METRIC if (rows["metric"] == PEAK_METRIC).any() else "acute_occupancy_mean"
    occupancy = rows[(rows["metric"] == metric) & rows["mean"].notna()]
    full = occupancy[np.isclose(occupancy["days"], 7)]
    candidates = full if len(full) else occupancy
    if not len(candidates):
        return pd.Series(dtype=object)
    best = candidates.iloc[int(candidates["mean"].to_numpy(dtype=float).argmax())]
    week = rows[rows["period"] == best["period"]]
    return pd.Series({
        "period": best["period"], "period_start": best["period_start"], "days": best["days"],
        **dict(zip(week["metric"], week["mean"])),
        f"{metric}_ci_low": best["ci_low"], f"{metric}_ci_high": best["ci_high"],
    })


# --- escalation episodes ----------------------------------------------------------------------

def escalation_episodes(log: ReplicationLog, view: LogView | None = None) -> pd.DataFrame:
    """Every spell of escalation capacity open at a unit that overlaps the results period.

    Columns: replication; service; unit (its name); opened, closed (date and time; closed is
    empty if still open at the horizon); hours_open (to the horizon if still open);
    max_units_open; patients_taken: patients who got a unit of the service at that unit
    (``start``) during the spell with the unit's occupancy after them above its core
    capacity at the time (capacity less escalation, as logged), i.e. in escalation capacity.
    """
    cap = log.capacity_log
    names = list(log.scenario.services)
    rows: list[tuple[object, ...]] = []
    pairs = sorted(set(zip(cap["service"][cap["escalation"] > 0].tolist(),
                           cap["unit"][cap["escalation"] > 0].tolist())))
    for service, unit in pairs:
        own = np.flatnonzero((cap["service"] == service) & (cap["unit"] == unit))
        times, escalated = cap["time"][own], cap["escalation"][own]
        core = cap["capacity"][own] - escalated
        is_open = (escalated > 0).astype(int)
        change = np.diff(is_open, prepend=0)
        opens, closes = np.flatnonzero(change == 1), np.flatnonzero(change == -1)
        name = names[service]
        unit_name = _unit_names(log.scenario, name)[unit]
        occupancy = None  # the unit's occupancy after each start, computed once if needed
        for first in opens:
            later = closes[closes > first]
            last = later[0] if len(later) else len(times)
            opened = float(times[first])
            closed = float(times[last]) if last < len(times) else np.nan
            until = log.horizon if np.isnan(closed) else closed
            if until <= log.results_start or opened >= log.results_end:
                continue
            view = view or LogView(log)
            if occupancy is None:
                occupancy = _starts_with_occupancy(view, name, unit_name)
            start_times, after = occupancy
            during = (start_times >= opened) & (start_times < until)
            row = np.searchsorted(times, start_times[during], side="right") - 1
            taken = int((after[during] > core[row]).sum())
            rows.append((log.replication, name, unit_name, _when(log, opened),
                         _when(log, closed), round((until - opened) * 24, 4),
                         int(escalated[first:last].max()), taken))
    frame = pd.DataFrame(rows, columns=EPISODE_COLUMNS)
    return frame.astype({"replication": int, "opened": "datetime64[ns]", "closed": "datetime64[ns]",
                         "hours_open": float, "max_units_open": int, "patients_taken": int})


def _unit_names(scenario: Scenario, service: str) -> list[str]:
    spec = scenario.services[service]
    assert isinstance(spec, CapacitatedService)
    return list(unit_capacities(scenario, spec))


def _starts_with_occupancy(view: LogView, service: str, unit: str
                           ) -> tuple[np.ndarray, np.ndarray]:
    """Times of the ``start`` events at one unit of ``service`` and the unit's occupancy just
    after each (the log's order settles events at the same time)."""
    spec = view.scenario.services[service]
    assert isinstance(spec, CapacitatedService)
    geo = view.scenario.geography
    served = [i for i, loc in enumerate(geo.localities) if geo.unit_of(loc, spec.level) == unit]
    start, leave = view.mask(service, Event.START), view.mask(service, Event.LEAVE)
    rows = np.flatnonzero((start | leave) & np.isin(view.locality, served))
    level = np.cumsum(np.where(start[rows], 1, -1))
    starts = start[rows]
    return view.time[rows][starts], level[starts]


def _when(log: ReplicationLog, time: float) -> pd.Timestamp | None:
    """Calendar date and time of a simulated time (None, an empty date, for NaN), to the
    second."""
    if np.isnan(time):
        return None
    moment = dt.datetime.combine(log.scenario.time.start_date, dt.time())
    return pd.Timestamp(moment) + pd.to_timedelta(round((time - log.results_start) * 86400), "s")
