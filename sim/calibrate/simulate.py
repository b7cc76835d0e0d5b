"""The simulator as history matching sees it: the scenario at points of the box, run through
the usual executors and cache, reduced in each worker to its metrics table (no event logs,
daily or weekly tables cross processes), then to figure values."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np
import pandas as pd

from sim.cache import ResultCache
from sim.calibrate.space import CalibrationSpace
from sim.config import Scenario
from sim.executors import Executor
from sim.figures import FigureSet, figure_values
from sim.runner import map_replications, simulate


def replication_metrics(scenario: Scenario, replication: int) -> pd.DataFrame:
    """One replication's metrics table (replication, metric, locality, value); module-level
    so that it can be sent to worker processes, and cached under its own name."""
    return simulate(scenario, replication).metrics


@dataclass(frozen=True)
class ScenarioSimulator:
    """Runs the scenario of ``space`` at points of the unit cube (``sim.calibrate.history``'s
    ``Simulator``); every point gets the same replication numbers (common random numbers)."""

    space: CalibrationSpace
    figures: FigureSet
    executor: Executor
    cache: ResultCache | None
    progress: bool

    def __call__(self, unit_points: np.ndarray, replications: Sequence[int],
                 desc: str) -> np.ndarray:
        scenarios = [self.space.scenario_at(self.space.from_unit(u)) for u in unit_points]
        tasks = [(s, r) for s in scenarios for r in replications]
        tables = map_replications(replication_metrics, tasks, self.executor, cache=self.cache,
                                  progress=self.progress, desc=desc)
        reps = len(replications)
        values = [figure_values(self.figures, tables[i * reps:(i + 1) * reps], scenario)
                  for i, scenario in enumerate(scenarios)]
        return np.stack(values)
