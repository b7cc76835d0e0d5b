"""What-if grids: one scenario run at every combination of a few changed fields.

Every grid point uses the same seed and replication numbers, so replication r of every point
sees the same patients (common random numbers) and differences between points are not
swamped by noise. All (point, replication) pairs go to the executor at once, and with a
cache a repeated or interrupted sweep recomputes nothing already done.

A field is varied from the command line, ``--vary services.acute.capacity=380:440:20``, or
from a sweep file::

    vary:
      services.acute.capacity: [390, 405, 420]
      policies.mdt_case_management.crisis_reduction: "0:0.1:0.05"
    metrics: [emergency_admissions, acute_occupancy_pct_mean]
    replications: 10
"""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from sim.analysis.summary import summarise
from sim.cache import ResultCache
from sim.compile import load_scenario
from sim.config import Scenario, ScenarioError
from sim.config.loader import read_yaml_file
from sim.config.numbers import number_problem
from sim.config.problems import InputProblem
from sim.executors import Executor, ExecutorName
from sim.runner import ReplicationResult, map_replications, simulate

MAX_POINTS = 1000  # a typo in a range should not start a million runs


@dataclass(frozen=True)
class Sweep:
    """Fields to vary (dotted paths into the scenario) and the values each takes."""

    vary: dict[str, list[Any]]
    metrics: list[str] = field(default_factory=list)
    replications: int | None = None

    def points(self) -> list[dict[str, Any]]:
        """Every combination of the values, first field slowest."""
        names = list(self.vary)
        return [dict(zip(names, values)) for values in itertools.product(*self.vary.values())]


def parse_values(text: str, where: str) -> list[Any]:
    """``"v1,v2,v3"`` or an inclusive range ``"start:stop:step"`` -> values (YAML scalars);
    ``ScenarioError`` saying what ``where`` expected."""
    try:
        return _values(text)
    except ValueError as error:
        raise ScenarioError([f"{where}: {error}"]) from None


def _values(text: str) -> list[Any]:
    """``parse_values``; ``ValueError`` saying what was expected."""
    text = str(text).strip()
    if ":" in text:  # only ever a range (YAML would read 10:20 as the base-60 number 620)
        if text.count(":") != 2 or "," in text:
            raise ValueError(f"expected a range start:stop:step or values v1,v2,v3, got {text!r}")
        return _range(text)
    values = [yaml.safe_load(token) for token in text.split(",") if token.strip()]
    if not values:
        raise ValueError("expected values like 1,2,3 or a range start:stop:step")
    return _distinct(values)


def _distinct(values: list[Any]) -> list[Any]:
    repeated = sorted({str(v) for v in values if values.count(v) > 1})
    if repeated:
        raise ValueError(f"each value once, please: {', '.join(repeated)} given more than once")
    return values


def _range(text: str) -> list[int | float]:
    try:
        start, stop, step = (Decimal(part.strip()) for part in text.split(":"))
    except InvalidOperation:
        raise ValueError(f"expected a range of numbers start:stop:step, got {text!r}") from None
    if not all(part.is_finite() for part in (start, stop, step)):  # nan:1:1 cannot be ordered
        raise ValueError(f"expected finite numbers start:stop:step, got {text!r}")
    if step <= 0 or stop < start:
        raise ValueError(f"expected start <= stop and a positive step, got {text!r}")
    if (stop - start) / step >= MAX_POINTS:
        raise ValueError(f"{text!r} has more than {MAX_POINTS} values")
    count = int((stop - start) / step) + 1  # stop included when it falls on the grid
    values = [start + i * step for i in range(count)]
    integral = all(v == v.to_integral_value() for v in (start, step))
    return [int(v) if integral else float(v) for v in values]


def parse_vary(options: list[str]) -> dict[str, list[Any]]:
    """``--vary path=values`` options -> {path: values}."""
    vary: dict[str, list[Any]] = {}
    for option in options:
        path, sep, values = option.partition("=")
        if not sep or not path.strip():
            raise ScenarioError([f"--vary {option}: expected path.to.field=v1,v2 or "
                                 "path.to.field=start:stop:step"])
        vary[path.strip()] = parse_values(values, f"--vary {path.strip()}")
    return vary


def load_sweep(path: Path) -> Sweep:
    """Read a sweep file (see the module docstring); ``ScenarioError`` lists every problem
    with its field."""
    data = read_yaml_file(path)
    fields = ("vary", "metrics", "replications")
    problems = [InputProblem(str(path), (key,), f"unknown key; expected {', '.join(fields)}")
                for key in data if key not in fields]

    def refuse(field: tuple[Any, ...], message: str) -> None:
        problems.append(InputProblem(str(path), field, message))

    vary = data.get("vary")
    if not isinstance(vary, dict) or not vary:
        refuse(("vary",), "expected a mapping of field paths to lists of values")
        vary = {}
    parsed: dict[str, list[Any]] = {}
    for name, values in vary.items():
        where = ("vary", name)
        try:
            if isinstance(values, list) and values:
                parsed[name] = _distinct(values)
            elif isinstance(values, (str, int, float)) and not isinstance(values, bool):
                parsed[name] = _values(str(values))
            else:
                refuse(where, "expected a list of values or a range start:stop:step")
        except ValueError as error:
            refuse(where, str(error))
    metrics = data.get("metrics", [])
    if not (isinstance(metrics, list) and all(isinstance(m, str) for m in metrics)):
        refuse(("metrics",), "expected a list of metric names")
    replications = data.get("replications")
    if replications is not None:
        wrong = number_problem(replications)
        if wrong is None and not (isinstance(replications, int) and replications >= 1):
            wrong = f"expected a whole number at least 1, got {replications!r}"
        if wrong:
            refuse(("replications",), wrong)
    if problems:
        raise ScenarioError(problems)
    return Sweep(parsed, metrics, replications)


@dataclass(frozen=True)
class SweepResult:
    sweep: Sweep
    scenarios: list[Scenario]  # one per point, in Sweep.points() order
    results: list[list[ReplicationResult]]  # per point, per replication
    wall_seconds: float = 0.0  # the whole sweep's

    def points_table(self) -> pd.DataFrame:
        """One row per grid point: its number and the values of the varied fields."""
        return pd.DataFrame([{"point": i, **p} for i, p in enumerate(self.sweep.points())])

    def replications_table(self) -> pd.DataFrame:
        """point, replication, metric, locality, value."""
        frames = [r.metrics.assign(point=i) for i, reps in enumerate(self.results) for r in reps]
        table = pd.concat(frames, ignore_index=True)
        return table[["point", "replication", "metric", "locality", "value"]]

    def summary(self) -> pd.DataFrame:
        """One row per grid point, metric and locality: the varied fields' values, mean and
        95% interval across replications."""
        reps = self.replications_table()
        frames = []
        for _, group in reps.groupby("point", sort=True):
            point = int(group["point"].to_numpy(dtype=int)[0])
            frames.append(summarise(group.drop(columns="point"),
                                    self.scenarios[point].time.run_days).assign(point=point))
        table = self.points_table().merge(pd.concat(frames, ignore_index=True), on="point")
        return table


def build_points(path: Path, sweep: Sweep, base_changes: dict[str, Any]) -> list[Scenario]:
    """Validate every grid point before anything runs; all problems are reported at once."""
    scenarios = []
    points = sweep.points()
    if len(points) > MAX_POINTS:
        raise ScenarioError([f"{path}: the sweep has {len(points)} points; at most {MAX_POINTS}"])
    where: dict[InputProblem, list[str]] = {}  # problem -> labels of the points it occurs at
    for point in points:
        try:
            scenarios.append(load_scenario(path, {**base_changes, **point}))
        except ScenarioError as error:
            label = ", ".join(f"{k}={v}" for k, v in point.items())
            for problem in error.problems:
                where.setdefault(problem, []).append(label)
    if where:
        raise ScenarioError([InputProblem(problem.file, problem.path, (
            f"{problem.message} (from the sweep: "
            f"{'every point' if len(labels) == len(points) else '; '.join(labels)})"))
            for problem, labels in where.items()])
    return scenarios


def run_sweep(
    path: Path,
    sweep: Sweep,
    base_changes: dict[str, Any] | None = None,
    executor: ExecutorName | Executor = "processes",
    jobs: int | None = None,
    scheduler: str | None = None,
    cache: ResultCache | None = None,
    progress: bool = True,
) -> SweepResult:
    """Run every grid point of ``sweep`` on the scenario file at ``path``.

    ``base_changes`` apply to every point (e.g. the seed); the sweep's own ``replications``
    (else the scenario's) sets how many replications each point gets.
    """
    changes = dict(base_changes or {})
    if sweep.replications is not None:
        changes.setdefault("time.replications", sweep.replications)
    scenarios = build_points(path, sweep, changes)
    started = time.perf_counter()
    tasks = [(s, r) for s in scenarios for r in range(s.time.replications)]
    flat = map_replications(simulate, tasks, executor, jobs, scheduler, cache, progress,
                            f"sweep of {len(scenarios)} points")
    results, start = [], 0
    for s in scenarios:
        results.append(flat[start:start + s.time.replications])
        start += s.time.replications
    return SweepResult(sweep, scenarios, results, time.perf_counter() - started)
