"""The calibration's pictures: a pairs plot of the space not ruled out, and the emulators'
leave-out predictions against the simulated values."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (the backend first: no display needed)
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from sim.calibrate.implausibility import CUTOFF  # noqa: E402


def short(name: str) -> str:
    """The last two parts of a dotted field path, for axis labels."""
    return ".".join(name.split(".")[-2:])


def pairs_plot(design: pd.DataFrame, ensemble: pd.DataFrame, inputs: list[str]) -> Figure:
    """Each pair of inputs: design points ruled out (grey), not ruled out (blue) and the
    confirmed ensemble (orange); each input's histogram of the ensemble on the diagonal."""
    k = len(inputs)
    size = min(1.6, 14 / k)
    fig, axes = plt.subplots(k, k, figsize=(size * k + 1, size * k + 1), squeeze=False)
    out = design[design["ruled_out"]]
    kept = design[~design["ruled_out"]]
    for row, y in enumerate(inputs):
        for col, x in enumerate(inputs):
            ax = axes[row][col]
            if row == col:
                ax.hist(ensemble[x] if len(ensemble) else kept[x], bins=10, color="tab:orange")
            else:
                ax.scatter(out[x], out[y], s=4, c="0.75", label="ruled out")
                ax.scatter(kept[x], kept[y], s=6, c="tab:blue", label="design, not ruled out")
                if len(ensemble):
                    ax.scatter(ensemble[x], ensemble[y], s=8, c="tab:orange",
                               label="ensemble (confirmed)")
            ax.tick_params(labelsize=6)
            if row == k - 1:
                ax.set_xlabel(short(x), fontsize=7)
            if col == 0:
                ax.set_ylabel(short(y), fontsize=7)
    handles, labels = axes[0][-1].get_legend_handles_labels() if k > 1 else ([], [])
    if handles:
        fig.legend(handles, labels, loc="upper right", fontsize=8)
    fig.tight_layout()
    return fig


def diagnostics_plot(diagnostics: pd.DataFrame) -> Figure:
    """Per figure (last wave): leave-out prediction against the simulated value, with
    +-3 sd bars; points off the diagonal by more than their bars are emulator failures."""
    last = diagnostics[diagnostics["wave"] == diagnostics["wave"].max()]
    figures = list(dict.fromkeys(last["figure"]))
    columns = min(3, len(figures))
    rows = -(-len(figures) // columns)
    fig, axes = plt.subplots(rows, columns, figsize=(4 * columns, 3.2 * rows), squeeze=False)
    for ax, figure in zip(axes.flat, figures):
        d = last[last["figure"] == figure]
        bad = d["standardised_error"].abs() > CUTOFF
        ax.errorbar(d["observed"], d["predicted"], yerr=CUTOFF * d["sd"], fmt="none",
                    ecolor="0.7", lw=0.8)
        ax.scatter(d["observed"], d["predicted"], s=8, c=np.where(bad, "tab:red", "tab:blue"))
        ends = [min(d["observed"].min(), d["predicted"].min()),
                max(d["observed"].max(), d["predicted"].max())]
        ax.plot(ends, ends, c="k", lw=0.7)
        ax.set_title(figure, fontsize=9)
        ax.set_xlabel("simulated", fontsize=8)
        ax.set_ylabel("emulator, held out", fontsize=8)
        ax.tick_params(labelsize=7)
    for ax in list(axes.flat)[len(figures):]:
        ax.set_visible(False)
    fig.tight_layout()
    return fig
