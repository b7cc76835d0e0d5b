"""The ``census:`` block: the patients already in the system when the simulation starts.

A scenario without a census starts empty and needs a warm-up to fill. A census gives, for
each capacitated service (team, ward or caseload), the patients there at 00:00 on the first
simulated day (the start of warm-up; a census usually comes with a short warm-up or none):

- ``in_service``: receiving care, each holding a unit (a bed, a caseload slot, a clinician);
- ``ready``: delayed discharges, medically optimised and still holding a unit while they wait
  for the service a blocking route takes them to, counted by the pathway that route tags;
- ``waiting``: in the queue for the service, holding nothing of it;
- ``age_mix``: optionally, the share of the service's patients in each age band.

Each count is a total, split across localities in proportion to their population (largest
remainder), or a mapping of locality to count. How census counts become patients, with the
remaining stays they need, is ``sim.compile.census``; docs/census.md explains both. The
split by locality is ``sim.config.census_counts`` (it reads the scenario, which imports this).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

from pydantic import ConfigDict, Field, RootModel

from sim.config.base import Fraction, Frozen, tagged_union

CAPACITATED = ("team", "ward", "caseload")
STATES = ("in_service", "ready", "waiting")

# strict: 1.5 and true are not counts. At most MAX_CENSUS_COUNT in one place: each patient is
# a process created before the first event, and a million of them takes minutes and gigabytes.
MAX_CENSUS_COUNT = 100_000
Count = Annotated[int, Field(ge=0, le=MAX_CENSUS_COUNT, strict=True)]
if TYPE_CHECKING:  # what the tagged union holds, for a type checker
    Counts = int | dict[str, int]
else:
    Counts = tagged_union(
        {"total": Count, "by_locality": dict[str, Count]},
        lambda value: "by_locality" if isinstance(value, dict) else "total",
        "expected a whole number of at least 0, or a mapping of locality to such a number",
    )


class ServiceCensus(Frozen):
    """The patients of one service at the census; every count is a number of patients."""

    in_service: Counts = Field(0, description="receiving care, each holding a unit")
    ready: dict[str, Counts] = Field(
        default_factory=dict,
        description="pathway -> delayed discharges holding a unit, waiting for that pathway")
    waiting: Counts = Field(0, description="queueing for the service, holding nothing")
    age_mix: dict[str, Fraction] | None = Field(
        None, description="age band -> share of this service's census patients; "
                          "none: drawn from the demand that reaches the service")


class Census(RootModel[dict[str, ServiceCensus]]):
    """Service name -> its patients at the start of the simulation."""

    model_config = ConfigDict(frozen=True)

    def items(self) -> Any:
        return self.root.items()

    def get(self, service: str) -> ServiceCensus | None:
        return self.root.get(service)


def ready_routes(service: Any, pathway: str) -> list[str]:
    """Names of the blocking routes out of ``service`` that tag ``pathway``: a delayed
    discharge on that pathway waits for one of their targets."""
    return [name for name, route in getattr(service, "routes", {}).items()
            if route.blocking and route.pathway == pathway]
