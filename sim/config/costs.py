"""Unit costs of a scenario (the optional ``costs:`` section), in pounds at one price year.

Every unit cost carries its source; a cost not taken from a published table says
``estimate`` in its source. The costs price the capacity the model's patients *use*:

- ``per_occupied_day``: GBP per unit occupied for a day at a ward, caseload or delay service
  (an acute or IC bed-day, a home IC caseload slot-day);
- ``per_staff_hour``: GBP per hour of a team's staff time with patients (travelling,
  treating, handing off), as PSSRU prices community staff per hour of patient-related work,
  which already spreads the time not spent with patients;
- ``delayed_bed_day``: GBP per acute bed-day of a patient ready to leave. It is reported on
  its own (``delayed_discharge_cost``) and not added to the total, because those bed-days
  are already acute bed-days.

Care home weeks are not priced: a care home placement ends the modelled journey (an exit),
so the model does not follow its length.

    costs:
      price_year: 2022/23
      per_occupied_day:
        acute: {gbp: 346, source: "BNSSG IPACS model inputs 2022 (M)"}
      per_staff_hour:
        ucr: {gbp: 60, source: "estimate (L)"}
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, StringConstraints

from sim.config.base import Frozen

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
DAY_HOURS = 24.0


class UnitCost(Frozen):
    gbp: float = Field(ge=0, description="pounds per unit (day or hour), at the price year")
    source: Text = Field(description="where the figure comes from, with its year, or "
                                     "'estimate'")


class Costs(Frozen):
    price_year: Text = Field(description="the year the pounds are in, e.g. 2022/23")
    per_occupied_day: dict[str, UnitCost] = Field(
        default_factory=dict, description="ward, caseload or delay service -> GBP per unit-day")
    per_staff_hour: dict[str, UnitCost] = Field(
        default_factory=dict, description="team service -> GBP per staff hour with patients")
    delayed_bed_day: UnitCost | None = Field(
        None, description="GBP per delayed acute bed-day, reported apart from the total")

    def priced_services(self) -> dict[str, float]:
        """Service -> GBP per unit occupied for one day (a staff-day is 24 staff-hours)."""
        return {**{name: cost.gbp for name, cost in self.per_occupied_day.items()},
                **{name: cost.gbp * DAY_HOURS for name, cost in self.per_staff_hour.items()}}


DAY_KINDS = ("ward", "caseload", "delay")


def cost_problems(costs: Costs | None, kinds: dict[str, str]) -> list[tuple[tuple[str, ...], str]]:
    """Problems of a ``costs`` section against the scenario's services (name -> kind), one
    (field path, message) per problem."""
    if costs is None:
        return []
    problems: list[tuple[tuple[str, ...], str]] = []
    for section, allowed in (("per_occupied_day", DAY_KINDS), ("per_staff_hour", ("team",))):
        for name in getattr(costs, section):
            field = ("costs", section, name)
            if name not in kinds:
                problems.append((field, f"no service named '{name}'; expected one of "
                                        f"{', '.join(n for n, k in kinds.items() if k in allowed)}"))
            elif kinds[name] not in allowed:
                problems.append((field, f"'{name}' is a {kinds[name]} service; expected a "
                                        f"{' or '.join(allowed)} service here"))
    return problems
