"""A figure's model value per replication, and whether the model meets each figure: its mean
over replications lies inside the figure's interval (issue 19)."""

from __future__ import annotations

from typing import Sequence

import numpy as np
import pandas as pd

from sim.analysis.intervals import t_interval
from sim.config.schema import Scenario
from sim.figures.load import FigureSet
from sim.figures.schema import Figure

ASSESS_COLUMNS = ["figure", "label", "unit", "model_mean", "model_ci_low", "model_ci_high",
                  "low", "high", "value", "met", "source"]


def at_locality(metrics: pd.DataFrame, locality: str) -> dict[str, float]:
    """One replication's metrics table (metric, locality, value) as {metric: value} at
    ``locality``."""
    rows = metrics[metrics["locality"] == locality]
    return dict(zip(rows["metric"].astype(str), rows["value"].astype(float)))


def figure_values(figures: FigureSet, replications: Sequence[pd.DataFrame],
                  scenario: Scenario) -> np.ndarray:
    """Model values, shape (replications, figures), from each replication's metrics table."""
    values = np.empty((len(replications), len(figures)))
    for i, metrics in enumerate(replications):
        by_locality: dict[str, dict[str, float]] = {}
        for j, figure in enumerate(figures.figures):
            if figure.locality not in by_locality:
                by_locality[figure.locality] = at_locality(metrics, figure.locality)
            values[i, j] = figure.model_value(by_locality[figure.locality], scenario)
    return values


def source_text(figure: Figure) -> str:
    source = figure.source
    return ", ".join(p for p in (source.publisher, source.title, str(source.year)) if p)


def assess(figures: FigureSet, per_replication_metrics: Sequence[pd.DataFrame],
           scenario: Scenario) -> pd.DataFrame:
    """One row per figure: the model's mean over the replications with its 95% interval, the
    published value and interval, and ``met`` (the mean inside the interval)."""
    values = figure_values(figures, per_replication_metrics, scenario)
    rows = []
    for j, figure in enumerate(figures.figures):
        mean, ci_low, ci_high = t_interval(values[:, j])
        low, high = figure.interval
        rows.append((figure.id, figure.label, figure.unit, mean, ci_low, ci_high, low, high,
                     figure.value, bool(low <= mean <= high), source_text(figure)))
    return pd.DataFrame(rows, columns=ASSESS_COLUMNS)
