"""Across replications: means with 95% t-intervals, and paired differences between scenarios."""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.analysis.intervals import bounded_interval, t_interval
from sim.analysis.metrics import PARAMETER
from sim.analysis.registry import metric_info


def metric_interval(metric: str, values: np.ndarray,
                    days: float | None = None) -> tuple[float, float, float]:
    """Mean and 95% interval of one metric's replication values, kept inside the metric's
    possible range (``sim.analysis.intervals``, bounds from ``sim.analysis.registry``);
    ``days``: the length of the period, the most a count of days can be."""
    low, high = metric_info(metric).bounds(days)
    try:
        return bounded_interval(values, low, high)
    except ValueError as error:
        raise ValueError(f"metric {metric}: {error}; the registry (sim/analysis/catalogue.py) "
                         f"gives its range as [{low}, {high}]") from error


def summarise(replications: pd.DataFrame, run_days: float | None = None) -> pd.DataFrame:
    """``replications`` (replication, metric, locality, value) -> one row per metric and
    locality: mean, ci_low, ci_high (95%, inside the metric's possible range, counts of days
    at most ``run_days``), n_reps."""
    rows = []
    for (metric, locality), group in replications.groupby(["metric", "locality"], sort=False):
        mean, low, high = metric_interval(str(metric), group["value"].to_numpy(), run_days)
        rows.append((metric, locality, mean, low, high, int(group["value"].notna().sum())))
    return pd.DataFrame(rows, columns=["metric", "locality", "mean", "ci_low", "ci_high",
                                       "n_reps"])


def compare(a: pd.DataFrame, b: pd.DataFrame, by: tuple[str, ...] = ()) -> pd.DataFrame:
    """Paired differences B - A per metric and locality (and per ``by`` columns, e.g. the
    period columns of weekly tables), matching replication numbers.

    Both runs must use the same seed so that replication r saw the same random numbers.
    Metrics that only one scenario produces (e.g. a service only B has) are left out.
    """
    reps_a, reps_b = set(a["replication"]), set(b["replication"])
    if reps_a != reps_b:
        raise ValueError(f"runs to compare must have the same replications: {sorted(reps_a)} "
                         f"vs {sorted(reps_b)}")
    keys = [*by, "metric", "locality"]
    joined = _joined(a, b, keys)
    rows = []
    for key, group in joined.groupby(keys, sort=False):
        a_mean = float(group["value_a"].mean())
        b_mean = float(group["value_b"].mean())
        diff, low, high = t_interval(group["diff"].to_numpy())
        rows.append((*key, a_mean, b_mean, diff, low, high))
    return pd.DataFrame(rows, columns=[*keys, "a_mean", "b_mean", "diff_mean", "diff_ci_low",
                                       "diff_ci_high"])


def _joined(a: pd.DataFrame, b: pd.DataFrame,
            keys: list[str] | None = None) -> pd.DataFrame:
    keys = ["replication", *(keys or ["metric", "locality"])]
    joined = a[keys + ["value"]].merge(b[keys + ["value"]], on=keys, suffixes=("_a", "_b"))
    joined["diff"] = joined["value_b"] - joined["value_a"]
    return joined


def paired_differences(a: pd.DataFrame, b: pd.DataFrame) -> pd.DataFrame:
    """Replication-by-replication differences B - A (replication, metric, locality, value),
    with the rows of drawn parameter values (B's, else A's) kept as they are, so the
    spread of a difference can be traced to the parameters (sim.analysis.uncertainty)."""
    diffs = _joined(a, b)
    diffs = diffs[~diffs["metric"].str.startswith(PARAMETER)]
    drawn = b if b["metric"].str.startswith(PARAMETER).any() else a  # whichever drew them
    parameters = drawn[drawn["metric"].str.startswith(PARAMETER)]
    return pd.concat([diffs[["replication", "metric", "locality", "diff"]]
                      .rename(columns={"diff": "value"}), parameters], ignore_index=True)
