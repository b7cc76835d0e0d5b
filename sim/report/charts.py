"""Charts of the report, drawn from a results folder's tables and inlined as PNG data URIs.

Every axis is labelled with the metric's registry label and unit, every band and bar says
what interval it is, and differences are paired (B - A, replication by replication).
"""

from __future__ import annotations

import base64
import io
import math

import matplotlib.dates as mdates
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from sim.analysis.intervals import t_interval
from sim.analysis.metrics import ALL
from sim.analysis.registry import field_label, label, metric_info, service_label
from sim.output.plots import mark_surges
from sim.report.tables import localities

COLUMNS = 2  # panels per row in small multiples


def data_uri(fig: Figure) -> str:
    """The figure as an inline ``data:image/png;base64`` URI (no file, no network)."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100, bbox_inches="tight")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def _panels(n: int, height: float = 2.6) -> tuple[Figure, list[Axes]]:
    rows = math.ceil(n / COLUMNS)
    fig = Figure(figsize=(10, height * rows))
    axes = fig.subplots(rows, COLUMNS, squeeze=False).ravel()
    for ax in axes[n:]:
        ax.set_visible(False)
    return fig, list(axes[:n])


def differences_by_locality(comparison: pd.DataFrame, metrics: list[str], a: str,
                            b: str) -> Figure:
    """For each metric, B - A by locality (``all`` first) with its paired 95% interval."""
    fig, axes = _panels(len(metrics))
    for ax, metric in zip(axes, metrics):
        rows = comparison[comparison["metric"] == metric].set_index("locality")
        order = [loc for loc in localities(rows.reset_index()) if loc in rows.index][::-1]
        rows = rows.loc[order]
        y = np.arange(len(rows))
        err = [rows["diff_mean"] - rows["diff_ci_low"], rows["diff_ci_high"] - rows["diff_mean"]]
        colours = ["#1f4e79" if loc == ALL else "#6c8ebf" for loc in rows.index]
        ax.errorbar(rows["diff_mean"], y, xerr=err, fmt="none", ecolor="#6c8ebf", capsize=3)
        ax.scatter(rows["diff_mean"], y, color=colours, zorder=3)
        ax.axvline(0, color="black", linewidth=0.8)
        ax.set_yticks(y, [("all (borough)" if loc == ALL else loc) for loc in rows.index])
        info = metric_info(metric)
        ax.set_title(info.label, fontsize=10)
        ax.set_xlabel(f"{b} - {a} ({info.unit})", fontsize=9)
    fig.suptitle("Paired difference B - A by locality: mean and 95% interval", fontsize=11)
    fig.tight_layout()
    return fig


def period_differences(periods: pd.DataFrame, metrics: list[str],
                       surges: dict[str, tuple[str, str]]) -> Figure:
    """``weekly_comparison.csv`` (or monthly): week-by-week B - A of the whole system with its paired 95%
    interval as a band; partial periods (fewer days) drawn hollow; ``surges`` (name -> first
    day, day over) shaded."""
    fig, axes = _panels(len(metrics), height=2.8)
    rows = periods[periods["locality"] == ALL]
    for ax, metric in zip(axes, metrics):
        chosen = rows[rows["metric"] == metric]
        x = pd.to_datetime(chosen["period_start"]) + pd.to_timedelta(chosen["days"] / 2,
                                                                        unit="D")
        ax.fill_between(x, chosen["diff_ci_low"], chosen["diff_ci_high"], alpha=0.3,
                        label="95% interval (paired)")
        full = chosen["days"] >= chosen["days"].max()
        mean = chosen["diff_mean"]
        ax.plot(x, mean, color="#1f4e79", label="mean difference")
        ax.scatter(x[full], mean[full], color="#1f4e79", s=12)
        ax.scatter(x[~full], mean[~full], facecolors="none", edgecolors="#1f4e79", s=16,
                   label="partial period")
        ax.axhline(0, color="black", linewidth=0.8)
        mark_surges(ax, surges)
        info = metric_info(metric)
        ax.set_title(info.label, fontsize=10)
        ax.set_ylabel(f"B - A ({info.unit})", fontsize=8)  # long names overlap: the caption has them
        locator = mdates.AutoDateLocator(minticks=2, maxticks=7)
        ax.xaxis.set_major_locator(locator)
        ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    if axes:
        axes[0].legend(fontsize="x-small", loc="best")
    fig.tight_layout()
    return fig


def capacity_needed(recommended: pd.DataFrame) -> Figure:
    """Recommended capacity against today's, per service and unit (whole period)."""
    rows = recommended[recommended["period"] == ALL]
    services = list(dict.fromkeys(rows["service"]))
    fig, axes = _panels(len(services), height=2.8)
    for ax, service in zip(axes, services):
        own = rows[rows["service"] == service]
        x = np.arange(len(own))
        ax.bar(x - 0.2, own["current_capacity"].fillna(0), width=0.4, color="#bbbbbb",
               label="today")
        ax.bar(x + 0.2, own["recommended"], width=0.4, color="#1f4e79", label="recommended")
        ax.set_xticks(x, list(own["locality"]))
        ax.set_title(service_label(service), fontsize=10)
        ax.set_ylabel("units (beds, slots or staff)", fontsize=8)
        ax.yaxis.set_major_locator(_integer_ticks())
    if axes:
        axes[0].legend(fontsize="x-small")
    fig.suptitle("Capacity recommended by service and unit, whole results period", fontsize=11)
    fig.tight_layout()
    return fig


def capacity_by_month(recommended: pd.DataFrame) -> Figure | None:
    """Recommended capacity month by month, one panel per service, one line per unit, with
    today's capacity dashed; None when the results period is within one month."""
    rows = recommended[recommended["period"] != ALL]
    if rows["period"].nunique() < 2:
        return None
    services = list(dict.fromkeys(rows["service"]))
    fig, axes = _panels(len(services), height=2.8)
    for ax, service in zip(axes, services):
        for unit, own in rows[rows["service"] == service].groupby("locality", sort=False):
            line = ax.plot(own["period"], own["recommended"], marker="o",
                           label=f"{unit}: recommended")[0]
            today = own["current_capacity"].iloc[0]
            if pd.notna(today):
                ax.axhline(today, color=line.get_color(), linestyle="--", linewidth=0.8,
                           label=f"{unit}: today")
        ax.set_title(service_label(service), fontsize=10)
        ax.set_ylabel("units", fontsize=8)
        ax.tick_params(axis="x", labelsize=8)
        ax.yaxis.set_major_locator(_integer_ticks())
        ax.legend(fontsize="xx-small", ncol=2)
    fig.suptitle("Capacity recommended month by month (months at either end may be partial)",
                 fontsize=11)
    fig.tight_layout()
    return fig


def sweep_against_base(replications: pd.DataFrame, points: pd.DataFrame, field: str,
                       metrics: list[str], base: int) -> Figure:
    """Each metric at every grid point as the ``base`` point plus the paired difference from
    it, with its paired 95% interval (the base point marked); a target line where the
    metric has one. Pairing removes the noise the points share, so the bars show what the
    grid changes."""
    fig, axes = _panels(len(metrics), height=2.8)
    reps = replications[replications["locality"] == ALL]
    values = list(points[field])
    numeric = all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values)
    x = np.array(values, dtype=float) if numeric else np.arange(len(values), dtype=float)
    for ax, metric in zip(axes, metrics):
        wide = reps[reps["metric"] == metric].pivot(index="replication", columns="point",
                                                    values="value")
        base_mean = float(wide[base].mean())
        means, lows, highs = [], [], []
        for point in points["point"]:
            diff, low, high = t_interval((wide[point] - wide[base]).to_numpy())
            if point == base:
                low = high = 0.0
            means.append(base_mean + diff)
            lows.append(base_mean + low)
            highs.append(base_mean + high)
        means_a = np.array(means)
        # the base point's mean plus a difference can pass what is possible: drawn within it
        low_end, high_end = metric_info(metric).bounds()
        lows_a = np.clip(lows, low_end, high_end)
        highs_a = np.clip(highs, low_end, high_end)
        ax.errorbar(x, means_a, yerr=[means_a - lows_a, highs_a - means_a],
                    marker="o", capsize=3, label="mean; 95% interval of the paired difference "
                                                 "from the base point")
        at_base = list(points["point"]).index(base)
        ax.scatter([x[at_base]], [means_a[at_base]], s=90, facecolors="none",
                   edgecolors="tab:red", zorder=4, label="base point")
        info = metric_info(metric)
        if info.target is not None:
            ax.axhline(info.target, color="tab:red", linestyle="--", linewidth=0.9,
                       label=f"target: {info.target_source}")
        ax.set_title(info.label, fontsize=10)
        ax.set_ylabel(info.unit, fontsize=8)
        ax.set_xlabel(field_label(field), fontsize=8)
        if numeric and all(float(v).is_integer() for v in values):
            ax.xaxis.set_major_locator(_integer_ticks())
        if not numeric:
            ax.set_xticks(x, [str(v) for v in values])
    if axes:
        axes[0].legend(fontsize="x-small")
    fig.tight_layout()
    return fig


def levels_by_locality(summary: pd.DataFrame, metrics: list[str]) -> Figure:
    """One scenario's metrics by locality with 95% intervals (a run's page of charts)."""
    fig, axes = _panels(len(metrics))
    for ax, metric in zip(axes, metrics):
        rows = summary[(summary["metric"] == metric) & (summary["locality"] != ALL)]
        y = np.arange(len(rows))
        ax.errorbar(rows["mean"], y, xerr=[rows["mean"] - rows["ci_low"],
                                           rows["ci_high"] - rows["mean"]],
                    fmt="o", capsize=3, color="#1f4e79")
        ax.set_yticks(y, list(rows["locality"]))
        ax.set_title(metric_info(metric).label, fontsize=10)
        ax.set_xlabel(label(metric), fontsize=8)
    fig.suptitle("By locality: mean and 95% interval", fontsize=11)
    fig.tight_layout()
    return fig


def _integer_ticks() -> MaxNLocator:
    """Matplotlib's default tick choice (``AutoLocator``) restricted to whole numbers."""
    return MaxNLocator(nbins="auto", steps=[1, 2, 2.5, 5, 10], integer=True)
