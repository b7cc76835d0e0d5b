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
