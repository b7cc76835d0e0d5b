"""Cost metrics of one replication, from its daily occupancy and the scenario's unit costs.

For each priced service and each locality (its residents, as the daily table splits every
service) and ``all``:

- ``cost:<service>``: GBP = unit-days occupied in the results period x GBP per unit-day (a
  team's staff time: busy staff-days x 24 x GBP per staff hour);
- ``cost_total``: the sum over the priced services;
- ``delayed_discharge_cost``: ``delayed_discharge_bed_days`` x GBP per delayed bed-day,
  apart from the total (those bed-days are acute bed-days already).

Unit-days are the sum of each day's time-weighted mean occupancy over the days of the results
period (``daily.csv``), so they equal ``occupancy_mean:<service>`` x ``run_days``.
"""

from __future__ import annotations

import pandas as pd

from sim.config.schema import Scenario

COLUMNS = ["metric", "locality", "value"]


def cost_metrics(scenario: Scenario, daily: pd.DataFrame,
                 metrics: pd.DataFrame) -> pd.DataFrame:
    """Cost rows (metric, locality, value) of one replication; empty without ``costs``.

    ``daily`` is the replication's daily table, ``metrics`` its other metrics (for the
    delayed bed-days)."""
    costs = scenario.costs
    if costs is None:
        return pd.DataFrame(columns=COLUMNS)
    prices = costs.priced_services()
    used = daily[daily["service"].isin(list(prices))]
    unit_days = used.groupby(["service", "locality"], sort=False)["occupancy"].sum()
    per_service = unit_days * unit_days.index.get_level_values("service").map(prices).to_numpy()
    rows = [(f"cost:{service}", locality, float(value))
            for (service, locality), value in per_service.items()]
    total = per_service.groupby(level="locality", sort=False).sum()
    rows += [("cost_total", locality, float(value)) for locality, value in total.items()]
    if costs.delayed_bed_day is not None:
        delayed = metrics[metrics["metric"] == "delayed_discharge_bed_days"]
        gbp = costs.delayed_bed_day.gbp
        rows += [("delayed_discharge_cost", str(locality), value * gbp) for locality, value
                 in zip(delayed["locality"], delayed["value"].to_numpy(dtype=float))]
    return pd.DataFrame(rows, columns=COLUMNS)
