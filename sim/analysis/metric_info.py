"""What the registry knows of one metric (``sim.analysis.catalogue`` declares every one)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

Better = Literal["lower", "higher"] | None
# what values are possible: "count" [0, inf) (counts, sums, means, rates, occupancy as % of
# capacity, which escalation takes past 100); "share" [0, 100] (a % of a group of patients);
# "days" [0, days in the period]; "any" (no bounds: drawn values, unknown metrics)
Kind = Literal["count", "share", "days", "any"]
# which rows summary.csv has: each locality's residents and "all", or "all" only
Scope = Literal["locality", "all"]


@dataclass(frozen=True, kw_only=True)
class MetricInfo:
    """One metric, or a pattern of them: ``<family>:<service>`` (one per service),
    ``<metric>_<pathway>`` (one per discharge pathway tag) or ``<metric>_<age_band>`` (one
    per age band); ``{service}`` / ``{pathway}`` / ``{age_band}`` in the label are filled in
    on lookup (``sim.analysis.registry.metric_info``)."""

    label: str
    unit: str
    kind: Kind = "count"
    better: Better = None  # which direction a board would call an improvement
    target: float | None = None  # a published standard or planning rule, in the metric's unit
    target_source: str = ""
    scope: Scope = "locality"
    group: str = ""  # its table in docs/metrics.md; "" when only in weekly/monthly tables
    definition: str = ""  # how its value over a period is computed (markdown)
    reading: str = ""  # how to read it, what to compare it with (markdown)
    in_periods: bool = False  # also a row of weekly.csv / monthly.csv (sim.analysis.measures)
    computed_by: str = ""  # the function of sim.analysis computing it: "metrics._ucr"

    @property
    def low(self) -> float | None:
        """The lowest possible value (None: none)."""
        return None if self.kind == "any" else 0.0

    @property
    def high(self) -> float | None:
        """The highest possible value (None: none; for a count of days see ``bounds``)."""
        return 100.0 if self.kind == "share" else None

    def bounds(self, days: float | None = None) -> tuple[float | None, float | None]:
        """``(low, high)``; a count of days is at most the days the period touches (a last
        partial day counts as a day)."""
        return (self.low, math.ceil(days) if self.kind == "days" and days else self.high)

    def within(self, value: float, days: float | None = None) -> bool:
        """Whether ``value`` lies in the possible range (NaN counts as within: no value)."""
        low, high = self.bounds(days)
        if math.isnan(value):
            return True
        return (low is None or value >= low) and (high is None or value <= high)
