"""Plots of capacity estimation: the occupancy distribution with the criteria marked."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from matplotlib.figure import Figure

from sim.analysis.metrics import ALL
from sim.capacity.criteria import POOLED
from sim.output.paths import slug

CRITERION_LABELS = {
    "all_busy": "all busy <= {target:g}% of arrivals (lost)",
    "all_busy_queue": "all busy <= {target:g}% of arrivals (wait)",
    "mean_occupancy": "mean occupancy <= {target:g}%",
    "percentile": "{target:g}th percentile",
}
CRITERION_STYLES = {"all_busy": "tab:red", "all_busy_queue": "tab:orange",
                    "mean_occupancy": "tab:green",
                    "percentile": "tab:purple"}


def occupancy_plot(distribution: pd.DataFrame, capacity: pd.DataFrame,
                   service: str) -> Figure:
    """One panel per unit of ``service`` (whole results period): fraction of time at each
    occupancy, with the capacity each criterion needs (pooled) and today's capacity."""
    dist = distribution[(distribution["service"] == service) & (distribution["period"] == ALL)]
    caps = capacity[(capacity["service"] == service) & (capacity["period"] == ALL)]
    unit_names = list(dict.fromkeys(dist["locality"]))
    # a bare Figure (no pyplot): no global state, no display needed
    fig = Figure(figsize=(11, 3.2 * len(unit_names)))
    axes = fig.subplots(len(unit_names), 1, squeeze=False)
    for ax, unit in zip(axes[:, 0], unit_names):
        rows = dist[dist["locality"] == unit]
        ax.bar(rows["occupancy"], rows["fraction_of_time"], width=1.0, color="tab:blue",
               alpha=0.6, label="fraction of time")
        # the whole service's distribution is marked with what one shared pool would need
        pooled = unit == ALL and (caps["locality"] == POOLED).any()
        unit_caps = caps[caps["locality"] == (POOLED if pooled else unit)]
        for row in unit_caps.to_dict("records"):
            label = CRITERION_LABELS[row["criterion"]].format(target=row["target_pct"])
            ax.axvline(row["capacity"], color=CRITERION_STYLES[row["criterion"]], linestyle="-",
                       label=f"{label}: {row['capacity']}")
        marks = list(unit_caps["capacity"])
        current = unit_caps["current_capacity"].iloc[0] if len(unit_caps) else float("nan")
        if current == current:  # not NaN: the scenario's capacity is finite
            ax.axvline(current, color="black", linestyle="--",
                       label=f"scenario capacity: {current:g}")
            marks.append(current)
        # show where the distribution has mass (0.1% tails cut) and every mark
        held = rows.loc[rows["fraction_of_time"].cumsum().between(0.001, 0.999), "occupancy"]
        low, high = min([*held, *marks], default=0), max([*held, *marks], default=1)
        margin = max(1.0, 0.05 * (high - low))
        ax.set_xlim(max(-0.5, low - margin), high + margin)
        ax.set_title(f"{service}, {unit}: occupancy with capacity unlimited"
                     + (" (criteria: one shared pool)" if pooled else ""))
        ax.set_xlabel("units in use (beds, slots or staff)")
        ax.set_ylabel("fraction of time")
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize="small")
    fig.tight_layout()
    return fig


def write_occupancy_plots(distribution: pd.DataFrame, capacity: pd.DataFrame,
                          folder: Path) -> None:
    """``occupancy_<service>.png`` for each service in ``distribution``."""
    folder.mkdir(parents=True, exist_ok=True)
    for service in dict.fromkeys(distribution["service"]):
        fig = occupancy_plot(distribution, capacity, service)
        fig.savefig(folder / f"occupancy_{slug(service)}.png", dpi=110, bbox_inches="tight")
