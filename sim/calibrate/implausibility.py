"""Implausibility (Craig et al. 1997; Vernon et al. 2010; Andrianakis et al. 2015): how many
standard deviations a figure lies from what the model gives at an input set,

    I_j(x) = |z_j - E[f_j(x)]| / sqrt(V_emulator + V_simulation + V_figure + V_discrepancy),

where z_j is the published value; V_emulator is the emulator's variance at x (or, for a point
simulated directly, the variance of its mean over the replications run); V_simulation the
variance of one replication about the model's mean (the world produced one year, as one
replication does), pooled over the design; V_figure ((half-width of the interval) / 2)^2,
the interval read as ~95%; V_discrepancy (share x z_j)^2, what the model's structure may miss.
An input set is ruled out when the largest I over the figures exceeds the cut-off, or with
10 or more figures the second largest (one figure may be mis-specified without ruling out
the whole space).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.figures import FigureSet

CUTOFF = 3.0  # Pukelsheim's three-sigma rule: 95% of any unimodal distribution lies within 3 sd
SECOND_LARGEST_FROM = 10  # figures from which the second-largest I is used


@dataclass(frozen=True)
class Targets:
    """The figures as the implausibility uses them: values and variances, per figure."""

    ids: tuple[str, ...]
    value: np.ndarray
    figure_variance: np.ndarray
    discrepancy_variance: np.ndarray

    @property
    def order(self) -> int:
        """1: the largest I decides; 2: the second largest."""
        return 2 if len(self.ids) >= SECOND_LARGEST_FROM else 1

    @property
    def rule(self) -> str:
        which = "second-largest" if self.order == 2 else "largest"
        return (f"ruled out when the {which} implausibility over the {len(self.ids)} figures "
                f"exceeds {CUTOFF:g}")

    def without_discrepancy(self) -> Targets:
        return Targets(self.ids, self.value, self.figure_variance,
                       np.zeros_like(self.discrepancy_variance))


def targets(figures: FigureSet, discrepancy: float) -> Targets:
    """The figures' values and variances; ``discrepancy`` is the model discrepancy's sd as a
    share of each figure's value (0.05: 5%)."""
    value = np.array([f.value for f in figures.figures])
    half = np.array([f.half_width for f in figures.figures])
    return Targets(tuple(figures.ids), value, (half / 2) ** 2, (discrepancy * value) ** 2)


def implausibility(mean: np.ndarray, mean_variance: np.ndarray,
                   simulation_variance: np.ndarray, targets: Targets) -> np.ndarray:
    """I per point (rows) and figure (columns), from the model's mean at each point and its
    variance (emulator or replications), and the variance of one replication per figure.
    A figure the model gives no value at a point (NaN mean) counts as 0 there: it cannot
    rule the point out."""
    total = (mean_variance + simulation_variance + targets.figure_variance
             + targets.discrepancy_variance)
    return np.nan_to_num(np.abs(targets.value - mean) / np.sqrt(total), nan=0.0)


def deciding(values: np.ndarray, order: int) -> np.ndarray:
    """The largest (order 1) or second-largest (order 2) I of each row."""
    if values.shape[1] < order:
        return values.max(axis=1)
    return -np.partition(-values, order - 1, axis=1)[:, order - 1]


def largest_two(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The largest and second-largest I of each row (the second NaN with one figure)."""
    ordered = -np.sort(-values, axis=1)
    second = ordered[:, 1] if values.shape[1] > 1 else np.full(len(values), np.nan)
    return ordered[:, 0], second


def ruled_out(values: np.ndarray, order: int) -> np.ndarray:
    return deciding(values, order) > CUTOFF
