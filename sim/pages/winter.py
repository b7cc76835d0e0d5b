"""``winter.md`` of a run's results folder: the peak week, month by month, the whole results
period and escalation, in words and markdown tables (docs/winter.md)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from sim.analysis.metrics import ALL
from sim.analysis.registry import MONTH_BY_MONTH, PEAK_WEEK, WINTER_SUMMARY, label
from sim.analysis.winter import PEAK_METRIC, peak_week
from sim.config.schema import Scenario
from sim.pages.tables import markdown_table


def winter_report(scenario: Scenario, summary: pd.DataFrame, weekly: pd.DataFrame,
                  monthly: pd.DataFrame, episodes: pd.DataFrame) -> str:
    """``winter.md`` of a results folder: the peak week, month by month and the headline
    winter metrics (means across replications with 95% intervals), escalation episodes."""
    t = scenario.time
    reps = int(summary["n_reps"].max()) if len(summary) else 0
    last = t.start_date + dt.timedelta(days=float(np.ceil(t.run_days)) - 1)
    lines = [f"# Winter outputs: {scenario.name}", "",
             f"Results period {t.start_date} to {last} ({t.run_days:g} days), {reps} "
             "replications: means across replications, with 95% intervals in brackets. "
             "Definitions and files: docs/winter.md.", ""]
    peak = peak_week(weekly)
    if len(peak):
        measure = PEAK_METRIC if PEAK_METRIC in peak else "acute_occupancy_mean"
        unit = "% of core beds" if measure == PEAK_METRIC else " beds"
        lines += ["## Peak week", "",
                  f"{peak['period']} (from {peak['period_start']}, {peak['days']:g} days): acute "
                  f"occupancy {_number(peak[measure])}{unit} "
                  f"({_number(peak[measure + '_ci_low'])} to {_number(peak[measure + '_ci_high'])}).",
                  ""]
        shown = [m for m in [*PEAK_WEEK, *_escalation_metrics(weekly)] if m in peak]
        lines += [_table(["measure", "mean that week"],
                         [[label(m), _number(peak[m])] for m in shown]), ""]
    month_rows = monthly[monthly["locality"] == ALL]
    if len(month_rows):
        metrics = [m for m in [*MONTH_BY_MONTH, *_escalation_metrics(monthly)]
                   if m in set(month_rows["metric"]) and not m.startswith("escalation_units")]
        cells = {(str(period), str(metric)): _with_interval(mean, low, high)
                 for period, metric, mean, low, high in zip(
                     month_rows["period"], month_rows["metric"],
                     *month_rows[["mean", "ci_low", "ci_high"]].to_numpy(dtype=float).T)}
        days = month_rows.groupby("period", sort=False)["days"].first()
        lines += ["## Month by month", ""]
        lines += [_table(["month", "days", *map(label, metrics)],
                         [[str(period), f"{length:g}", *[cells[(str(period), m)] for m in metrics]]
                          for period, length in days.items()]), ""]
    overall = summary[(summary["locality"] == ALL) & summary["metric"].isin(WINTER_SUMMARY)]
    if len(overall):
        overall = overall.set_index("metric").reindex([m for m in WINTER_SUMMARY
                                                       if m in set(overall["metric"])])
        lines += ["## Whole results period (summary.csv)", ""]
        lines += [_table(["measure", "mean", "95% interval"],
                         [[label(str(m)), _number(r["mean"]),
                           f"{_number(r['ci_low'])} to {_number(r['ci_high'])}"]
                          for m, r in overall.iterrows()]), ""]
    if len(episodes):
        per_rep = episodes.groupby("replication")
        lines += ["## Escalation (escalation.csv)", "",
                  f"{len(episodes)} episodes in {per_rep.ngroups} of {reps} replications; mean "
                  f"{_number(episodes['hours_open'].mean())} hours open; "
                  f"{_number(episodes['patients_taken'].sum() / max(reps, 1))} patients taken "
                  "into escalation capacity per replication.", ""]
    return "\n".join(lines)


def _escalation_metrics(table: pd.DataFrame) -> list[str]:
    return [m for m in dict.fromkeys(table["metric"]) if m.startswith("escalation_")]


def _with_interval(mean: float, low: float, high: float) -> str:
    """``mean (low to high)``, or the mean alone when there is no interval."""
    if np.isnan(low):
        return _number(mean)
    return f"{_number(mean)} ({_number(low)} to {_number(high)})"


def _number(value: float) -> str:
    return "-" if pd.isna(value) else f"{value:,.1f}"


def _table(header: list[str], rows: list[list[str]]) -> str:
    return markdown_table(pd.DataFrame(rows, columns=header))
