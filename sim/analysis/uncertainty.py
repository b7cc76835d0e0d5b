"""Which uncertain parameters drive the spread of results across replications.

With uncertain fields (``scenario.uncertain``), each replication draws its own parameter
values, so a metric's spread across replications mixes parameter and stochastic uncertainty.
For each metric and parameter this reports the share of the metric's variance across
replications explained by a straight-line relation with the parameter (squared Pearson
correlation, 0-1) and Spearman's rank correlation (direction, and monotone relations that
are not straight). Parameters are drawn independently, so the shares of different
parameters add up to roughly the share explained by all of them; what is left over is
stochastic noise (and interactions).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from sim.analysis.metrics import ALL, PARAMETER

MIN_REPLICATIONS_TO_RANK = 5  # fewer gives correlations too noisy to rank parameters by


def parameter_influence(metrics: pd.DataFrame) -> pd.DataFrame:
    """``metrics`` (replication, metric, locality, value) -> one row per metric and parameter,
    whole system: ``variance_share`` (0-1) and ``spearman`` (-1..1), largest share first.

    Empty when no parameter was uncertain or there are fewer than 5 replications.
    """
    wide = metrics[metrics["locality"] == ALL].pivot_table(
        index="replication", columns="metric", values="value", aggfunc="first")
    parameters = [c for c in wide.columns if c.startswith(PARAMETER)]
    columns = ["metric", "parameter", "variance_share", "spearman", "n_reps"]
    if not parameters or len(wide) < MIN_REPLICATIONS_TO_RANK:
        return pd.DataFrame(columns=columns)
    rows = []
    for metric in (c for c in wide.columns if not c.startswith(PARAMETER)):
        y = wide[metric].to_numpy(dtype=float)
        for parameter in parameters:
            x = wide[parameter].to_numpy(dtype=float)
            ok = ~(np.isnan(x) | np.isnan(y))
            if ok.sum() < MIN_REPLICATIONS_TO_RANK or np.ptp(y[ok]) == 0 or np.ptp(x[ok]) == 0:
                continue
            pearson = float(np.corrcoef(x[ok], y[ok])[0, 1])
            spearman = float(stats.spearmanr(x[ok], y[ok]).statistic)
            rows.append((metric, parameter.removeprefix(PARAMETER), pearson ** 2, spearman,
                         int(ok.sum())))
    table = pd.DataFrame(rows, columns=columns)
    return table.sort_values(["metric", "variance_share"], ascending=[True, False],
                             ignore_index=True)
