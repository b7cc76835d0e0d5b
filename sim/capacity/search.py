"""Capacity search: the smallest capacities that meet several targets at once.

Services interact (more home IC frees acute beds sooner; fewer acute beds hold patients in
ED), so the search runs the full constrained model at every candidate rather than sizing each
service on its own.

Algorithm (monotone coordinate descent with common random numbers):

1. **Evaluation.** A candidate (one capacity per resource) is run for replications 0..R-1
   with the scenario's seed, the same in every evaluation (common random numbers: the
   difference between two candidates is the capacity, not the luck of the draw). A target is
   met when the mean of its metric over the R replications meets the threshold. Evaluations
   are memoised, so a candidate is never run twice.
2. **Feasibility.** Every resource at its upper bound is evaluated first. If a target is
   missed there, no capacity within the bounds meets all targets (more capacity is assumed
   never to make things worse), and the search stops, naming the missed targets.
3. **Descent.** Starting from the upper bounds, each resource in the order listed is
   binary-searched for its smallest value that keeps every target met, the others held at
   their current values; after the first pass, one unit less is tried first, since later
   passes seldom move far. Passes repeat until one changes nothing. Each change lowers a
   capacity, so the search ends.
4. **Minimality.** At the end, for every resource above its lower bound, the candidate with
   one unit less of it has been evaluated (in the last pass) and misses a target: that
   resource is *binding*, and the missed targets are reported. A resource at its lower
   bound is not binding; the bound, not a target, stopped it.
5. **Confirmation.** The solution is run again on replications R..R+N-1, which the search
   never saw, so the check is independent of the replications it tuned capacities on; every
   target's metric is reported with its 95% interval.

The result is minimal in the sense of step 4 (no single resource can lose a unit), not
necessarily the cheapest combination: where resources substitute for each other, the ones
listed first are reduced first. With few replications, the means are noisy; a solution that
sits just at a threshold may miss it in the confirming run, which is then reported as such.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd
from tqdm import tqdm

from sim.analysis.registry import metric_info
from sim.analysis.summary import metric_interval
from sim.capacity.targets import SearchPlan, Target
from sim.runner import run_scenario

Capacities = tuple[int, ...]


@dataclass(frozen=True)
class Evaluation:
    """One candidate run: the mean of each target's metric over the search replications."""

    number: int  # order in which candidates were first evaluated, from 1
    capacities: Capacities
    means: tuple[float, ...]  # one per target, in the targets file's order
    met: tuple[bool, ...]

    @property
    def feasible(self) -> bool:
        return all(self.met)


@dataclass(frozen=True)
class ResourceResult:
    label: str
    capacity: int
    binding: bool  # one unit less misses a target
    missed_with_one_less: list[str]  # target labels; empty when at the lower bound


@dataclass
class SearchResult:
    plan: SearchPlan
    status: Literal["solved", "infeasible"]
    evaluations: list[Evaluation]
    capacities: Capacities  # the solution (the upper bounds when infeasible)
    resources: list[ResourceResult] = field(default_factory=list)
    confirmation: pd.DataFrame | None = None  # per target: mean, ci_low, ci_high, met
    costs: pd.DataFrame | None = None  # cost metrics of the solution (confirming run), if priced

    @property
    def missed_at_upper_bounds(self) -> list[str]:
        first = self.evaluations[0]
        return [t.label for t, met in zip(self.plan.targets, first.met) if not met]

    @property
    def confirmed(self) -> bool:
        return self.confirmation is not None and bool(self.confirmation["met"].all())


class Search:
    """Runs the algorithm of the module docstring for one ``SearchPlan``."""

    def __init__(self, plan: SearchPlan, progress: bool = True, **settings: Any):
        """``settings`` go to ``sim.runner.run_scenario`` (executor, jobs, scheduler, cache);
        pass an open executor to reuse one pool for every evaluation."""
        self.plan = plan
        self.settings = settings
        self.memo: dict[Capacities, Evaluation] = {}
        self.bar = tqdm(desc="capacity search", unit=" candidates", disable=not progress,
                        file=sys.stderr)

    def run(self) -> SearchResult:
        try:
            return self._run()
        finally:
            self.bar.close()

    def evaluate(self, capacities: Capacities) -> Evaluation:
        """Mean of each target metric at ``capacities`` over replications 0..R-1 (memoised)."""
        if capacities not in self.memo:
            self.bar.set_postfix_str(", ".join(
                f"{r.label}={c}" for r, c in zip(self.plan.resources, capacities)))
            result = run_scenario(self.plan.candidate(capacities),
                                  replications=self.plan.replications, progress=False,
                                  **self.settings)
            means = target_means(result.metrics, self.plan.targets)
            met = tuple(t.met(m) for t, m in zip(self.plan.targets, means))
            self.memo[capacities] = Evaluation(len(self.memo) + 1, capacities, means, met)
            self.bar.update()
        return self.memo[capacities]

    def _run(self) -> SearchResult:
        upper = self.plan.upper
        if not self.evaluate(upper).feasible:
            return SearchResult(self.plan, "infeasible", list(self.memo.values()), upper)
        current = upper
        first_pass = True
        while True:
            before = current
            for i in range(len(current)):
                current = self._lowest(current, i, probe_one_less=not first_pass)
            first_pass = False
            if current == before:
                break
        resources = [self._binding(current, i) for i in range(len(current))]
        result = SearchResult(self.plan, "solved", list(self.memo.values()), current,
                              resources)
        result.confirmation, result.costs = self.confirm(current)
        return result

    def _lowest(self, current: Capacities, i: int, probe_one_less: bool) -> Capacities:
        """``current`` with resource i at its smallest feasible value, by binary search on
        [lower bound, current value] (feasible at the top)."""
        low, high = self.plan.lower[i], current[i]
        if probe_one_less and high > low and not self._feasible_at(current, i, high - 1):
            return current
        while low < high:
            middle = (low + high) // 2
            if self._feasible_at(current, i, middle):
                high = middle
            else:
                low = middle + 1
        return _with(current, i, high)

    def _feasible_at(self, current: Capacities, i: int, value: int) -> bool:
        return self.evaluate(_with(current, i, value)).feasible

    def _binding(self, solution: Capacities, i: int) -> ResourceResult:
        resource = self.plan.resources[i]
        if solution[i] == self.plan.lower[i]:
            return ResourceResult(resource.label, solution[i], False, [])
        one_less = self.evaluate(_with(solution, i, solution[i] - 1))  # memoised: last pass
        missed = [t.label for t, met in zip(self.plan.targets, one_less.met) if not met]
        return ResourceResult(resource.label, solution[i], bool(missed), missed)

    def confirm(self, capacities: Capacities) -> tuple[pd.DataFrame, pd.DataFrame]:
        """Every target at ``capacities`` over the confirming replications, and the cost
        metrics of that configuration (summary rows; empty when the scenario has no costs)."""
        result = run_scenario(self.plan.candidate(capacities),
                              replications=self.plan.confirm_numbers, progress=False,
                              **self.settings)
        summary = result.summary()
        costs = summary[summary["metric"].map(lambda m: metric_info(m).unit == "GBP")]
        return confirmation_table(result.metrics, self.plan.targets), \
            costs.reset_index(drop=True)


def target_means(metrics: pd.DataFrame, targets: list[Target]) -> tuple[float, ...]:
    """Mean over replications of each target's metric (NaN when every value is missing)."""
    return tuple(float(np.nanmean(values)) if np.isfinite(values).any() else float("nan")
                 for values in (_values(metrics, t) for t in targets))


def confirmation_table(metrics: pd.DataFrame, targets: list[Target]) -> pd.DataFrame:
    """Per target: mean and 95% interval across replications, whether the mean meets the
    target, and whether the whole interval does."""
    rows = []
    for target in targets:
        values = _values(metrics, target)
        mean, low, high = metric_interval(target.metric, values)
        worst = low if target.at_least is not None else high
        rows.append((target.label, target.metric, target.locality,
                     ">=" if target.at_least is not None else "<=", target.threshold,
                     mean, low, high, int(np.isfinite(values).sum()), target.met(mean),
                     target.met(worst)))
    return pd.DataFrame(rows, columns=["target", "metric", "locality", "direction",
                                       "threshold", "mean", "ci_low", "ci_high", "n_reps",
                                       "met", "met_with_confidence"])


def evaluations_table(result: SearchResult) -> pd.DataFrame:
    """Every candidate evaluated: its capacities, each target metric's mean, met or not."""
    plan = result.plan
    rows = []
    for ev in result.evaluations:
        row: dict[str, object] = {"evaluation": ev.number}
        row.update({r.label: c for r, c in zip(plan.resources, ev.capacities)})
        row.update({t.label: m for t, m in zip(plan.targets, ev.means)})
        row["missed"] = "; ".join(t.label for t, met in zip(plan.targets, ev.met) if not met)
        row["feasible"] = ev.feasible
        rows.append(row)
    return pd.DataFrame(rows)


def solution_table(result: SearchResult) -> pd.DataFrame:
    """One row per resource: capacity found, bounds, binding or not and what one less misses."""
    return pd.DataFrame([
        {"resource": r.label, "service": spec.service, "unit": spec.unit or "",
         "capacity": r.capacity, "low": spec.bounds[0], "high": spec.bounds[1],
         "binding": "yes" if r.binding else "no",
         "missed_with_one_less": "; ".join(r.missed_with_one_less)}
        for r, spec in zip(result.resources, result.plan.resources)])


def _values(metrics: pd.DataFrame, target: Target) -> np.ndarray:
    rows = metrics[(metrics["metric"] == target.metric) & (metrics["locality"] == target.locality)]
    return rows.sort_values("replication")["value"].to_numpy(dtype=float)


def _with(capacities: Capacities, i: int, value: int) -> Capacities:
    return (*capacities[:i], value, *capacities[i + 1:])
