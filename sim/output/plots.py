"""Standard plots: daily occupancy with a band across replications, admissions by locality,
week-by-week winter measures, metrics across a sweep."""

from __future__ import annotations

from pathlib import Path

import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from sim.analysis.metrics import ALL, OCCUPANCY_THRESHOLDS_PCT, core_capacity
from sim.analysis.registry import field_label, metric_info
from sim.analysis.registry import label as metric_label
from sim.analysis.winter import PEAK_METRIC, peak_week
from sim.config.schema import Scenario
from sim.output.paths import slug


def occupancy_band(daily: pd.DataFrame, scenario: Scenario, service: str,
                   ax: plt.Axes | None = None) -> plt.Axes:
    """Daily mean occupancy of ``service`` (all localities): mean across replications and
    the 5th-95th percentile band, with the capacity marked when it is finite."""
    ax = ax or plt.subplots(figsize=(9, 4))[1]
    rows = daily[(daily["service"] == service) & (daily["locality"] == ALL)]
    by_day = rows.groupby("date")["occupancy"]
    low, high, mean = by_day.quantile(0.05), by_day.quantile(0.95), by_day.mean()
    dates = pd.to_datetime(mean.index)
    ax.fill_between(dates, low.to_numpy(), high.to_numpy(), alpha=0.3,
                    label="5th-95th percentile across replications")
    ax.plot(dates, mean.to_numpy(), label="mean")
    capacity = core_capacity(scenario, service)
    if capacity is not None:
        ax.axhline(capacity, color="black", linestyle="--", label="capacity")
    ax.set_title(f"{service}: daily mean occupancy ({scenario.name})")
    ax.set_ylabel("units in use")
    ax.legend(loc="lower right")
    return ax


def admissions_by_locality(summary: pd.DataFrame, ax: plt.Axes | None = None) -> plt.Axes:
    """Emergency admissions per 1,000 residents a year by locality, with 95% intervals."""
    ax = ax or plt.subplots(figsize=(6, 4))[1]
    rows = summary[summary["metric"] == "emergency_admissions_per_1000"]
    err = [rows["mean"] - rows["ci_low"], rows["ci_high"] - rows["mean"]]
    ax.bar(rows["locality"], rows["mean"], yerr=err, capsize=4)
    ax.set_ylabel("emergency admissions per 1,000 a year")
    ax.set_title("Emergency admissions by locality (95% CI)")
    return ax


def write_standard_plots(daily: pd.DataFrame, summary: pd.DataFrame, scenario: Scenario,
                         folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    report = scenario.reporting
    for service in [s for s in (report.acute, *report.ic_beds, *report.ic_home) if s]:
        save(figure_of(occupancy_band(daily, scenario, service)),
             folder / f"occupancy_{slug(service)}.png")
    if (summary["metric"] == "emergency_admissions_per_1000").any():
        save(figure_of(admissions_by_locality(summary)), folder / "admissions_by_locality.png")


def figure_of(ax: Axes) -> Figure:
    """The figure that holds ``ax``."""
    figure = ax.get_figure(root=True)
    assert figure is not None, "an Axes made by subplots belongs to a figure"
    return figure


def weekly_plots(weekly: pd.DataFrame, scenario: Scenario) -> dict[str, Figure]:
    """Week by week (``weekly.csv``, all localities): acute occupancy against 92/95/100% of
    core beds, emergency admissions, delayed discharges by pathway and UCR reached within the
    target, each with its 95% interval across replications and the peak week shaded. File
    name -> figure; a figure is left out when its measure is not produced."""
    rows = weekly[weekly["locality"] == ALL]
    produced = set(rows["metric"])
    peak = peak_week(weekly)
    figures: dict[str, Figure] = {}

    def panel(title: str, ylabel: str) -> Axes:
        fig = Figure(figsize=(9, 4))  # no pyplot: faster, and nothing left open
        # fixed margins instead of a tight bounding box, which draws each figure twice
        fig.subplots_adjust(left=0.08, right=0.98, bottom=0.1, top=0.92)
        ax = fig.subplots()
        ax.set_title(f"{title} ({scenario.name})")
        ax.set_ylabel(ylabel)
        return ax

    def finish(ax: Axes, name: str) -> None:
        mark_surges(ax, {n: (str(s.start), str(s.end)) for n, s in scenario.surges.items()})
        if len(peak):
            start = pd.Timestamp(peak["period_start"])
            end = start + pd.Timedelta(days=float(peak["days"]))
            ax.axvspan(mdates.date2num(start), mdates.date2num(end), color="orange", alpha=0.2,
                       label=f"peak week {peak['period']}")
        locator = mdates.AutoDateLocator()
        ax.xaxis.set_major_locator(locator)
        ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
        ax.legend(fontsize="small", loc="best")
        figures[name] = figure_of(ax)

    occupancy = PEAK_METRIC if PEAK_METRIC in produced else "acute_occupancy_mean"
    if occupancy in produced:
        ax = panel("Acute occupancy by week", "% of core beds" if occupancy == PEAK_METRIC
                   else "beds occupied")
        _band(ax, rows, occupancy, "mean across replications")
        if occupancy == PEAK_METRIC:
            for level, style in zip(OCCUPANCY_THRESHOLDS_PCT, [":", "--", "-"]):
                ax.axhline(level, color="black", linestyle=style, linewidth=0.8,
                           label=f"{level}%")
        finish(ax, "weekly_acute_occupancy.png")
    if "emergency_admissions" in produced:
        ax = panel("Emergency admissions by week", "admissions")
        week = rows[rows["metric"] == "emergency_admissions"]
        low = week["ci_low"].clip(lower=0)
        ax.bar(_middles(week), week["mean"], width=week["days"].to_numpy() * 0.85,
               yerr=[week["mean"] - low, week["ci_high"] - week["mean"]],
               capsize=2, label="mean, 95% interval (partial weeks narrower)")
        finish(ax, "weekly_admissions.png")
    pathways = [m for m in dict.fromkeys(rows["metric"]) if m.startswith("delayed_discharges_mean_")]
    if pathways:
        ax = panel("Delayed discharges by week", "patients ready to leave, still in a bed")
        for metric in pathways:
            _band(ax, rows, metric, metric.removeprefix("delayed_discharges_mean_"), alpha=0.12)
        finish(ax, "weekly_delayed_discharges.png")
    if "ucr_within_target_pct" in produced:
        ax = panel("UCR referrals reached within the target, by week", "% of referrals")
        _band(ax, rows, "ucr_within_target_pct", "mean across replications", high=100)
        standard = metric_info("ucr_within_target_pct").target
        assert standard is not None  # the catalogue gives the national standard
        ax.axhline(standard, color="black", linestyle="--", linewidth=0.8,
                   label=f"national standard {standard:g}%")
        finish(ax, "weekly_ucr_2h.png")
    return figures


def mark_surges(ax: Axes, windows: dict[str, tuple[str, str]]) -> None:
    """Shade each surge's window (name -> first day, day it is over) on a date axis, within
    what is already drawn (call it after the data)."""
    low, high = ax.get_xlim()
    for name, (start, end) in windows.items():
        first, over = mdates.date2num(pd.Timestamp(start)), mdates.date2num(pd.Timestamp(end))
        if over > low and first < high:
            ax.axvspan(max(first, low), min(over, high), color="tab:purple", alpha=0.08,
                       label=f"{name.replace('_', ' ')} (surge window)")
    ax.set_xlim(low, high)


def _middles(rows: pd.DataFrame) -> pd.Series:
    """The middle of each period's days in the results period, for plotting against."""
    return pd.to_datetime(rows["period_start"]) + pd.to_timedelta(rows["days"] / 2, unit="D")


def _band(ax: Axes, rows: pd.DataFrame, metric: str, label: str, high: float | None = None,
          alpha: float = 0.25) -> None:
    """One metric's weekly means as a line, with its 95% interval as a band (drawn within
    0 and ``high``: with few replications a t-interval can pass what is possible)."""
    chosen = rows[rows["metric"] == metric]
    x = _middles(chosen)
    line = ax.plot(x, chosen["mean"], marker="o", markersize=3, label=label)[0]
    ax.fill_between(x, chosen["ci_low"].clip(0, high), chosen["ci_high"].clip(0, high),
                    alpha=alpha, color=line.get_color())


def write_weekly_plots(weekly: pd.DataFrame, scenario: Scenario, folder: Path) -> None:
    for name, figure in weekly_plots(weekly, scenario).items():
        save(figure, folder / name, tight=False)


def sweep_plot(summary: pd.DataFrame, fields: list[str], metric: str) -> Figure:
    """``metric`` (whole system, mean and 95% interval) against each varied field, one panel
    per field; with several fields, one line per combination of the others."""
    rows = summary[(summary["metric"] == metric) & (summary["locality"] == ALL)]
    fig = Figure(figsize=(5.5 * len(fields), 4))  # no pyplot: shown once in a notebook
    axes = fig.subplots(1, len(fields), squeeze=False)
    for ax, field in zip(axes[0], fields):
        others = [f for f in fields if f != field]
        groups = rows.groupby(others, sort=False) if others else [((), rows)]
        values = list(dict.fromkeys(rows[field]))  # grid order
        numeric = all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values)
        for key, group in groups:
            # numbers on a number line; anything else ("unlimited") as categories in grid order
            x = group[field] if numeric else group[field].map(values.index)
            order = np.argsort(x.to_numpy(dtype=float), kind="stable")
            group, x = group.iloc[order], x.iloc[order]
            label = ", ".join(f"{f}={v}" for f, v in zip(others, _as_tuple(key))) or None
            ax.errorbar(x, group["mean"], capsize=3, marker="o", label=label,
                        yerr=[group["mean"] - group["ci_low"], group["ci_high"] - group["mean"]])
        if not numeric:
            ax.set_xticks(range(len(values)), [str(v) for v in values])
        ax.set_xlabel(field_label(field))
        ax.set_ylabel(metric_label(metric))
        if numeric and all(float(v).is_integer() for v in values):
            ax.xaxis.get_major_locator().set_params(integer=True)
        if others:
            ax.legend(fontsize="small")
    fig.suptitle(f"{metric_info(metric).label}: mean and 95% interval at each grid point "
                 "(unpaired; report.html shows the paired differences)")
    fig.tight_layout()
    return fig


def _as_tuple(key: object) -> tuple[object, ...]:
    return key if isinstance(key, tuple) else (key,)


def save(fig: Figure, path: Path, tight: bool = True) -> None:
    """Write ``fig`` as a PNG and free it; ``tight``: trim the margins to what is drawn."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110, bbox_inches="tight" if tight else None)
    plt.close(fig)
