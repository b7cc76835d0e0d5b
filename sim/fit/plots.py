"""Figures of a backtest: observed weeks against the simulated band."""

from __future__ import annotations

import matplotlib.pyplot as plt

from sim.analysis.metrics import ALL
from sim.fit.backtest import COUNTED, Backtest


def backtest_plot(result: Backtest, measure: str, locality: str = ALL) -> plt.Figure:
    """One measure week by week: the simulated 90% band and mean, and the observed values
    (weekly counts of 1-4 patients left out, as in weeks.csv)."""
    weeks = result.published_weeks()
    group = weeks[(weeks["measure"] == measure) & (weeks["locality"] == locality)]
    fig, ax = plt.subplots(figsize=(10.5, 3.6))
    x = list(range(len(group)))
    ax.fill_between(x, group["band_low"], group["band_high"], alpha=0.3,
                    label="simulated 90% band")
    ax.plot(x, group["sim_mean"], color="tab:blue", lw=1, label="simulated mean")
    ax.plot(x, group["observed"], "k.", label="observed")
    ax.set_xticks(x[::4], group["week"].iloc[::4], rotation=45, fontsize=7)
    ax.set_xlabel("ISO week")
    ax.set_ylabel("patients a week" if measure.startswith(COUNTED) else "mean patients")
    where = "" if locality == ALL else f", {locality}"
    ax.set_title(f"{measure}{where}: observed against {result.scenario.name}")
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    fig.tight_layout()
    return fig


def coverage_plot(result: Backtest) -> plt.Figure:
    """Share of weeks inside the simulated 90% band, by measure and locality, with the
    thresholds the tested measures (occupancy of wards and caseloads) must reach together and
    each on its own."""
    summary = result.summary()
    table = summary.pivot(index="measure", columns="locality", values="inside_band_share")
    table = table.loc[summary["measure"].unique(), summary["locality"].unique()]
    fig, ax = plt.subplots(figsize=(10.5, 0.35 * len(table) + 1.6))
    height = 0.8 / len(table.columns)
    for i, locality in enumerate(table.columns):
        ax.barh([y + i * height for y in range(len(table))], table[locality], height,
                label=locality)
    ax.set_yticks([y + 0.4 - height / 2 for y in range(len(table))], table.index, fontsize=8)
    ax.invert_yaxis()
    ax.axvline(result.threshold, color="k", ls="--", lw=1, label="threshold, all together")
    ax.axvline(result.service_threshold, color="tab:red", ls="--", lw=1,
               label="threshold, each service")
    ax.axvline(0.9, color="grey", ls=":", lw=1, label="expected (90%)")
    ax.set_xlim(0, 1)
    ax.set_xlabel("share of weeks inside the simulated 90% band")
    outside = [m.removeprefix("occupancy:") for m in
               result.levels_outside().query("tested")["measure"]]
    ax.set_title(f"Backtest of {result.scenario.name}: {'PASSED' if result.passed else 'FAILED'}"
                 + (f"; level outside its band: {', '.join(outside)}" if outside else ""))
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    fig.tight_layout()
    return fig
