"""The validation suite: build the experiments, run every replication of all of them in one
call of ``sim.runner.map_replications`` (both cores, the cache, one progress bar), then read
the checks.

Interval checks share one confidence level, Bonferroni-adjusted over their number
(``sim.verify.checks.bonferroni_confidence``), so that an exact model fails any of them by
chance with probability at most 5%.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

import pandas as pd

from sim.config import ScenarioError
from sim.runner import map_replications
from sim.verify.analytic import analytic_experiments
from sim.verify.checks import ANALYTIC, CheckResult, bonferroni_confidence
from sim.verify.experiment import Budget, Experiment
from sim.verify.measure import Measures, measure_replication
from sim.verify.plausibility import shipped_experiments

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"
BASELINE = SCENARIOS / "baseline.yaml"
LOCALITY = SCENARIOS / "locality.yaml"
DEFAULT_SEED = 20251123  # of the analytic experiments; the shipped scenarios keep their own


@dataclass(frozen=True)
class SuiteResult:
    budget: Budget
    experiments: list[Experiment]
    measures: list[list[Measures]]  # per experiment, per replication
    results: list[CheckResult]
    confidence: float  # of each interval check
    wall_seconds: float

    @property
    def analytic_passed(self) -> bool:
        return all(r.passed for r in self.results if r.kind == ANALYTIC)

    def table(self) -> pd.DataFrame:
        """One row per check (the columns of ``checks.csv``)."""
        return pd.DataFrame([vars(r) for r in self.results])


def build_suite(budget: Budget, seed: int = DEFAULT_SEED, replications: int | None = None,
                shipped_seed: int | None = None, baseline: Path = BASELINE,
                locality: Path = LOCALITY) -> list[Experiment]:
    """The shipped scenarios first, then the analytic experiments (Little's law on the
    baseline first: the longest replications go first so both cores stay busy to the end),
    seeded from ``seed``.
    ``replications`` overrides every experiment's, ``shipped_seed`` the shipped scenarios'
    own seed."""
    experiments = [*shipped_experiments(budget, baseline, locality, shipped_seed),
                   *analytic_experiments(budget, seed, baseline, shipped_seed)]
    if replications is None:
        return experiments
    if replications < 2:
        raise ScenarioError([f"--reps: expected at least 2 (an interval needs two "
                             f"replications of each experiment), got {replications}"])
    return [Experiment(e.name, e.scenario, replications, e.checks) for e in experiments]


def run_suite(experiments: Sequence[Experiment], budget: Budget, **settings: Any) -> SuiteResult:
    """Run every replication of ``experiments`` and evaluate their checks. ``settings`` go
    to ``sim.runner.map_replications`` (executor, jobs, scheduler, cache, progress)."""
    started = time.perf_counter()
    tasks = [(e.scenario, r) for e in experiments for r in range(e.replications)]
    found = map_replications(measure_replication, tasks, desc="verify", **settings)
    measures, position = [], 0
    for e in experiments:
        measures.append(found[position: position + e.replications])
        position += e.replications
    n_intervals = sum(c.uses_interval for e in experiments for c in e.checks)
    confidence = bonferroni_confidence(n_intervals)
    results = [check.evaluate(ms, confidence)
               for e, ms in zip(experiments, measures) for check in e.checks]
    return SuiteResult(budget, list(experiments), measures, results, confidence,
                       time.perf_counter() - started)
