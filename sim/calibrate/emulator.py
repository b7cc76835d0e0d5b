"""Gaussian-process emulators: one per figure, predicting the mean of the simulator's
replications at any point of the unit cube from the points simulated so far.

Each output is standardised before fitting (mean 0, sd 1) and the kernel is a constant times
an anisotropic Matern 5/2 plus a white-noise term, so the fitted length-scales say how
strongly each input moves the figure (short: strongly). The white term absorbs the noise of
the simulated means; the variance returned by ``predict`` is that of the emulated mean alone
(the white term taken off), the simulation noise being added separately in the
implausibility (``sim.calibrate.implausibility``).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.exceptions import ConvergenceWarning
from sklearn.gaussian_process import GaussianProcessRegressor
from sklearn.gaussian_process.kernels import ConstantKernel, Kernel, Matern, WhiteKernel
from threadpoolctl import threadpool_limits

RESTARTS = 1  # optimiser restarts: more rarely changes the fit, and each costs a full fit
# length-scales on the unit range: below 0.05 a design of ~10 points per input cannot tell
# the function from noise (a fit there is degenerate: spikes at the points, no emulator)
LENGTH_SCALE_BOUNDS = (0.05, 100.0)
FOLDS = 5


@dataclass(frozen=True)
class Emulator:
    """A fitted GP for one output; ``predict`` works in the output's own unit."""

    gp: GaussianProcessRegressor
    centre: float
    scale: float

    def predict(self, unit_points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Emulated mean and its variance (output unit squared) at rows of [0, 1]^k."""
        with threadpool_limits(limits=1, user_api="blas"):  # as fit_emulator
            mean, sd = self.gp.predict(np.atleast_2d(unit_points), return_std=True)
        noise = self.gp.kernel_.k2.noise_level
        variance = np.maximum(sd ** 2 - noise, 1e-12)
        return self.centre + self.scale * mean, self.scale ** 2 * variance

    @property
    def length_scales(self) -> np.ndarray:
        """Fitted length-scale of each input, on the unit cube."""
        return np.atleast_1d(self.gp.kernel_.k1.k2.length_scale)


def fit_emulator(unit_points: np.ndarray, values: np.ndarray, seed: int,
                 start: Kernel | None = None, optimise: bool = True) -> Emulator:
    """A GP fitted to ``values`` (one per row of ``unit_points``), seeded. With ``start`` (a
    kernel fitted before, e.g. by the previous wave) its hyperparameters are the first
    starting point of the optimisation (a later wave's optimum lies near the earlier one's,
    so it converges in a few steps), or, with ``optimise=False``, are kept."""
    k = unit_points.shape[1]
    centre = float(np.mean(values))
    scale = float(np.std(values)) or 1.0  # a constant output: any scale predicts it
    if start is None:
        start = (ConstantKernel(1.0, (1e-3, 1e3))
                 * Matern(length_scale=np.full(k, 0.5), length_scale_bounds=LENGTH_SCALE_BOUNDS,
                          nu=2.5)
                 + WhiteKernel(1e-2, (1e-8, 1.0)))
        gp = GaussianProcessRegressor(start, n_restarts_optimizer=RESTARTS, random_state=seed)
    elif optimise:
        gp = GaussianProcessRegressor(start, n_restarts_optimizer=RESTARTS, random_state=seed)
    else:
        gp = GaussianProcessRegressor(start, optimizer=None)
    # one BLAS thread: these matrices (hundreds of points) gain little from more, and on
    # cores shared with the simulation's workers more threads cost several times the CPU
    with warnings.catch_warnings(), threadpool_limits(limits=1, user_api="blas"):
        warnings.simplefilter("ignore", ConvergenceWarning)  # a length-scale at its bound:
        gp.fit(unit_points, (values - centre) / scale)  # an input with no effect
    return Emulator(gp, centre, scale)


def cross_validate(emulator: Emulator, unit_points: np.ndarray, values: np.ndarray,
                   noise_variance: np.ndarray, seed: int) -> pd.DataFrame:
    """Leave-out validation in ``FOLDS`` folds: each point predicted by an emulator fitted
    without its fold, with ``emulator``'s hyperparameters (fitted on every point; refitting
    them per fold costs a full optimisation each and rarely moves them). Columns: point,
    observed, predicted, sd, standardised_error, where the sd combines the emulator's
    variance and the noise of the observed mean (``noise_variance``, per point)."""
    n = len(values)
    folds = np.random.default_rng(seed).permutation(n) % min(FOLDS, n)
    rows = []
    for fold in range(min(FOLDS, n)):
        held = folds == fold
        without = fit_emulator(unit_points[~held], values[~held], seed, emulator.gp.kernel_,
                               optimise=False)
        mean, variance = without.predict(unit_points[held])
        sd = np.sqrt(variance + noise_variance[held])
        for point, observed, predicted, s in zip(np.flatnonzero(held), values[held], mean, sd):
            rows.append((int(point), float(observed), float(predicted), float(s),
                         float((observed - predicted) / s)))
    table = pd.DataFrame(rows, columns=["point", "observed", "predicted", "sd",
                                        "standardised_error"])
    return table.sort_values("point", ignore_index=True)
