"""The ``calibration:`` block: the range over which ``python -m sim calibrate`` searches each
uncertain input (docs/calibration.md).

```yaml
calibration:
  services.ucr.duration.mean: {low: 2.5, high: 5.5}
  services.ucr.routes.conveyed.probability:
    low: 0.12
    high: 0.35
    balance: services.ucr.routes.managed_at_home.probability
```

Plain runs use the scenario's point values and ignore this block; ``uncertain:`` keeps its
own meaning (a fresh draw in every replication), and a field is one or the other. A share
that must keep a set of probabilities summing to one names a ``balance`` field, which moves
by the opposite amount (with several entries balanced by one field, by the sum of theirs).

Checked when the scenario is read: low < high. Checked when a calibration is set up
(``sim.calibrate.space``, with ``sim.config.calibration_checks``): each field exists and holds
a number, each end is within what the schema allows, and the scenario is valid at every corner
of the box. Plain runs ignore the block, so a layer that reshapes a calibrated field runs
without restating its base's ranges.
"""

from __future__ import annotations

from pydantic import Field, model_validator

from sim.config.base import Frozen


class CalibrationRange(Frozen):
    """The range searched for one field, in the field's own unit."""

    low: float
    high: float
    balance: str | None = Field(
        None, description="field moved by the opposite amount, so shares still sum to one")

    @model_validator(mode="after")
    def _ordered(self) -> CalibrationRange:
        if not self.low < self.high:
            raise ValueError(f"expected low < high, got low {self.low:g}, high {self.high:g}")
        return self
