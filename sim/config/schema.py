"""The scenario: a typed, immutable description of one configuration of the system.

Layout of a scenario (see scenarios/baseline.yaml for a commented example):

- ``time``: calendar start, warm-up, results period, follow-up, replications, seed;
- ``geography``: localities with populations by age band, need, partnership and system;
- ``demand``: streams of patients (what the world does to us);
- ``services``: the pathway as data, services and the routes between them (what we decide);
- ``policies``: preventive effects of the configuration (MDT case management, care home support);
- ``reporting``: which services play the roles the headline metrics are defined on;
- ``surges``, ``staffing``, ``escalation``, ``census``: winter planning (docs/winter.md,
  docs/census.md).

Structural rules (types, ranges, unknown keys) are enforced here; rules that look across the
scenario (references, probabilities summing to one, routes that end) live in ``checks.py``
and run as a second stage, after this one (``sim.compile.scenario.validate``).
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_right
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import Field, model_validator

from sim.config.base import (
    Fraction,
    Frozen,
    Level,
    Name,
    NonNegative,
    Positive,
    Residents,
    Units,
    tagged_union,
)
from sim.config.calibration import CalibrationRange
from sim.config.census import Census
from sim.config.costs import Costs
from sim.config.distributions import Distribution
from sim.config.escalation import Escalation
from sim.config.profile import DemandProfile
from sim.config.staffing import Staffing
from sim.config.surges import Surge
from sim.config.uncertainty import UncertainParameter

Attribute = Literal["age_band", "locality", "residence", "source", "pathway", "stream",
                    "waited_days"]
# Days waited between being ready to leave the previous service (or asking for the first one)
# and starting the current one: a ``by: waited_days`` value is keyed by the lower bound of each
# band of days, e.g. {"0": 0.05, "3": 0.10, "7": 0.20} (harm while waiting, docs/patience.md).
WAITED_DAYS = "waited_days"
RESIDENCES: tuple[str, ...] = ("own_home", "care_home")
DEFAULT_KEY = "default"
NO_PATHWAY = "none"


class By(Frozen):
    """A value that depends on one patient attribute, e.g. ``{by: age_band, values: {...}}``.

    ``values`` may hold a ``default`` entry used for attribute values not listed.
    Subclasses fix the type of the values (plain classes, so scenarios pickle).
    """

    by: Attribute
    values: dict[str, Any]

    def get(self, key: str) -> Any:
        """The value for an attribute value; for ``waited_days``, ``key`` is a number of days
        (or its string) and the value is that of the band it falls in."""
        if self.by == WAITED_DAYS:
            bands = self.day_bands()
            i = bisect_right(bands, float(key)) - 1
            return self.values[DEFAULT_KEY] if i < 0 else self.values[self.band_keys()[i]]
        return self.values[key] if key in self.values else self.values[DEFAULT_KEY]

    def band_keys(self) -> list[str]:
        """``waited_days`` keys other than ``default``, in increasing order of days."""
        return sorted((k for k in self.values if k != DEFAULT_KEY), key=float)

    def day_bands(self) -> list[float]:
        """Lower bounds of the ``waited_days`` bands, in days, increasing."""
        return [float(k) for k in self.band_keys()]

    def attributes(self) -> set[str]:
        """Every attribute this value depends on (nested values included)."""
        inner = (v.attributes() for v in self.values.values() if isinstance(v, By))
        return {self.by}.union(*inner)

    def resolve(self, attributes: dict[str, str]) -> Any:
        """The value for a patient with these attribute values (nested values followed)."""
        value = self.get(attributes[self.by])
        return value.resolve(attributes) if isinstance(value, By) else value


def _is_by(value: Any) -> bool:
    return isinstance(value, By) or (isinstance(value, dict) and "by" in value)


class FractionBy(By):
    """A probability by an attribute; a value may itself vary by another attribute, e.g. by
    pathway, then by age band within the default."""

    values: dict[str, NestedFraction]


if TYPE_CHECKING:  # what the tagged union holds, for a type checker
    NestedFraction = FractionBy | float
else:
    NestedFraction = tagged_union(
        {"by": FractionBy, "value": Fraction},
        lambda value: "by" if _is_by(value) else "value",
        "expected a probability between 0 and 1, or {by: attribute, values: {...}}",
    )
FractionBy.model_rebuild()


class DistributionBy(By):
    values: dict[str, Distribution]


class SourceMixBy(By):
    values: dict[str, dict[str, Fraction]]


def largest_probability(probability: Any) -> float:
    """The largest value a (possibly varying) probability takes for anyone."""
    if isinstance(probability, By):
        return max(largest_probability(value) for value in probability.values.values())
    return float(probability)


def varying(by_model: type[By], inner: Any, what: str) -> Any:
    """``inner`` given directly or ``{by: attribute, values: {...}}``."""
    return tagged_union(
        {"by": by_model, "value": inner},
        lambda value: "by" if _is_by(value) else "value",
        f"expected {what}, or {{by: attribute, values: {{...}}}}",
    )


if TYPE_CHECKING:  # what the tagged unions hold, for a type checker
    VaryingFraction = FractionBy | float
    VaryingDistribution = DistributionBy | Distribution
    SourceMix = SourceMixBy | dict[str, float]
    Capacity = int | Literal["unlimited"]
    ShareByLocality = float | dict[str, float]
else:
    VaryingFraction = varying(FractionBy, Fraction, "a probability between 0 and 1")
    VaryingDistribution = varying(DistributionBy, Distribution, "a distribution")
    SourceMix = varying(SourceMixBy, dict[str, Fraction],
                        "a mapping of referral source to share")
    Capacity = tagged_union(
        {"count": Units, "unlimited": Literal["unlimited"]},
        lambda value: "unlimited" if value == "unlimited" else (
            "count" if isinstance(value, (int, float)) and not isinstance(value, bool) else None
        ),
        "expected a whole number of at least 0, or 'unlimited'",
    )
    ShareByLocality = tagged_union(
        {"share": Fraction, "by_locality": dict[str, Fraction]},
        lambda value: "by_locality" if isinstance(value, dict) else "share",
        "expected a share between 0 and 1, or a mapping of locality to share",
    )


MAX_HORIZON_DAYS = 36_525  # 100 years: beyond it, event times lose precision and runs never end
MAX_REPLICATIONS = 100_000  # each replication's metrics are held in memory until the end


class Time(Frozen):
    """Simulated time. The clock runs warm-up, then the results period, then follow-up.

    Measures count what happens in the results period; follow-up only lets outcomes that
    start in it finish (readmission within 30 days, a response to a late referral).
    """

    start_date: dt.date = Field(description="calendar date of the first day of results")
    run_days: Positive = Field(description="length of the results period, days")
    warmup_days: NonNegative = Field(description="simulated before results start, days")
    follow_up_days: NonNegative = Field(30.0, description="simulated after results end, days")
    replications: Annotated[int, Field(ge=1, le=MAX_REPLICATIONS)]
    seed: Annotated[int, Field(ge=0, lt=2**63)]  # numpy's SeedSequence takes it as an int64

    @model_validator(mode="after")
    def _horizon_fits(self) -> Time:
        """Refuse a horizon that no run could finish, and one whose dates do not exist."""
        days = self.warmup_days + self.run_days + self.follow_up_days
        if days > MAX_HORIZON_DAYS:
            raise ValueError(f"warmup_days + run_days + follow_up_days is {days:g} days; at "
                             f"most {MAX_HORIZON_DAYS} (100 years) can be simulated")
        try:
            self.start_date - dt.timedelta(days=self.warmup_days)
            self.start_date + dt.timedelta(days=self.run_days + self.follow_up_days)
        except OverflowError:
            raise ValueError(f"start_date {self.start_date}: the simulated period runs past the "
                             "calendar (years 1 to 9999)") from None
        return self


class Locality(Frozen):
    population: dict[str, Residents] = Field(
        description="residents by age band"
    )
    need_index: Positive = Field(1.0, description="relative need; multiplies demand rates")
    partnership: str = Field(description="partnership or borough the locality belongs to")
    system: str = Field(description="integrated care system the locality belongs to")

    @property
    def total_population(self) -> int:
        return sum(self.population.values())


class Geography(Frozen):
    age_bands: Annotated[list[str], Field(min_length=1)] = ["0-64", "65-74", "75-84", "85+"]
    care_home_share: dict[str, Fraction] = Field(
        description="share of each age band living in a care home"
    )
    localities: Annotated[dict[str, Locality], Field(min_length=1)]

    def units(self, level: str) -> list[str]:
        """Names of the organisational units at ``level``, in order of first appearance."""
        if level == "locality":
            return list(self.localities)
        return list(dict.fromkeys(getattr(loc, level) for loc in self.localities.values()))

    def unit_of(self, locality: str, level: str) -> str:
        return locality if level == "locality" else getattr(self.localities[locality], level)

    @property
    def population(self) -> int:
        return sum(loc.total_population for loc in self.localities.values())


class DemandStream(Frozen):
    """Patients arriving at one entry service, at annual rates per 1,000 residents, constant
    or varying over the year, week and day (``profile``, see ``sim.config.profile``).

    The rate in a locality is ``rate x need_index`` (when ``scale_by_need``), unless the
    locality has its own rates in ``rate_per_1000_per_year_by_locality``; care home residents
    arrive ``care_home_rate_ratio`` times as often as others of the same age.
    """

    entry: str = Field(description="service the patients arrive at")
    rate_per_1000_per_year: dict[str, NonNegative] = Field(description="by age band")
    rate_per_1000_per_year_by_locality: dict[str, dict[str, NonNegative]] = Field(
        default_factory=dict,
        description="a locality's own rates by age band, used as given (no need index)",
    )
    scale_by_need: bool = True
    care_home_rate_ratio: NonNegative = 1.0
    high_risk_share: dict[str, Fraction] = Field(
        default_factory=dict,
        description="share of patients, by age band, from the cohort MDT case management targets",
    )
    sources: SourceMix = Field(description="referral source mix; may vary by residence")
    profile: DemandProfile | None = Field(
        None, description="variation by month, weekday and hour, and a trend; none: constant")


class Balk(Frozen):
    """Go to ``to`` instead of queueing, when on asking no unit is free and the conditions
    given all hold (by default: whenever no unit is free)."""

    to: str = Field(description="service taken instead (e.g. acute when a step-up bed is full)")
    queue_at_least: Annotated[int, Field(ge=0)] = Field(
        0, description="only when at least this many patients are already waiting")
    expected_wait_hours_above: NonNegative | None = Field(
        None, description="only when the expected wait exceeds this, hours: (patients waiting "
                          "+ 1) x mean time holding a unit / units")


class Renege(Frozen):
    """Give up waiting after ``patience`` and go to ``to`` (the time waited is logged)."""

    patience: VaryingDistribution = Field(
        description="time a patient waits for a unit to start on them before giving up")
    to: str = Field(description="service taken instead (e.g. ed when UCR has not come)")


class WhenBusy(Frozen):
    """What a patient does when the service cannot take them at once (docs/patience.md).

    Without it (or with ``{}``) a patient waits as long as it takes."""

    balk: Balk | None = None
    renege: Renege | None = None

    @property
    def alternatives(self) -> list[str]:
        """Services a patient may be sent to instead."""
        return [choice.to for choice in (self.balk, self.renege) if choice is not None]


def alternatives(busy: WhenBusy | None) -> list[str]:
    """Services a ``when_busy`` block (if any) may send a patient to instead."""
    return [] if busy is None else busy.alternatives


class Route(Frozen):
    """One way out of a service.

    The route is chosen when the patient starts in the service (after any wait), so the time
    spent there may depend on where they go next (``duration`` replaces the service's own) and
    on the days waited (``by: waited_days``). ``when_busy`` replaces the target service's own
    for patients coming this way (``{}``: they wait as long as it takes). After the time
    in service, ``handoff_delay`` passes with the patient still holding the service (an
    assessment before discharge, a hand-off between teams). With ``blocking`` the patient
    keeps the service until the next one accepts them (a delayed discharge, ED boarding);
    without it they leave and wait wherever they are.
    """

    to: str
    probability: VaryingFraction
    blocking: bool = False
    duration: VaryingDistribution | None = None
    handoff_delay: VaryingDistribution | None = None
    pathway: str | None = Field(None, description="tag given to the patient, e.g. P1")
    when_busy: WhenBusy | None = Field(
        None, description="replaces the target service's when_busy for patients coming this way")


class CapacitatedService(Frozen):
    """Staff (team), beds (ward) or caseload slots (caseload), organised at a level.

    Capacity is a total (``capacity``, an integer or ``unlimited``) split across the units at
    ``level`` by ``split``, or given per unit in ``capacity_by_unit``.
    """

    kind: Literal["team", "ward", "caseload"]
    description: str = ""
    level: Level = "system"
    capacity: Capacity | None = None
    capacity_by_unit: dict[str, Units] | None = None
    split: Literal["population", "need_weighted_population"] = "population"
    duration: VaryingDistribution
    travel_time_by_level: dict[Level, Distribution] | None = Field(
        None, description="teams only: time to reach the patient, by the level the team sits at"
    )
    response_target_hours: Positive | None = Field(
        None, description="teams only: target from referral to reaching the patient"
    )
    when_busy: WhenBusy | None = Field(
        None, description="balking and reneging when no unit is free (default: wait)")
    routes: dict[str, Route]

    @model_validator(mode="after")
    def _capacity_given_once(self) -> CapacitatedService:
        if (self.capacity is None) == (self.capacity_by_unit is None):
            raise ValueError("give exactly one of 'capacity' or 'capacity_by_unit'")
        if self.kind != "team" and (self.travel_time_by_level or self.response_target_hours):
            raise ValueError("travel_time_by_level and response_target_hours apply to teams only")
        return self


class DelayService(Frozen):
    """Time passing with no capacity of ours, e.g. time at home before a readmission."""

    kind: Literal["delay"]
    description: str = ""
    duration: VaryingDistribution
    routes: dict[str, Route]


class PlacementService(Frozen):
    """An external placement (a care home) that becomes available after ``delay``.

    A patient routed here with ``blocking`` keeps their current service during the delay.
    """

    kind: Literal["placement"]
    description: str = ""
    delay: VaryingDistribution
    routes: dict[str, Route]


class ExitService(Frozen):
    """Where a journey ends; the service name is the recorded outcome."""

    kind: Literal["exit"]
    description: str = ""


SERVICE_KINDS = {
    "team": CapacitatedService,
    "ward": CapacitatedService,
    "caseload": CapacitatedService,
    "delay": DelayService,
    "placement": PlacementService,
    "exit": ExitService,
}

if TYPE_CHECKING:  # what the tagged union holds, for a type checker
    Service = CapacitatedService | DelayService | PlacementService | ExitService
else:
    Service = tagged_union(
        SERVICE_KINDS,
        lambda value: value.get("kind") if isinstance(value, dict) else getattr(value, "kind",
                                                                                 None),
        "expected 'kind' to be one of " + ", ".join(SERVICE_KINDS),
    )


def routes_of(service: Service) -> dict[str, Route]:
    """A service's routes onward (an exit has none)."""
    return {} if isinstance(service, ExitService) else service.routes


class Prevention(Frozen):
    """Share of crises prevented, overall or per locality ``{north: 0.05, ...}``."""

    crisis_reduction: ShareByLocality = 0.0

    def reduction(self, locality: str) -> float:
        if isinstance(self.crisis_reduction, dict):
            return self.crisis_reduction.get(locality, 0.0)
        return self.crisis_reduction


class Policies(Frozen):
    mdt_case_management: Prevention = Prevention()
    care_home_support: Prevention = Prevention()


class Reporting(Frozen):
    """Which services the headline metrics refer to (see docs/metrics.md)."""

    acute: str | None = None
    ed: str | None = None
    spa: str | None = None
    ucr: str | None = None
    ic_beds: list[str] = []
    ic_home: list[str] = []


class Scenario(Frozen):
    """A scenario's fields, each checked. The checks of the whole scenario (routes reach
    services that exist, the census can be drawn ...) run in ``sim.load_scenario`` and
    ``sim.validate``: build a scenario from a mapping with ``sim.validate(data)``, not
    ``Scenario.model_validate``, which checks fields only."""

    name: Name
    description: str = ""
    time: Time
    geography: Geography
    demand: Annotated[dict[str, DemandStream], Field(min_length=1)]
    services: dict[Name, Service]
    policies: Policies = Policies()
    reporting: Reporting = Reporting()
    uncertain: dict[str, UncertainParameter] = Field(
        default_factory=dict,
        description="field path -> distribution; each replication draws its own value")
    calibration: dict[str, CalibrationRange] = Field(
        default_factory=dict,
        description="field path -> range searched by python -m sim calibrate; runs ignore it")
    # winter planning (docs/winter.md)
    surges: dict[str, Surge] = Field(default_factory=dict, description="name -> surge event")
    staffing: Staffing = Staffing()
    escalation: dict[str, Escalation] = Field(
        default_factory=dict, description="name -> escalation capacity and its triggers")
    census: Census | None = Field(
        None, description="patients in each service at the start (docs/census.md); none: empty")
    costs: Costs | None = Field(None, description="unit costs (sim/config/costs.py); none: no cost metrics")

    @property
    def pathways(self) -> list[str]:
        """Pathway tags set by any route, in order of appearance."""
        tags = [
            route.pathway
            for service in self.services.values()
            for route in routes_of(service).values()
            if route.pathway
        ]
        return list(dict.fromkeys(tags))

    @property
    def sources(self) -> list[str]:
        """Referral sources named by any demand stream, sorted so that their codes (and the
        order of the draw of a patient's source) do not change when a stream is added."""
        names: list[str] = []
        for stream in self.demand.values():
            mixes = stream.sources.values.values() if isinstance(stream.sources, By) else [
                stream.sources
            ]
            for mix in mixes:
                names.extend(mix)
        return sorted(set(names))
