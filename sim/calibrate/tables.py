"""The tables a calibration writes (docs/calibration.md lists their columns)."""

from __future__ import annotations

import itertools
from typing import Callable

import numpy as np
import pandas as pd
from scipy import stats

from sim.calibrate.emulator import LENGTH_SCALE_BOUNDS
from sim.calibrate.history import Result
from sim.calibrate.implausibility import CUTOFF, largest_two, ruled_out
from sim.calibrate.space import CalibrationSpace
from sim.figures import FigureSet


def _inputs(space: CalibrationSpace, unit: np.ndarray) -> pd.DataFrame:
    """The calibrated fields, and their balance fields, at rows of the unit cube."""
    rows = [space.changes(values) for values in space.from_unit(unit)]
    return pd.DataFrame(rows, columns=list(dict.fromkeys([*space.names, *space.point])))


def _interval_met(figures: FigureSet, mean: np.ndarray) -> np.ndarray:
    low = np.array([f.interval[0] for f in figures.figures])
    high = np.array([f.interval[1] for f in figures.figures])
    return (mean >= low) & (mean <= high)


def design_table(result: Result, space: CalibrationSpace, figures: FigureSet) -> pd.DataFrame:
    """Every simulated design point: wave, inputs, each figure's mean and sd over the
    replications, the largest two implausibilities (simulated) and whether it is ruled out."""
    d = result.design
    values = result.point_implausibility(d.mean, d.variance, d.reps)
    first, second = largest_two(values)
    table = pd.concat([pd.DataFrame({"point": range(len(d.wave)), "wave": d.wave,
                                     "replications": d.reps}),
                       _inputs(space, d.unit)], axis=1)
    for j, fid in enumerate(figures.ids):
        table[fid] = d.mean[:, j]
        table[f"{fid}_sd"] = np.sqrt(d.variance[:, j])
    table["max_implausibility"] = first
    table["second_implausibility"] = second
    table["ruled_out"] = ruled_out(values, result.targets.order)
    return table


def ensemble_table(result: Result, space: CalibrationSpace, figures: FigureSet) -> pd.DataFrame:
    """One row per confirmed input set: inputs (and balance fields), each figure's mean over
    the confirming replications, the largest two implausibilities with the model
    discrepancy, and the largest without it."""
    n = len(result.ensemble_unit)
    reps = np.full(n, result.settings.confirm_reps)
    variance = result.ensemble_variance
    values = result.point_implausibility(result.ensemble_mean, variance, reps)
    first, second = largest_two(values)
    without, _ = largest_two(result.point_implausibility(
        result.ensemble_mean, variance, reps, result.targets.without_discrepancy()))
    table = pd.concat([pd.DataFrame({"member": range(n)}),
                       _inputs(space, result.ensemble_unit)], axis=1)
    for j, fid in enumerate(figures.ids):
        table[fid] = result.ensemble_mean[:, j]
    table["max_implausibility"] = first
    table["second_implausibility"] = second
    table["max_implausibility_no_discrepancy"] = without
    return table


def figures_table(result: Result, figures: FigureSet) -> pd.DataFrame:
    """Per figure: the published value and interval, the range of the simulated means over
    the first (prior) design and over the ensemble, and how many members meet it."""
    prior = result.design.mean[result.design.wave == 1]
    ensemble = result.ensemble_mean
    met = _interval_met(figures, ensemble) if len(ensemble) else np.zeros((0, len(figures)))
    rows = []
    for j, f in enumerate(figures.figures):
        rows.append({
            "figure": f.id, "label": f.label, "unit": f.unit, "value": f.value,
            "low": f.interval[0], "high": f.interval[1],
            "prior_min": _nan_or(np.nanmin, prior[:, j]),
            "prior_max": _nan_or(np.nanmax, prior[:, j]),
            "ensemble_min": _nan_or(np.nanmin, ensemble[:, j]),
            "ensemble_max": _nan_or(np.nanmax, ensemble[:, j]),
            "ensemble_met": int(met[:, j].sum()), "ensemble_size": len(ensemble),
            "structural_note": f.structural_note})
    return pd.DataFrame(rows)


def _nan_or(reduce: Callable[[np.ndarray], float], values: np.ndarray) -> float:
    """``reduce`` over the values that exist (NaN: the model gave none), else NaN."""
    values = values[np.isfinite(values)]
    return float(reduce(values)) if len(values) else np.nan


def conflicts_table(result: Result, figures: FigureSet) -> pd.DataFrame:
    """Figures, or pairs of figures, that no simulated input set meets (mean inside the
    interval), over every design point and every input set tried for the ensemble."""
    means = np.vstack([result.design.mean, result.tried_mean])
    met = _interval_met(figures, means)
    rows = []
    for j, fid in enumerate(figures.ids):
        if not met[:, j].any():
            rows.append({"figures": fid, "kind": "alone", "points_meeting_each": "0",
                         "points_meeting_together": 0, "points": len(means)})
    for a, b in itertools.combinations(range(len(figures)), 2):
        if met[:, a].any() and met[:, b].any() and not (met[:, a] & met[:, b]).any():
            rows.append({"figures": f"{figures.ids[a]} + {figures.ids[b]}", "kind": "pair",
                         "points_meeting_each": f"{met[:, a].sum()}; {met[:, b].sum()}",
                         "points_meeting_together": 0, "points": len(means)})
    return pd.DataFrame(rows, columns=["figures", "kind", "points_meeting_each",
                                       "points_meeting_together", "points"])


def constraints_table(result: Result, space: CalibrationSpace,
                      figures: FigureSet) -> pd.DataFrame:
    """Which inputs each figure constrains: the final emulator's length-scale (on the unit
    range; short = the figure moves strongly with the input) and the rank correlation of
    the input with the figure over the design points."""
    d = result.design
    rows = []
    for j, fid in enumerate(figures.ids):
        scales = result.emulators[-1][j].length_scales
        has = np.isfinite(d.mean[:, j])
        for i, name in enumerate(space.names):
            rho = stats.spearmanr(d.unit[has, i], d.mean[has, j]).statistic \
                if has.sum() > 2 and np.ptp(d.mean[has, j]) > 0 else np.nan
            rows.append({"figure": fid, "input": name, "length_scale": float(scales[i]),
                         "rank_correlation": float(rho)})
    table = pd.DataFrame(rows)
    # a length-scale at its lower bound is a degenerate fit, not a strong effect
    informative = (table["length_scale"] < 1.0) & \
        (table["length_scale"] > 1.5 * LENGTH_SCALE_BOUNDS[0])
    table["constrains"] = informative | (table["rank_correlation"].abs() > 0.3)
    return table


def ruled_out_table(result: Result, figures: FigureSet) -> pd.DataFrame:
    """Per figure, over the simulated design points: the share of points on which its own
    implausibility exceeds the cut-off, and the share it alone rules out (every other
    figure's within it); the largest first."""
    d = result.design
    values = result.point_implausibility(d.mean, d.variance, d.reps)
    over = values > CUTOFF
    alone = over & (over.sum(axis=1) == 1)[:, None]
    table = pd.DataFrame({"figure": figures.ids,
                          "points_over_cutoff_pct": 100 * over.mean(axis=0),
                          "points_it_alone_rules_out_pct": 100 * alone.mean(axis=0),
                          "min_implausibility": values.min(axis=0)})
    return table.sort_values("points_over_cutoff_pct", ascending=False, ignore_index=True)


def diagnostics_summary(result: Result) -> pd.DataFrame:
    """Per wave and figure: leave-out predictions within 3 sd, and their typical error."""
    g = result.diagnostics.assign(
        within=lambda t: t["standardised_error"].abs() <= CUTOFF,
        squared=lambda t: (t["observed"] - t["predicted"]) ** 2)
    summary = g.groupby(["wave", "figure"], sort=False).agg(
        points=("point", "size"), within_3sd_pct=("within", "mean"),
        rmse=("squared", "mean"), max_abs_standardised_error=(
            "standardised_error", lambda s: s.abs().max())).reset_index()
    summary["within_3sd_pct"] *= 100
    summary["rmse"] = np.sqrt(summary["rmse"])
    return summary


def best_member(table: pd.DataFrame) -> pd.Series:
    """The ensemble member with the lowest largest implausibility (from its simulation)."""
    return table.iloc[int(np.argmin(table["max_implausibility"].to_numpy()))]
