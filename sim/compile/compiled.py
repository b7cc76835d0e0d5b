"""The compiled scenario: everything the engine reads, made once from a valid scenario.

``compile_scenario`` is the one translator between configuration and simulation: the
network's lookup tables, the plans of units whose capacity changes, the prevention and surge
stretch tables, the census's patients and the clock. The engine (``sim.engine.model``)
takes a ``CompiledScenario`` and never reads the raw scenario.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.compile.census import CensusPatient, census_patients
from sim.compile.clocks import SurgeClock
from sim.compile.network import Network
from sim.compile.plans import MutualAidPlan, UnitPlan, mutual_aid_plans, unit_plans
from sim.compile.prevention import PreventionTable, prevention_table, stretch_tables
from sim.config.calendar import SimCalendar
from sim.config.schema import Scenario


@dataclass(frozen=True)
class CompiledScenario:
    """A scenario as the engine runs it. Times are days from the start of warm-up (day 0);
    results cover [``results_start``, ``results_end``) and the run goes on to ``horizon``."""

    scenario: Scenario  # as validated: carried to the log for its readers, not read by the engine
    network: Network
    calendar: SimCalendar
    seed: int  # the scenario's seed, root of every random stream
    results_start: float  # days (= warm-up)
    results_end: float  # days
    horizon: float  # days: results end plus follow-up
    localities: int  # how many
    surge_names: tuple[str, ...]  # in the scenario's order (names their random streams)
    stretch: tuple[tuple[float, ...] | None, ...]  # per surge: multiplier by service, or None
    prevention: PreventionTable  # chance a crisis is prevented, [locality][high risk][residence]
    unit_plans: tuple[UnitPlan, ...]  # units whose capacity changes while the model runs
    mutual_aid: tuple[MutualAidPlan, ...]

    def census_patients(self, rng: np.random.Generator) -> list[CensusPatient]:
        """The census's patients drawn with ``rng`` (none without a census)."""
        census = self.scenario.census
        return [] if census is None else census_patients(census, self.network, rng)


def compile_scenario(scenario: Scenario) -> CompiledScenario:
    """``scenario`` (valid: ``sim.compile.validate``) compiled for the engine."""
    t = scenario.time
    calendar = SimCalendar(t.start_date, t.warmup_days)
    horizon = t.warmup_days + t.run_days + t.follow_up_days
    clocks = {name: SurgeClock(surge, calendar) for name, surge in scenario.surges.items()}
    return CompiledScenario(
        scenario=scenario,
        network=Network.build(scenario),
        calendar=calendar,
        seed=t.seed,
        results_start=t.warmup_days,
        results_end=t.warmup_days + t.run_days,
        horizon=horizon,
        localities=len(scenario.geography.localities),
        surge_names=tuple(scenario.surges),
        stretch=stretch_tables(scenario),
        prevention=prevention_table(scenario),
        unit_plans=unit_plans(scenario, calendar, horizon, clocks),
        mutual_aid=mutual_aid_plans(scenario),
    )
