"""Plots of the validation report (bare matplotlib Figures: no pyplot state, no display)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from sim.capacity.criteria import blocking_probabilities
from sim.verify.analytic import LOAD, MG_INFINITY, pooled_fractions
from sim.verify.checks import ANALYTIC, PLAUSIBILITY
from sim.verify.queueing import erlang_b, poisson_pmf
from sim.verify.suite import SuiteResult

PASS_COLOUR, FAIL_COLOUR = "tab:blue", "tab:red"


def write_plots(result: SuiteResult, folder: Path) -> list[Path]:
    """Write every plot as PNG into ``folder``; return their paths."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, figure in (("analytic.png", deviations(result)),
                         ("occupancy.png", occupancy(result)),
                         ("plausibility.png", plausibility(result))):
        if figure is None:
            continue
        path = folder / name
        figure.savefig(path, dpi=110, bbox_inches="tight")
        written.append(path)
    return written


def deviations(result: SuiteResult) -> Figure | None:
    """Each interval check: (model - expected) / expected in %, with its interval, and the
    rejected alternative as a cross."""
    table = result.table()
    rows = table[(table["kind"] == ANALYTIC) & table["ci_low"].notna()
                 & (table["expected"] != 0)].reset_index(drop=True)
    if rows.empty:
        return None
    scale = 100 / rows["expected"]
    centre = (rows["model_mean"] - rows["expected"]) * scale
    low = (rows["ci_low"] - rows["expected"]) * scale
    high = (rows["ci_high"] - rows["expected"]) * scale
    alternative = (rows["alternative_value"] - rows["expected"]) * scale
    figure = Figure(figsize=(10, 0.32 * len(rows) + 1.5))
    ax = figure.subplots()
    y = np.arange(len(rows))[::-1]
    colours = [PASS_COLOUR if ok else FAIL_COLOUR for ok in rows["passed"]]
    ax.hlines(y, low, high, colors=colours, linewidth=2)
    ax.scatter(centre, y, color=colours, zorder=3, label="model mean and interval")
    ax.scatter(alternative, y, marker="x", color="grey", label="alternative (should be outside)")
    ax.axvline(0, color="black", linewidth=1)
    ax.set_yticks(y, [f"{g}: {c} | {p.split(';')[0].split(':')[0]}" for g, c, p in
                      zip(rows["group"], rows["check"], rows["parameters"])], fontsize=7)
    limit = float(np.nanmax(np.abs(np.concatenate([low, high]))) * 1.3)
    ax.set_xlim(-max(limit, 12), max(limit, 12))
    ax.set_xlabel("deviation from theory, % of the expected value")
    ax.legend(loc="lower right", fontsize=8)
    ax.set_title(f"Interval checks at {100 * result.confidence:.2f}% (Bonferroni)")
    return figure


def occupancy(result: SuiteResult) -> Figure | None:
    """Per unlimited-ward experiment: the pooled occupancy distribution against Poisson(a)
    (top), and B(n) from it against Erlang's loss formula (bottom)."""
    wards = [(e, ms) for e, ms in zip(result.experiments, result.measures)
             if any(c.group == MG_INFINITY for c in e.checks)]
    if not wards:
        return None
    figure = Figure(figsize=(4.2 * len(wards), 7))
    axes = figure.subplots(2, len(wards), squeeze=False)
    for column, (experiment, measures) in enumerate(wards):
        fractions = pooled_fractions(measures)
        k = np.arange(len(fractions))
        top, bottom = axes[0, column], axes[1, column]
        top.bar(k, fractions, color="lightsteelblue", label="model (pooled)")
        top.plot(k, poisson_pmf(LOAD, len(k)), "k.-", label=f"Poisson({LOAD:g})")
        top.set_title(experiment.name, fontsize=9)
        top.set_xlabel("beds in use")
        top.set_ylabel("fraction of time")
        top.legend(fontsize=8)
        n = np.arange(1, min(len(fractions), 25))
        bottom.semilogy(n, blocking_probabilities(fractions)[n], "o", color=PASS_COLOUR,
                        label="model: B(n) by truncation")
        bottom.semilogy(n, [erlang_b(LOAD, int(i)) for i in n], "k-", label="Erlang B")
        bottom.set_xlabel("beds n")
        bottom.set_ylabel("chance all n busy")
        bottom.legend(fontsize=8)
    figure.tight_layout()
    return figure


def plausibility(result: SuiteResult) -> Figure | None:
    """Each plausibility check as model / published with its 95% interval, over the
    accepted range (shaded)."""
    table = result.table()
    rows = table[table["kind"] == PLAUSIBILITY].reset_index(drop=True)
    if rows.empty:
        return None
    figure = Figure(figsize=(9, 0.4 * len(rows) + 1.5))
    ax = figure.subplots()
    y = np.arange(len(rows))[::-1]
    published = rows["expected"].to_numpy()
    for i, row in enumerate(rows.to_dict("records")):
        ax.fill_betweenx([y[i] - 0.35, y[i] + 0.35], row["accepted_low"] / published[i],
                         row["accepted_high"] / published[i], color="honeydew",
                         edgecolor="green")
    colours = ["green" if ok else "darkorange" for ok in rows["passed"]]
    ax.hlines(y, rows["ci_low"] / published, rows["ci_high"] / published, colors=colours)
    ax.scatter(rows["model_mean"] / published, y, color=colours, zorder=3)
    ax.axvline(1, color="black", linewidth=1)
    ax.set_xlim(0, 2)  # intervals of a few short replications can be very wide
    ax.set_yticks(y, rows["check"], fontsize=8)
    ax.set_xlabel("model / published figure (shaded: accepted range; bar: 95% interval)")
    ax.set_title("Baseline against published figures")
    return figure
