"""Reducing per-patient or per-event values to a metric's rows: one per locality and ``all``."""

from __future__ import annotations

from typing import Callable

import numpy as np

from sim.analysis.logview import LogView

ALL = "all"
Row = tuple[str, str, float]  # (metric, locality, value)


class Grouper:
    """Reduces per-row values to per-locality and overall figures."""

    def __init__(self, view: LogView):
        self.names = view.localities
        scenario = view.scenario
        self.population = {name: loc.total_population
                           for name, loc in scenario.geography.localities.items()}
        self.population[ALL] = scenario.geography.population
        self.years = (view.end - view.start) / 365.0

    def reduce(self, metric: str, localities: np.ndarray, values: np.ndarray,
               how: Callable[[np.ndarray], float]) -> list[Row]:
        rows = [(metric, ALL, how(values))]
        for i, name in enumerate(self.names):
            rows.append((metric, name, how(values[localities == i])))
        return rows

    def count(self, metric: str, localities: np.ndarray) -> list[Row]:
        return self.reduce(metric, localities, np.ones(len(localities)), sum_of)

    def per_year(self, metric: str, counts: list[Row], per: int) -> list[Row]:
        """Counts over the results period as a rate a year per ``per`` residents (1,000 or
        100,000) of each locality and of all."""
        return [(metric, loc, value / self.population[loc] * per / self.years)
                for _, loc, value in counts]


def sum_of(values: np.ndarray) -> float:
    return float(values.sum())


def mean_of(values: np.ndarray) -> float:
    return float(values.mean()) if len(values) else float("nan")


def pct_of(values: np.ndarray) -> float:
    return 100.0 * mean_of(values)
