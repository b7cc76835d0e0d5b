"""Escalation capacity: extra beds, IC beds or home slots that open when a service is under
pressure and close, with hysteresis, once the pressure has eased.

```yaml
escalation:
  acute_escalation_beds:
    service: acute
    capacity: 20                # units opened (split across the service's units as its capacity)
    measure: occupancy_pct      # or queue (patients waiting)
    open_above: 95              # opens when the measure is above this at a check...
    close_below: 90             # ...and closes when it is below this one
    check_every_hours: 4
    months: [Nov, Dec, Jan, Feb, Mar]   # only available in these months (default: all year)
```

Occupancy is the share of the unit's core capacity (rostered, less absence and closures,
without escalation) in use, in %; the queue is patients waiting for the unit. Between the
two thresholds escalation stays as it is, so it does not open and close at every check.
When escalation closes, patients in escalation beds finish their stay; no-one new is
admitted until occupancy is back under the core capacity.

For a service organised in several units (locality teams), ``units: [north, south]`` opens
escalation at those units only (``capacity`` split across them as the service's capacity
is), and ``capacity_by_unit: {north: 2, south: 1}`` instead of ``capacity`` says how many
each unit opens (units not named open none).

Mutual aid between localities (``mutual_aid: true``, for a service organised in several
units): a unit above ``open_above`` borrows ``capacity`` units from the least pressed other
unit below ``close_below``, whose capacity falls by as much, and gives them back once its own
measure is below ``close_below``. With ``units``, only those units lend and borrow.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from sim.config.base import Frozen, NonNegative, Positive, Units
from sim.config.profile import MONTHS

Month = Literal["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


class Escalation(Frozen):
    service: str
    capacity: Annotated[int, Field(ge=1)] | None = Field(
        None, description="units opened, split across the escalating units as the service's "
                          "capacity; with mutual aid, units lent")
    capacity_by_unit: Annotated[dict[str, Units],
                                Field(min_length=1)] | None = Field(
        None, description="unit -> units it opens, instead of 'capacity'; units not named open none")
    units: Annotated[list[str], Field(min_length=1)] | None = Field(
        None, description="units that escalate (or lend and borrow); default all")
    measure: Literal["occupancy_pct", "queue"] = "occupancy_pct"
    open_above: NonNegative
    close_below: Positive = Field(description="above 0, or escalation could never close")
    check_every_hours: Annotated[int, Field(ge=1, le=24)] = Field(
        4, description="L: bed meetings and capacity calls several times a day")
    months: Annotated[list[Month], Field(min_length=1)] | None = Field(
        None, description="months it may be open; default all")
    mutual_aid: bool = Field(
        False, description="borrow 'capacity' units from the least pressed other unit of the "
                           "service (a locality team) instead of opening new ones")

    @model_validator(mode="after")
    def _capacity_given_once(self) -> Escalation:
        if (self.capacity is None) == (self.capacity_by_unit is None):
            raise ValueError("give exactly one of 'capacity' or 'capacity_by_unit'")
        if self.capacity_by_unit is not None and self.units is not None:
            raise ValueError("give 'units' with 'capacity', not with 'capacity_by_unit' "
                             "(whose keys are the units that escalate)")
        if self.capacity_by_unit is not None and self.mutual_aid:
            raise ValueError("mutual aid lends 'capacity' units; give 'capacity' (and 'units' "
                             "for the units taking part), not 'capacity_by_unit'")
        return self

    @model_validator(mode="after")
    def _hysteresis(self) -> Escalation:
        if self.close_below >= self.open_above:
            raise ValueError(f"close_below ({self.close_below}) must be below open_above "
                             f"({self.open_above}), or escalation would open and close at once")
        return self

    def open_in(self, month: int) -> bool:
        """May it be open in ``month`` (1 = January)?"""
        return self.months is None or MONTHS[month - 1] in self.months

    def covers(self, unit: str) -> bool:
        """Does ``unit`` of the service escalate (or take part in mutual aid)?"""
        if self.capacity_by_unit is not None:
            return unit in self.capacity_by_unit
        return self.units is None or unit in self.units
