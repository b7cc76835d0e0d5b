"""An experiment: a scenario, how many replications of it, and the checks read from them;
and the budget that sets how long the suite's runs are."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sim.compile import load_scenario
from sim.config.schema import Scenario
from sim.verify.checks import Check


@dataclass(frozen=True)
class Budget:
    """How much simulation a suite does.

    ``length`` scales the results period of the analytic experiments (1 = the full run);
    warm-ups are set by the queue's relaxation time and do not scale.
    """

    name: str
    replications: int  # of each analytic experiment
    length: float
    baseline_replications: int | None  # None: the shipped scenarios' own
    baseline_run_days: float | None  # None: the shipped scenarios' own


FULL = Budget("full", replications=30, length=1.0, baseline_replications=None,
              baseline_run_days=None)
QUICK = Budget("quick", replications=10, length=0.1, baseline_replications=3,
               baseline_run_days=120)


@dataclass(frozen=True)
class Experiment:
    """Replications 0..``replications``-1 of ``scenario``, read by ``checks``."""

    name: str
    scenario: Scenario
    replications: int
    checks: tuple[Check, ...]


def shipped_scenario(path: Path, budget: Budget, seed: int | None,
                     changes: dict[str, object] | None = None) -> Scenario:
    """The scenario file at ``path`` with the budget's replications and results period,
    ``seed`` (if given) and further dotted-path ``changes``."""
    changes = dict(changes or {})
    if seed is not None:
        changes["time.seed"] = seed
    if budget.baseline_replications is not None:
        changes["time.replications"] = budget.baseline_replications
    if budget.baseline_run_days is not None:
        changes["time.run_days"] = budget.baseline_run_days
    return load_scenario(path, changes)
