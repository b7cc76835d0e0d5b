"""One recommended capacity per service, unit and period, from the criteria of capacity.csv.

In the model no service turns patients away: a patient who finds every unit busy waits (in
ED for a bed, at home for UCR or a home IC slot, in an acute bed for IC). So the criterion
for services where patients *wait* applies, and so does the planning rule on mean occupancy
(92% acute, 85% others): the recommendation is the smaller capacity that meets **both**,
that is the larger of ``all_busy_queue`` and ``mean_occupancy``, and the criterion it came
from is the one that binds. ``all_busy`` (patients lost when full) understates for services
where patients wait, and ``percentile`` (enough units for that share of the time) says
nothing about how long patients wait; both stay in capacity.csv for reference.
"""

from __future__ import annotations

import pandas as pd

RULES = ("all_busy_queue", "mean_occupancy")  # both must hold; the larger capacity binds
COLUMNS = ["service", "locality", "period", "days", "recommended", "criterion", "reason",
           "current_capacity", "change", "occupancy_mean"]


def recommended_capacity(capacity: pd.DataFrame) -> pd.DataFrame:
    """``capacity.csv`` rows -> one row per service, unit and period: the recommended
    capacity, the binding criterion, why, today's capacity and the change from it."""
    rows = []
    chosen = capacity[capacity["criterion"].isin(RULES)]
    for (service, unit, period), group in chosen.groupby(["service", "locality", "period"],
                                                          sort=False):
        by = {record["criterion"]: record for record in group.to_dict("records")}
        # ties go to the waiting criterion: the one that speaks of patients
        criterion = max(RULES, key=lambda c: (by[c]["capacity"], c == RULES[0]))
        row = by[criterion]
        needed = int(row["capacity"])
        other = [c for c in RULES if c != criterion][0]
        rows.append((service, unit, period, row["days"], needed, criterion,
                     _reason(criterion, float(row["target_pct"]), int(by[other]["capacity"]),
                             other, float(by[other]["target_pct"])),
                     row["current_capacity"], needed - row["current_capacity"],
                     row["occupancy_mean"]))
    return pd.DataFrame(rows, columns=COLUMNS)


def _reason(criterion: str, target: float, other_capacity: int, other: str,
            other_target: float) -> str:
    says = {
        "all_busy_queue": "at most {t:g}% of patients find every unit busy and wait",
        "mean_occupancy": "mean occupancy at most {t:g}% (planning rule)",
    }
    return (f"{says[criterion].format(t=target)}; this binds, since "
            f"{says[other].format(t=other_target)} needs only {other_capacity}")
