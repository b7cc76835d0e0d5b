"""Standard plots: daily occupancy with a band across replications, admissions by locality,
metrics across a sweep."""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from sim.analysis.metrics import ALL
from sim.config.capacity import unit_capacities
from sim.config.schema import CapacitatedService, Scenario


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
    spec = scenario.services[service]
    if isinstance(spec, CapacitatedService):
        capacities = list(unit_capacities(scenario, spec).values())
        if all(c is not None for c in capacities):
            ax.axhline(sum(capacities), color="black", linestyle="--", label="capacity")  # type: ignore[arg-type]
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
        save(occupancy_band(daily, scenario, service).figure, folder / f"occupancy_{service}.png")
    if (summary["metric"] == "emergency_admissions_per_1000").any():
        save(admissions_by_locality(summary).figure, folder / "admissions_by_locality.png")


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
        ax.set_xlabel(field)
        ax.set_ylabel(metric)
        if others:
            ax.legend(fontsize="small")
    fig.suptitle(f"{metric}: mean and 95% interval at each grid point")
    fig.tight_layout()
    return fig


def _as_tuple(key: object) -> tuple[object, ...]:
    return key if isinstance(key, tuple) else (key,)


def save(fig: Figure, path: Path) -> None:
    """Write ``fig`` as a PNG and free it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110, bbox_inches="tight")
    plt.close(fig)
