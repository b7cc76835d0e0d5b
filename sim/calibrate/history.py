"""History matching in waves (docs/calibration.md, "The calibrate command").

Wave 1 is a Latin hypercube over the box, ``points_per_input`` points per input, each run at
``reps`` replications with the same replication numbers (common random numbers). An emulator
per figure is fitted to every point simulated so far and checked by leave-out validation.
Each later wave samples many candidates from the box, keeps those no wave's emulators rule
out, runs a space-filling subset of them and refits. Finally the space not ruled out is
sampled, and input sets from it are confirmed by simulation on fresh replications: only those
whose simulated implausibility passes join the ensemble.
"""

from __future__ import annotations

import math
import time
import warnings
from dataclasses import dataclass
from typing import Protocol, Sequence

import numpy as np
import pandas as pd
from scipy.stats import qmc

from sim.calibrate.emulator import Emulator, cross_validate, fit_emulator
from sim.calibrate.implausibility import Targets, implausibility, ruled_out

CANDIDATES = 20_000  # candidates sampled per wave: the space not ruled out is read from them
CONFIRM_BATCHES = 3  # batches of input sets confirmed before giving up on the ensemble size
OVERSAMPLE = 1.3  # input sets tried per ensemble member wanted (some fail confirmation)
MIN_POINTS = 5  # design points with a value that an emulator is fitted to, at least


class Simulator(Protocol):
    def __call__(self, unit_points: np.ndarray, replications: Sequence[int],
                 desc: str) -> np.ndarray:
        """Figure values, shape (points, replications, figures), of the model at rows of
        [0, 1]^k, each point run at the replication numbers given."""
        ...


@dataclass(frozen=True)
class Settings:
    seed: int
    waves: int = 2
    points_per_input: int = 10
    reps: int = 3
    ensemble_size: int = 50
    confirm_reps: int = 5
    candidates: int = CANDIDATES


@dataclass
class Design:
    """Every simulated point: unit coordinates, wave, and per figure the mean and the
    sample variance over its replications."""

    unit: np.ndarray
    wave: np.ndarray
    mean: np.ndarray
    variance: np.ndarray
    reps: np.ndarray

    def add(self, unit: np.ndarray, wave: int, values: np.ndarray) -> None:
        n, reps = values.shape[:2]
        mean, variance = mean_and_variance(values)
        self.unit = np.vstack([self.unit, unit])
        self.wave = np.concatenate([self.wave, np.full(n, wave)])
        self.mean = np.vstack([self.mean, mean])
        self.variance = np.vstack([self.variance, variance])
        self.reps = np.concatenate([self.reps, np.full(n, reps)])


def mean_and_variance(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per point and figure, the mean and sample variance over the replications (axis 1) of
    the values that exist: a metric with nothing to measure in a replication (no patient
    waited) is NaN there. NaN mean when no replication has a value; variance 0 with one."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN slices: NaN is the answer
        mean = np.nanmean(values, axis=1)
        variance = np.nanvar(values, axis=1, ddof=1) if values.shape[1] > 1 else 0 * mean
    return mean, np.nan_to_num(variance, nan=0.0)


@dataclass
class Result:
    """What a calibration found; ``status`` is "ensemble" or "ruled_out"."""

    settings: Settings
    targets: Targets
    design: Design
    simulation_variance: np.ndarray  # one replication's variance per figure, pooled
    emulators: list[list[Emulator]]  # per wave, per figure
    diagnostics: pd.DataFrame  # wave, figure, point, observed, predicted, sd, standardised_error
    counts: list[dict[str, float | str]]  # per wave: points, replications, share kept ...
    # input sets simulated for the ensemble (unit cube), their means and variances over the
    # confirming replications, and which passed; the ensemble is those that passed
    tried_unit: np.ndarray
    tried_mean: np.ndarray
    tried_variance: np.ndarray
    tried_confirmed: np.ndarray
    status: str = "ensemble"
    not_ruled_out_share: float = math.nan  # of the box, by the final emulators
    not_ruled_out_share_no_discrepancy: float = math.nan
    simulate_seconds: float = 0.0
    emulate_seconds: float = 0.0

    def point_implausibility(self, mean: np.ndarray, variance: np.ndarray,
                             reps: np.ndarray, targets: Targets | None = None) -> np.ndarray:
        """I of simulated points from their means (variance of each mean: sample variance
        over its replications / their number)."""
        return implausibility(mean, variance / reps[:, None], self.simulation_variance,
                              targets or self.targets)

    @property
    def ensemble_unit(self) -> np.ndarray:
        return self.tried_unit[self.tried_confirmed]

    @property
    def ensemble_mean(self) -> np.ndarray:
        return self.tried_mean[self.tried_confirmed]

    @property
    def ensemble_variance(self) -> np.ndarray:
        return self.tried_variance[self.tried_confirmed]

    @property
    def confirm_replications(self) -> list[int]:
        """Fresh replication numbers, used by no design point."""
        s = self.settings
        return list(range(s.reps, s.reps + s.confirm_reps))


class HistoryMatch:
    """One calibration: ``run()`` returns its ``Result``."""

    def __init__(self, k: int, targets: Targets, settings: Settings, simulator: Simulator):
        self.k, self.targets, self.settings = k, targets, settings
        self.simulator = simulator
        self.seeds = np.random.SeedSequence(settings.seed)

    def _stream(self) -> np.random.SeedSequence:
        """The next seed of this calibration: the same sequence for the same seed."""
        return self.seeds.spawn(1)[0]

    def _lhs(self, n: int) -> np.ndarray:
        return qmc.LatinHypercube(d=self.k, rng=np.random.default_rng(self._stream())).random(n)

    def run(self) -> Result:
        s = self.settings
        m = len(self.targets.ids)
        design = Design(np.empty((0, self.k)), np.empty(0, int), np.empty((0, m)),
                        np.empty((0, m)), np.empty(0, int))
        result = Result(s, self.targets, design, np.zeros(m), [], pd.DataFrame(), [],
                        np.empty((0, self.k)), np.empty((0, m)), np.empty((0, m)),
                        np.empty(0, dtype=bool))
        wave_points = s.points_per_input * self.k
        for wave in range(1, s.waves + 1):
            if wave == 1:
                unit, kept_share = self._lhs(wave_points), 1.0
            else:
                candidates = self._lhs(s.candidates)
                kept = self.not_ruled_out(result, candidates)
                kept_share = float(kept.mean())
                if not kept.any():
                    result.counts.append({"wave": wave, "candidates_kept_pct": 0.0,
                                          "points": 0, "replications": 0,
                                          "points_ruled_out": 0})
                    result.status = "ruled_out"
                    return result
                unit = maximin(candidates[kept], wave_points, self._stream())
            started = time.perf_counter()
            values = self.simulator(unit, list(range(s.reps)), f"wave {wave}")
            result.simulate_seconds += time.perf_counter() - started
            design.add(unit, wave, values)
            result.simulation_variance = design.variance.mean(axis=0)  # NaN-free (add)
            self._fit(result, wave)
            simulated = result.point_implausibility(design.mean[design.wave == wave],
                                                    design.variance[design.wave == wave],
                                                    design.reps[design.wave == wave])
            result.counts.append({
                "wave": wave, "candidates_kept_pct": 100 * kept_share, "points": len(unit),
                "replications": len(unit) * s.reps,
                "points_ruled_out": int(ruled_out(simulated, self.targets.order).sum())})
        self._ensemble(result)
        return result

    def _fit(self, result: Result, wave: int) -> None:
        """Emulators of every figure on every point so far, with leave-out diagnostics."""
        started = time.perf_counter()
        design = result.design
        seed = int(self._stream().generate_state(1)[0])
        emulators, frames = [], []
        for j, figure in enumerate(self.targets.ids):
            has = np.isfinite(design.mean[:, j])  # points where the figure has a value
            if has.sum() < MIN_POINTS:
                raise ValueError(f"figure '{figure}': the model gives it a value at only "
                                 f"{has.sum()} of {len(has)} design points; an emulator needs "
                                 f"{MIN_POINTS}")
            previous = result.emulators[-1][j].gp.kernel_ if result.emulators else None
            emulator = fit_emulator(design.unit[has], design.mean[has, j], seed, previous)
            emulators.append(emulator)
            noise = design.variance[has, j] / design.reps[has]
            held = cross_validate(emulator, design.unit[has], design.mean[has, j], noise, seed)
            held["point"] = np.flatnonzero(has)[held["point"].to_numpy()]
            frames.append(held.assign(wave=wave, figure=figure))
        result.emulators.append(emulators)
        result.diagnostics = pd.concat([result.diagnostics, *frames], ignore_index=True)
        result.emulate_seconds += time.perf_counter() - started

    def _emulated(self, emulators: list[Emulator], unit: np.ndarray,
                  targets: Targets, simulation_variance: np.ndarray) -> np.ndarray:
        predictions = [e.predict(unit) for e in emulators]
        mean = np.column_stack([p[0] for p in predictions])
        variance = np.column_stack([p[1] for p in predictions])
        return implausibility(mean, variance, simulation_variance, targets)

    def not_ruled_out(self, result: Result, unit: np.ndarray,
                       targets: Targets | None = None) -> np.ndarray:
        """Rows of ``unit`` that no wave's emulators rule out."""
        targets = targets or self.targets
        kept = np.ones(len(unit), dtype=bool)
        for emulators in result.emulators:
            rows = np.flatnonzero(kept)
            values = self._emulated(emulators, unit[rows], targets, result.simulation_variance)
            kept[rows[ruled_out(values, targets.order)]] = False
        return kept

    def _ensemble(self, result: Result) -> None:
        """Sample the space not ruled out and confirm input sets from it by simulation."""
        s = self.settings
        candidates = self._lhs(s.candidates)
        started = time.perf_counter()
        kept = self.not_ruled_out(result, candidates)
        result.not_ruled_out_share = float(kept.mean())
        result.not_ruled_out_share_no_discrepancy = float(self.not_ruled_out(
            result, candidates, self.targets.without_discrepancy()).mean())
        result.emulate_seconds += time.perf_counter() - started
        pool = candidates[kept]
        tried: list[np.ndarray] = []
        means: list[np.ndarray] = []
        variances: list[np.ndarray] = []
        confirmed: list[np.ndarray] = []
        for batch in range(CONFIRM_BATCHES):
            wanted = s.ensemble_size - sum(int(c.sum()) for c in confirmed)
            if wanted <= 0 or len(pool) == 0:
                break
            unit = maximin(pool, math.ceil(wanted * OVERSAMPLE), self._stream())
            pool = pool[~_rows_in(pool, unit)]
            started = time.perf_counter()
            values = self.simulator(unit, result.confirm_replications,
                                    f"confirming, batch {batch + 1}")
            result.simulate_seconds += time.perf_counter() - started
            mean, variance = mean_and_variance(values)
            passed = ~ruled_out(result.point_implausibility(
                mean, variance, np.full(len(unit), values.shape[1])), self.targets.order)
            tried.append(unit)
            means.append(mean)
            variances.append(variance)
            confirmed.append(passed)
            result.counts.append({"wave": f"confirm {batch + 1}", "points": len(unit),
                                  "replications": len(unit) * values.shape[1],
                                  "candidates_kept_pct": 100 * result.not_ruled_out_share,
                                  "points_ruled_out": int((~passed).sum())})
        m = len(self.targets.ids)
        result.tried_unit = np.vstack(tried) if tried else np.empty((0, self.k))
        result.tried_mean = np.vstack(means) if means else np.empty((0, m))
        result.tried_variance = np.vstack(variances) if variances else np.empty((0, m))
        result.tried_confirmed = np.concatenate(confirmed) if confirmed else np.empty(0, bool)
        if not result.tried_confirmed.any():
            result.status = "ruled_out"


def _rows_in(pool: np.ndarray, chosen: np.ndarray) -> np.ndarray:
    """Rows of ``pool`` that are rows of ``chosen``."""
    chosen_rows = {row.tobytes() for row in chosen}
    return np.array([row.tobytes() in chosen_rows for row in pool], dtype=bool)


def maximin(pool: np.ndarray, n: int, seed: np.random.SeedSequence) -> np.ndarray:
    """``n`` rows of ``pool`` (all of them if fewer) spread out: greedily, each next row the
    one farthest from those already chosen, starting from a seeded random row."""
    if len(pool) <= n:
        return pool.copy()
    chosen = [int(np.random.default_rng(seed).integers(len(pool)))]
    distance = np.linalg.norm(pool - pool[chosen[0]], axis=1)
    for _ in range(n - 1):
        nxt = int(np.argmax(distance))
        chosen.append(nxt)
        distance = np.minimum(distance, np.linalg.norm(pool - pool[nxt], axis=1))
    return pool[chosen]

