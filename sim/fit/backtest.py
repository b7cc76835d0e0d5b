"""Backtest: run a scenario over an extract's period and compare it with the extract, week by
week and locality by locality.

Measures (each per ISO week, for every locality and ``all``):

- ``arrivals:<stream>``: new referrals of the stream (patients a week);
- ``admissions``: visits starting at the reporting role ``acute`` (patients a week);
- ``occupancy:<service>``: mean patients in each team, ward and caseload (time-weighted);
- ``delayed_discharges``: mean patients at ``acute`` past ``ready`` (time-weighted).

For each observation the replications give a 90% *prediction* band, the interval in which a
new replication's value should fall 90% of the time (mean +/- t(0.95, n-1) x sd x
sqrt(1 + 1/n)), so the coverage holds with few replications. The backtest passes when the
share of all weekly occupancy observations of wards and caseloads (every locality) inside
their bands reaches the threshold (default 0.85; a well-fitted model misses about 10% by
chance), and each ward's and caseload's own share reaches the service threshold (default
0.70), so that a service full every week (inside its band whatever the model) cannot hide
another that is wrong. The service threshold is lower because one service's weeks are few and
strongly correlated (a stay lasts weeks), so its share varies more by chance.

Weekly bands are wide (they hold the replications' differences in level as well as week to
week noise), so a share inside them says little about a bias of 10%. So each measure's level
over the whole period is checked too: the observed mean of its weeks against the 99% band of
the replications' means; for the occupancy of wards and caseloads (all localities together) a
level outside its band fails the backtest. Error measures (MAPE, bias) are given for every
measure.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np
import pandas as pd
from scipy import stats

from sim.analysis.grouping import ALL
from sim.analysis.logview import LogView
from sim.analysis.periods import calendar_periods
from sim.analysis.spells import open_intervals
from sim.compile import with_changes
from sim.config.schema import CapacitatedService, Scenario
from sim.engine.eventlog import Event
from sim.engine.model import run_replication
from sim.fit.demand import new_referrals
from sim.fit.extract import Episodes
from sim.fit.suppression import small
from sim.runner import map_replications

BAND = 0.90
LEVEL_BAND = 0.99  # one check per measure: wide, so a right model rarely fails one by chance
DEFAULT_THRESHOLD = 0.85
DEFAULT_SERVICE_THRESHOLD = 0.70
COLUMNS = ["week", "measure", "locality", "value"]
COUNTED = ("arrivals:", "admissions")  # counts of patients: small ones are suppressed on output


def over_period(scenario: Scenario, episodes: Episodes, replications: int | None = None
                ) -> Scenario:
    """``scenario`` set to run over the extract's period (its warm-up kept)."""
    changes: dict[str, object] = {"time.start_date": episodes.period.start.isoformat(),
                                  "time.run_days": episodes.period.days}
    if replications is not None:
        changes["time.replications"] = replications
    return with_changes(scenario, changes)


def tested(measure: str, scenario: Scenario) -> bool:
    """Whether a measure counts towards pass or fail: occupancy of wards and caseloads."""
    name = measure.removeprefix("occupancy:")
    return name != measure and scenario.services[name].kind in ("ward", "caseload")


def _weekly(groups: dict[tuple[str, str], np.ndarray], labels: list[str]) -> pd.DataFrame:
    """(measure, locality) -> weekly values, as a long table."""
    return pd.DataFrame([(week, measure, locality, value)
                         for (measure, locality), values in groups.items()
                         for week, value in zip(labels, values)], columns=COLUMNS)


def observed_weeks(episodes: Episodes, scenario: Scenario) -> pd.DataFrame:
    """The measures of the extract by week and locality."""
    periods = calendar_periods(scenario, "week")
    edges = periods.edges - scenario.time.warmup_days  # days from the period's start
    t = episodes.table
    groups: dict[tuple[str, str], np.ndarray] = {}
    localities = [(-1, ALL), *enumerate(episodes.localities)]

    def add(measure: str, rows: pd.DataFrame,
            value: Callable[[pd.DataFrame], np.ndarray]) -> None:
        for code, name in localities:
            chosen = rows if code < 0 else rows[rows["locality"] == code]
            groups[(measure, name)] = value(chosen)

    def count(rows: pd.DataFrame) -> np.ndarray:
        return np.histogram(rows["start"], bins=edges)[0].astype(float)

    def level(start: str, rows: pd.DataFrame) -> np.ndarray:
        ends = rows["end"].fillna(episodes.period.days).to_numpy()
        return open_intervals(rows[start].to_numpy(), ends).mean_between(edges)

    for name, stream in scenario.demand.items():
        add(f"arrivals:{name}", new_referrals(episodes, stream), count)
    acute = scenario.reporting.acute
    if acute:
        add("admissions", t[t["service"] == episodes.services.index(acute)], count)
    for name, spec in scenario.services.items():
        if isinstance(spec, CapacitatedService):
            add(f"occupancy:{name}", t[t["service"] == episodes.services.index(name)],
                lambda rows: level("start", rows))
    if acute and episodes.has_ready:
        rows = t[(t["service"] == episodes.services.index(acute)) & t["ready"].notna()]
        add("delayed_discharges", rows, lambda rows: level("ready", rows))
    return _weekly(groups, periods.labels)


def simulated_weeks(scenario: Scenario, replication: int) -> pd.DataFrame:
    """The measures of one replication by week and locality (a pure, picklable function)."""
    log = run_replication(scenario, replication)
    view = LogView(log)
    periods = calendar_periods(scenario, "week")
    edges = periods.edges
    groups: dict[tuple[str, str], np.ndarray] = {}
    localities = [(-1, ALL), *enumerate(view.localities)]
    pt = log.patients
    entered = pt["prevented"] == 0
    for code, stream in enumerate(scenario.demand):
        for loc, name in localities:
            chosen = entered & (pt["stream"] == code) & ((pt["locality"] == loc) | (loc < 0))
            groups[(f"arrivals:{stream}", name)] = periods.count(pt["arrival_time"][chosen])
    acute = scenario.reporting.acute
    if acute:
        starts = view.mask(acute, Event.START)
        for loc, name in localities:
            rows = starts if loc < 0 else starts & (view.locality == loc)
            groups[("admissions", name)] = periods.count(view.time[rows])
    for service, spec in scenario.services.items():
        if isinstance(spec, CapacitatedService):
            for loc, name in localities:
                groups[(f"occupancy:{service}", name)] = \
                    view.occupancy(service, loc).mean_between(edges)
    if acute:
        pairs = view.pairs(acute, Event.READY, Event.LEAVE)
        ends = pairs.end_or(log.horizon)
        where = pt["locality"][pairs.patient]
        for loc, name in localities:
            chosen = where == loc if loc >= 0 else np.ones(len(where), dtype=bool)
            groups[("delayed_discharges", name)] = \
                open_intervals(pairs.start[chosen], ends[chosen]).mean_between(edges)
    table = _weekly(groups, periods.labels)
    table.insert(0, "replication", replication)
    return table


@dataclass(frozen=True)
class Backtest:
    scenario: Scenario
    weeks: pd.DataFrame  # week, measure, locality, observed, sim_mean, band_low, band_high, inside
    levels: pd.DataFrame  # measure, locality, level_low, level_high, observed_level, level_inside
    threshold: float
    service_threshold: float
    wall_seconds: float = 0.0  # the replications' and the comparison's

    @property
    def _tested(self) -> pd.DataFrame:
        return self.weeks[self.weeks["measure"].map(lambda m: tested(m, self.scenario))]

    @property
    def tested_share(self) -> float:
        """Share of all weekly occupancy observations of wards and caseloads inside the band."""
        return float(self._tested["inside"].mean())

    def tested_shares(self) -> pd.Series:
        """Per ward and caseload occupancy measure, the share of its weekly observations (all
        localities) inside the band."""
        return self._tested.groupby("measure", sort=False)["inside"].mean()

    @property
    def passed(self) -> bool:
        """Weekly shares at their thresholds, and no tested level outside its band."""
        levels = self.levels_outside()
        return self.tested_share >= self.threshold and \
            bool((self.tested_shares() >= self.service_threshold).all()) and \
            not levels["tested"].any()

    def summary(self) -> pd.DataFrame:
        """Per measure and locality: weeks, share inside the band, MAPE and bias (%), and
        whether the observed mean over the period lies in the replications' 99% band of it."""
        rows = []
        for (measure, locality), g in self.weeks.groupby(["measure", "locality"], sort=False):
            seen = g["observed"] > 0
            error = g["sim_mean"] - g["observed"]
            rows.append({
                "measure": measure, "locality": locality, "weeks": len(g),
                "inside_band_share": g["inside"].mean(),
                "observed_mean": g["observed"].mean(), "sim_mean": g["sim_mean"].mean(),
                "mape_pct": 100 * (error[seen].abs() / g["observed"][seen]).mean(),
                "bias_pct": 100 * error.sum() / g["observed"].sum() if g["observed"].sum()
                else np.nan,
                "tested": tested(str(measure), self.scenario)})
        levels = self.levels[["measure", "locality", "level_low", "level_high", "level_inside"]]
        return pd.DataFrame(rows).merge(levels, on=["measure", "locality"], how="left")

    def levels_outside(self) -> pd.DataFrame:
        """The measures (all localities together) whose observed level over the period is
        outside the band of the replications' levels: a bias the weekly share can miss."""
        summary = self.summary()
        return summary[(summary["locality"] == ALL) & ~summary["level_inside"].astype(bool)]

    def published_weeks(self) -> pd.DataFrame:
        """The weekly table as it may leave the analyst's machine: observed counts of 1-4
        patients blanked and flagged."""
        out = self.weeks.copy()
        counted = out["measure"].str.startswith(COUNTED)
        hide = counted & out["observed"].map(small)
        out["observed_suppressed"] = hide
        out.loc[hide, "observed"] = np.nan
        return out


def run_backtest(scenario: Scenario, episodes: Episodes, threshold: float = DEFAULT_THRESHOLD,
                 service_threshold: float = DEFAULT_SERVICE_THRESHOLD, **settings: Any
                 ) -> Backtest:
    """Run ``scenario`` (already set over the extract's period) and compare it with the
    extract; ``settings`` go to ``sim.runner.map_replications`` (executor, jobs, cache...)."""
    started = time.perf_counter()
    tasks = [(scenario, r) for r in range(scenario.time.replications)]
    runs = pd.concat(map_replications(simulated_weeks, tasks, desc=f"{scenario.name} backtest",
                                      **settings), ignore_index=True)
    keys = ["week", "measure", "locality"]
    observed = observed_weeks(episodes, scenario).rename(columns={"value": "observed"})
    weeks = observed.merge(_bands(runs, keys, BAND), on=keys)
    weeks["inside"] = _inside(weeks["observed"], weeks)
    # the whole period's level: each replication's mean over the weeks
    per_run = runs.groupby(["replication", "measure", "locality"], sort=False)["value"].mean()
    levels = _bands(per_run.reset_index(), ["measure", "locality"], LEVEL_BAND)
    levels = levels.merge(observed.groupby(["measure", "locality"], sort=False)["observed"]
                          .mean().rename("observed_level").reset_index())
    levels["level_inside"] = _inside(levels["observed_level"], levels)
    levels = levels.rename(columns={"band_low": "level_low", "band_high": "level_high"})
    return Backtest(scenario, weeks, levels.drop(columns="sim_mean"), threshold,
                    service_threshold, time.perf_counter() - started)


def _bands(runs: pd.DataFrame, keys: list[str], level: float) -> pd.DataFrame:
    """Per group of ``keys``: the replications' mean and the prediction band at ``level``."""
    grouped = runs.groupby(keys, sort=False)["value"]
    sim = pd.DataFrame({"sim_mean": grouped.mean(), "sd": grouped.std(ddof=1).fillna(0),
                        "n": grouped.size()}).reset_index()
    t = stats.t.ppf(0.5 + level / 2, np.maximum(sim["n"] - 1, 1))
    half = t * sim["sd"] * np.sqrt(1 + 1 / sim["n"])
    sim["band_low"] = (sim["sim_mean"] - half).clip(lower=0)
    sim["band_high"] = sim["sim_mean"] + half
    return sim.drop(columns=["sd", "n"])


def _inside(observed: pd.Series, bands: pd.DataFrame) -> pd.Series:
    tolerance = 1e-9  # an observed 0 inside a band that is exactly 0
    return (observed >= bands["band_low"] - tolerance) & \
        (observed <= bands["band_high"] + tolerance)
