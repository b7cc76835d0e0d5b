"""Periods of the results period (days, ISO weeks, months, or the whole period as one) as
edges in simulated time, so that time-weighted measures can be taken over them with
``StepSeries.mean_between`` and every metric of ``sim.analysis.measures`` over any of them.

Simulated day ``warmup_days + d`` is the calendar date ``start_date + d``. The first and last
periods are clipped to the results period, so they may be partial (``days`` < 7 for a week).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from sim.config.schema import Scenario

Frequency = Literal["day", "week", "month", "results"]


@dataclass(frozen=True)
class Periods:
    """Consecutive periods covering the results period ``[edges[0], edges[-1])``."""

    frequency: Frequency
    edges: np.ndarray  # simulated days from the start of warm-up, one more than periods
    starts: list[dt.date]  # first date of each period inside the results period
    labels: list[str]  # "2025-11-03" (day), "2025-W45" (ISO week), "2025-11" (month), "results"

    def __len__(self) -> int:
        return len(self.starts)

    @property
    def days(self) -> np.ndarray:
        """Length of each period inside the results period (days; 7 for a full week)."""
        return np.diff(self.edges)

    def index_of(self, times: np.ndarray) -> np.ndarray:
        """The period holding each time (``[edge, next edge)``); -1 or ``len`` outside."""
        return np.searchsorted(self.edges, times, side="right") - 1

    def count(self, times: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
        """Number of ``times`` in each period (or the sum of their ``weights``)."""
        where = self.index_of(times)
        inside = (where >= 0) & (where < len(self))
        return np.bincount(where[inside], None if weights is None else weights[inside],
                           minlength=len(self)).astype(float)

    def frame(self) -> pd.DataFrame:
        """``period_start``, ``period`` (label) and ``days`` of each period."""
        return pd.DataFrame({"period_start": self.starts, "period": self.labels,
                             "days": self.days})


def results_period(scenario: Scenario) -> Periods:
    """The whole results period as one period (labelled ``results``)."""
    t = scenario.time
    edges = np.array([float(t.warmup_days), float(t.warmup_days + t.run_days)])
    return Periods("results", edges, [t.start_date], ["results"])


def calendar_periods(scenario: Scenario, frequency: Frequency) -> Periods:
    """The days, ISO weeks (Monday to Sunday) or calendar months of the results period."""
    t = scenario.time
    start, end = float(t.warmup_days), float(t.warmup_days + t.run_days)
    first = t.start_date
    bounds = [first]  # dates at which a period begins
    while (bounds[-1] - first).days < end - start:
        bounds.append(_next_start(bounds[-1], frequency))
    edges = np.array([start + (date - first).days for date in bounds], dtype=float)
    edges[-1] = min(edges[-1], end)
    starts = bounds[:-1]
    return Periods(frequency, edges, starts, [_label(date, frequency) for date in starts])


def _next_start(date: dt.date, frequency: Frequency) -> dt.date:
    if frequency == "day":
        return date + dt.timedelta(days=1)
    if frequency == "week":
        return date + dt.timedelta(days=7 - date.weekday())  # the next Monday
    return (date.replace(day=1) + dt.timedelta(days=32)).replace(day=1)


def _label(date: dt.date, frequency: Frequency) -> str:
    if frequency == "day":
        return date.isoformat()
    if frequency == "week":
        year, week, _ = date.isocalendar()
        return f"{year}-W{week:02d}"
    return date.strftime("%Y-%m")
