"""Time-weighted statistics of step functions built from +1/-1 changes in the event log."""

from __future__ import annotations

import numpy as np


class StepSeries:
    """A piecewise-constant level (occupancy, queue) that starts at 0.

    ``times`` are the change times (sorted) and ``deltas`` the change at each.
    """

    def __init__(self, times: np.ndarray, deltas: np.ndarray):
        self.times = np.asarray(times, dtype=float)
        self.levels = np.cumsum(deltas, dtype=float)  # level from times[i] to times[i + 1]
        widths = np.diff(self.times)
        self._area = np.concatenate([[0.0], np.cumsum(self.levels[:-1] * widths)])

    def area_until(self, x: np.ndarray) -> np.ndarray:
        """Integral of the level from 0 to each ``x`` (level x days)."""
        x = np.asarray(x, dtype=float)
        k = np.searchsorted(self.times, x, side="right") - 1
        inside = k >= 0
        kk = np.where(inside, k, 0)
        area = self._area[kk] + self.levels[kk] * (x - self.times[kk]) if len(self.times) else 0
        return np.where(inside, area, 0.0)

    def mean_between(self, edges: np.ndarray) -> np.ndarray:
        """Time-weighted mean level in each interval between consecutive ``edges``."""
        edges = np.asarray(edges, dtype=float)
        return np.diff(self.area_until(edges)) / np.diff(edges)

    def level_durations(self, start: float, end: float) -> tuple[np.ndarray, np.ndarray]:
        """The distinct levels taken in [start, end) and the time spent at each (days)."""
        bounds = np.concatenate([[start], np.clip(self.times, start, end), [end]])
        levels = np.concatenate([[0.0], self.levels])
        widths = np.diff(bounds)
        values, inverse = np.unique(levels, return_inverse=True)
        return values, np.bincount(inverse, weights=widths, minlength=len(values))

    def quantile(self, q: float, start: float, end: float) -> float:
        """Level not exceeded for a fraction ``q`` of the time in [start, end)."""
        values, durations = self.level_durations(start, end)
        cumulative = np.cumsum(durations) / durations.sum()
        return float(values[np.searchsorted(cumulative, q - 1e-12)])
