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

Checked here when the scenario is read: each field exists and holds a number, low < high. The
checks that need the scenario rebuilt at many values (each end within what the schema allows,
the scenario valid at every corner of the box) run before a calibration starts
(``sim.calibrate.space``), since they take a validation per corner.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pydantic import Field, model_validator

from sim.config.base import Frozen
from sim.config.problems import Problem
from sim.config.uncertainty import field_value

if TYPE_CHECKING:
    from sim.config.schema import Scenario


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


def _numeric(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def calibration_problems(scenario: Scenario) -> list[Problem]:
    """Each calibrated field (and balance field) exists and holds a number; a field is not
    both calibrated and uncertain, nor both calibrated and a balance."""
    if not scenario.calibration:
        return []
    data = scenario.model_dump(mode="json", exclude={"calibration", "uncertain"})
    problems = []
    for path, entry in scenario.calibration.items():
        where = ("calibration", path)
        for field, role in ((path, "field"), (entry.balance, "balance field")):
            if field is None:
                continue
            value = field_value(data, field)
            if value is None:
                problems.append(Problem(where, f"{role} {field}: no such field in the scenario "
                                               "(write the dotted path of a field that is set, "
                                               "e.g. services.ucr.duration.mean)"))
            elif not _numeric(value):
                problems.append(Problem(where, f"{role} {field}: expected a field holding a "
                                               f"number, found {type(value).__name__}"))
        if path in scenario.uncertain:
            problems.append(Problem(where, "the field is also uncertain: a field is either "
                                           "drawn in every replication (uncertain) or "
                                           "calibrated, not both"))
        if entry.balance in scenario.calibration:
            problems.append(Problem(where, f"balance field {entry.balance} is itself "
                                           "calibrated; balance with a field that is not"))
        current = field_value(data, path)
        if _numeric(current) and isinstance(current, int) and \
                not (entry.low.is_integer() and entry.high.is_integer()):
            problems.append(Problem(where, "the field holds a whole number; give whole-number "
                                           "low and high"))
    return problems
