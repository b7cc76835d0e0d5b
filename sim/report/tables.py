"""Wide, labelled tables from a results folder's long CSVs, shared by the spreadsheet and the
HTML report. Every metric is shown by its registry label with its unit; the ``metric``
column keeps the name used in the CSVs, so a row can be traced back."""

from __future__ import annotations

from typing import Any

import pandas as pd

from sim.analysis.metrics import ALL
from sim.analysis.registry import label, metric_info, service_label

LOW, HIGH = "95% low", "95% high"


def localities(frame: pd.DataFrame) -> list[str]:
    """Localities in the order they appear, ``all`` first."""
    seen = list(dict.fromkeys(frame["locality"]))
    return [ALL, *[loc for loc in seen if loc != ALL]] if ALL in seen else seen


def _described(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with ``Metric`` (label) and ``Unit`` columns in front of ``metric``."""
    infos = [metric_info(m) for m in frame["metric"]]
    out = frame.copy()
    out.insert(0, "Unit", [i.unit for i in infos])
    out.insert(0, "Metric", [i.label for i in infos])
    return out


def summary_by_locality(summary: pd.DataFrame) -> pd.DataFrame:
    """One row per metric; for each locality its mean and 95% interval."""
    wide = summary.pivot_table(index="metric", columns="locality",
                               values=["mean", "ci_low", "ci_high"], sort=False,
                               dropna=False)
    columns: dict[str, pd.Series] = {}
    for loc in localities(summary):
        for stat, name in (("mean", "mean"), ("ci_low", LOW), ("ci_high", HIGH)):
            columns[f"{loc}: {name}"] = wide[(stat, loc)]
    out = pd.DataFrame(columns).reindex(list(dict.fromkeys(summary["metric"])))
    return _described(out.rename_axis("metric").reset_index())


def comparison_rows(comparison: pd.DataFrame, a: str, b: str) -> pd.DataFrame:
    """One row per metric and locality: A, B, B - A with its paired 95% interval."""
    out = comparison.rename(columns={
        "locality": "Locality", "a_mean": f"{a} (A)", "b_mean": f"{b} (B)",
        "diff_mean": "B - A", "diff_ci_low": f"B - A: {LOW}",
        "diff_ci_high": f"B - A: {HIGH}"})
    return _described(out)


def periods_wide(periods: pd.DataFrame, locality: str = ALL) -> pd.DataFrame:
    """Week-by-week (or month-by-month) table of one locality: one row per period, for each
    metric its mean and 95% interval."""
    out = _metrics_as_columns(periods[periods["locality"] == locality],
                              ["period", "period_start", "days"])
    return out.rename(columns={"period": "Period", "period_start": "Starts", "days": "Days"})


def _metrics_as_columns(rows: pd.DataFrame, index: list[str]) -> pd.DataFrame:
    """One row per ``index`` value; for each metric three labelled columns: mean and the ends
    of its 95% interval."""
    wide = rows.pivot_table(index=index, columns="metric", values=["mean", "ci_low", "ci_high"],
                            sort=False)
    missing = pd.Series(float("nan"), index=wide.index)  # no value anywhere (nobody gave up)
    columns: dict[str, pd.Series] = {}
    for metric in dict.fromkeys(rows["metric"]):
        head = label(metric)
        columns[f"{head}: mean"] = wide.get(("mean", metric), missing)
        columns[f"{head}: {LOW}"] = wide.get(("ci_low", metric), missing)
        columns[f"{head}: {HIGH}"] = wide.get(("ci_high", metric), missing)
    return pd.DataFrame(columns).reset_index()


def period_differences_wide(periods: pd.DataFrame) -> pd.DataFrame:
    """``weekly_comparison.csv`` (or monthly) as ``periods_wide``: per period, each metric's
    paired difference B - A and its 95% interval."""
    return periods_wide(periods.rename(columns={
        "diff_mean": "mean", "diff_ci_low": "ci_low", "diff_ci_high": "ci_high"}))


def capacity_by_month(capacity: pd.DataFrame) -> pd.DataFrame:
    """Capacity needed (pooled over replications) by service, unit and criterion, one column
    per period (``all`` = the whole results period, then each month)."""
    wide = capacity.pivot_table(index=["service", "locality", "criterion", "target_pct"],
                                columns="period", values="capacity", sort=False)
    periods = [ALL, *sorted(p for p in wide.columns if p != ALL)]
    out = wide[periods].reset_index()
    out.insert(0, "Service", [service_label(s) for s in out["service"]])
    out = out.rename(columns={"locality": "Unit", "criterion": "Criterion",
                              "target_pct": "Target (%)", ALL: "Whole period"})
    return out


def sweep_points(sweep: pd.DataFrame, fields: list[str], locality: str = ALL) -> pd.DataFrame:
    """One row per grid point: the varied fields' values, then each metric's mean and
    95% interval."""
    return _metrics_as_columns(sweep[sweep["locality"] == locality], fields)


def sweep_fields(sweep: pd.DataFrame) -> list[str]:
    """The varied fields of a sweep.csv: the columns before ``metric`` other than ``point``."""
    before = list(sweep.columns[: list(sweep.columns).index("metric")])
    return [c for c in before if c != "point"]


def unit_costs(scenario: dict[str, Any]) -> pd.DataFrame | None:
    """The scenario's unit costs, one row per priced item; None when it has none."""
    costs = scenario.get("costs")
    if not costs:
        return None
    rows = [(service_label(name), "occupied day", c["gbp"], c["source"])
            for name, c in costs.get("per_occupied_day", {}).items()]
    rows += [(service_label(name), "staff hour with patients", c["gbp"], c["source"])
             for name, c in costs.get("per_staff_hour", {}).items()]
    if costs.get("delayed_bed_day"):
        c = costs["delayed_bed_day"]
        rows.append(("Acute (delayed discharge)", "delayed bed-day, not added to the total",
                     c["gbp"], c["source"]))
    return pd.DataFrame(rows, columns=["Service", "Priced per",
                                       f"GBP ({costs['price_year']} prices)", "Source"])


def assumptions(scenario: dict[str, Any]) -> pd.DataFrame:
    """The resolved scenario flattened to one row per field: dotted path and value."""
    rows: list[tuple[str, str]] = []

    def walk(value: Any, path: str) -> None:
        if isinstance(value, dict) and value:
            for key, inner in value.items():
                walk(inner, f"{path}.{key}" if path else str(key))
        else:
            rows.append((path, str(value)))

    walk(scenario, "")
    return pd.DataFrame(rows, columns=["Field", "Value"])
