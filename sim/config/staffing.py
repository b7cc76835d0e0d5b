"""Staffing: rosters (staff on duty by hour and day of the week) and sickness absence.

```yaml
staffing:
  absence_pct: {ucr: 5, ic_home: 5}     # % of staff off sick on an average day
  rosters:
    ucr:
      bank_holidays_as: Sun             # bank holidays in England staffed as a Sunday
      shifts:
        - {days: [Mon, Tue, Wed, Thu, Fri], hours: [8, 20], staff: 4}
        - {days: [Sat, Sun], hours: [8, 20], staff: 3}
        - {days: [Mon, Tue, Wed, Thu, Fri, Sat, Sun], hours: [20, 8], staff: 1}  # overnight
```

A shift runs from its first hour (00:00 = 0) to its second on the days listed; a shift
whose end is not after its start runs past midnight into the next day. Staff of shifts that
overlap add up; at hours no shift covers the service is closed. ``staff`` is the total of
the service's units, split across them as its capacity is. Write the service's
``capacity`` as the most staff on duty at once: the roster is scaled so that its peak is the
capacity, so a sweep or capacity search that changes the capacity scales every shift.

A service organised in several units (locality teams) may instead give each unit its own
roster and absence, not split:

```yaml
staffing:
  absence_pct:
    ucr: {by_unit: {north: 6, central: 5, south: 4}}
  rosters:
    ucr:
      by_unit:                          # every unit of the service, each its own staff
        north: {shifts: [{days: [Mon, Tue, Wed, Thu, Fri, Sat, Sun], hours: [8, 20], staff: 2}]}
        central: ...
```

Each unit's roster is scaled so that its peak is that unit's capacity, as a service's
roster is scaled to the service's; the service gives ``capacity_by_unit`` (a total would be
split by population and rescale each team's roster to its share, silently).

At the end of a shift a patient in service is finished; new work waits for the next shift
(capacity falls, no-one is interrupted). Absence: each day, each of a unit's staff is off
with the day's absence probability (``absence_pct`` plus any surge's), independently, and
the unit's rostered staff that day are reduced in proportion.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Literal

import numpy as np
from pydantic import Field, model_validator

from sim.config.base import Frozen, Units, key_or_attr, tagged_union
from sim.config.profile import WEEKDAYS
from sim.config.surges import Percent

Weekday = Literal["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
Hour = Annotated[int, Field(ge=0, le=24)]


class Shift(Frozen):
    days: Annotated[list[Weekday], Field(min_length=1)]
    hours: Annotated[list[Hour], Field(min_length=2, max_length=2,
                                       description="[start, end] hours, 0-24")]
    staff: Units

    @model_validator(mode="after")
    def _hours(self) -> Shift:
        start, end = self.hours
        if start == 24:
            raise ValueError("a shift starts at an hour from 0 to 23")
        if (start, end) == (0, 0):
            raise ValueError("hours [0, 0]: write [0, 24] for a whole day")
        return self

    @property
    def covered(self) -> list[int]:
        """Hours from the start of the shift's first day that it covers (may pass 24)."""
        start, end = self.hours
        return list(range(start, end if end > start else end + 24))


class Roster(Frozen):
    shifts: Annotated[list[Shift], Field(min_length=1)]
    bank_holidays_as: Weekday | None = Field(
        "Sun", description="bank holidays are staffed as this day; none: as the weekday they are")

    @property
    def peak(self) -> int:
        """Most staff on duty at once in any week."""
        return int(self.weekly().max())

    def weekly(self) -> np.ndarray:
        """Staff on duty by [day of week, hour] over an ordinary week (no bank holidays)."""
        week = np.zeros((7, 24), dtype=int)
        for day in range(7):
            week[day] = self.day(WEEKDAYS[day], WEEKDAYS[(day - 1) % 7])
        return week

    def day(self, today: str, yesterday: str) -> np.ndarray:
        """Staff by hour of a day that is staffed as ``today``, after one staffed as
        ``yesterday`` (whose overnight shifts run into it)."""
        hours = np.zeros(24, dtype=int)
        for shift in self.shifts:
            for hour in shift.covered:
                if hour < 24 and today in shift.days:
                    hours[hour] += shift.staff
                elif hour >= 24 and yesterday in shift.days:
                    hours[hour - 24] += shift.staff
        return hours


class UnitRosters(Frozen):
    """A roster for each unit (locality team) of a service, each the unit's own staff."""

    by_unit: Annotated[dict[str, Roster], Field(min_length=1)] = Field(
        description="unit -> its roster, scaled so its peak is the unit's capacity")

    @model_validator(mode="before")
    @classmethod
    def _not_merged_with_a_service_roster(cls, data: object) -> object:
        if isinstance(data, dict) and "shifts" in data:
            raise ValueError(
                "both shifts (a roster for the whole service) and by_unit: a file that "
                "extends one with the other merges them; list this roster in the file's "
                "replace: [staffing.rosters.<service>] to set it in full")
        return data


class UnitAbsence(Frozen):
    """Sickness absence for each unit (locality team) of a service."""

    by_unit: Annotated[dict[str, Percent], Field(min_length=1)] = Field(
        description="unit -> % of its staff off on an average day")


if TYPE_CHECKING:  # what the tagged unions below hold, for a type checker
    ServiceRoster = Roster | UnitRosters
    ServiceAbsence = float | UnitAbsence
else:
    ServiceRoster = tagged_union(
        {"by_unit": UnitRosters, "whole": Roster},
        lambda value: "by_unit" if key_or_attr(value, "by_unit") is not None else "whole",
        "expected a roster {shifts: [...]}, or {by_unit: {unit: roster}}")
    ServiceAbsence = tagged_union(
        {"by_unit": UnitAbsence, "whole": Percent},
        lambda value: "by_unit" if isinstance(value, (dict, UnitAbsence)) else "whole",
        "expected a % from 0 to 100, or {by_unit: {unit: %}}")


class Staffing(Frozen):
    absence_pct: dict[str, ServiceAbsence] = Field(
        default_factory=dict, description="team or caseload -> % of staff off on an average "
                                          "day, for the service or {by_unit: {unit: %}}")
    rosters: dict[str, ServiceRoster] = Field(
        default_factory=dict, description="team or caseload -> staff on duty by hour and day, "
                                          "for the service or {by_unit: {unit: roster}}")

    def absence_of(self, service: str, unit: str) -> float:
        """% of the staff of ``service``'s ``unit`` off on an average day (0 if not given)."""
        absence = self.absence_pct.get(service, 0.0)
        return absence.by_unit[unit] if isinstance(absence, UnitAbsence) else absence
