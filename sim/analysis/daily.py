"""Day-by-day occupancy, queue and arrivals of every service, per locality and overall."""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.analysis.logview import LogView
from sim.analysis.metrics import ALL
from sim.analysis.periods import calendar_periods
from sim.engine.eventlog import Event
from sim.engine.model import ReplicationLog


def daily_table(log: ReplicationLog, view: LogView | None = None) -> pd.DataFrame:
    """One row per (day of the results period, service, locality) with time-weighted mean
    occupancy and queue, and arrivals (patients asking for the service that day); ``view``:
    a view of ``log`` already built, to share its caches."""
    view = view or LogView(log)
    periods = calendar_periods(log.scenario, "day")
    days, edges, dates = len(periods), periods.edges, periods.starts
    frames = []
    for name, spec in log.scenario.services.items():
        if spec.kind == "exit":
            continue
        queued = view.mask(name, Event.QUEUE)
        for i, locality in [(-1, ALL), *enumerate(view.localities)]:
            rows = queued if i < 0 else queued & (view.locality == i)
            arrivals, _ = np.histogram(view.time[rows], bins=edges)
            frames.append(pd.DataFrame({
                "date": dates,
                "day": np.arange(days),
                "service": name,
                "locality": locality,
                "occupancy": view.occupancy(name, i).mean_between(edges),
                "queue": view.queue(name, i).mean_between(edges),
                "arrivals": arrivals,
            }))
    table = pd.concat(frames, ignore_index=True)
    table.insert(0, "replication", log.replication)
    return table
