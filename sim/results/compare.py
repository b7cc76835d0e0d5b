"""The ``compare`` folder: two scenarios on the same seeds, paired (``python -m sim compare``).

Files of side A (the reference) and side B carry the prefixes ``COMPARE_SIDES``."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import pandas as pd

from sim.analysis.summary import compare, paired_differences
from sim.analysis.uncertainty import parameter_influence
from sim.analysis.winter import PERIOD_COLUMNS
from sim.config import Scenario
from sim.results.folder import COMPARE_SIDES, write_scenario
from sim.results.kinds import FolderKind, register, write_folder
from sim.results.run import PRECISION_CSV
from sim.runner import ScenarioResult

COMPARE = register(FolderKind("compare", "two scenarios on the same seeds: comparison.csv "
                                         "(paired B - A), each side's summary and scenario "
                                         "(python -m sim compare)"))


@dataclass(frozen=True)
class Comparison:
    """A (the reference) and B run on the same seeds and replication numbers; ``warnings``
    say what cannot be paired (``geography_warnings``); ``precision`` is the report of a
    run to a precision (``sim.precision``, with a ``scenario`` column), if it was one."""

    a: ScenarioResult
    b: ScenarioResult
    warnings: list[str] = field(default_factory=list)
    precision: pd.DataFrame | None = None

    @cached_property
    def table(self) -> pd.DataFrame:
        """Paired differences B - A of every metric and locality (comparison.csv)."""
        return compare(self.a.metrics, self.b.metrics)

    @property
    def replications(self) -> int:
        return len(self.a.replications)


def write_compare(comparison: Comparison, out: Path) -> Path:
    """The ``compare`` folder ``out``; returns ``out``."""
    sides = (comparison.a, comparison.b)
    a, b = (side.scenario for side in sides)
    reps = comparison.replications

    def files(folder: Path) -> None:
        comparison.table.to_csv(folder / "comparison.csv", index=False)
        for prefix, result in zip(COMPARE_SIDES, sides):
            result.summary().to_csv(folder / f"{prefix}summary.csv", index=False)
        if a.uncertain or b.uncertain:
            influence = parameter_influence(paired_differences(comparison.a.metrics,
                                                               comparison.b.metrics))
            influence.to_csv(folder / "parameter_influence.csv", index=False)
        for name in ("weekly", "monthly"):  # the same periods in both: same dates
            compare(getattr(comparison.a, name), getattr(comparison.b, name),
                    tuple(PERIOD_COLUMNS)).to_csv(folder / f"{name}_comparison.csv", index=False)
        if comparison.precision is not None:
            comparison.precision.to_csv(folder / PRECISION_CSV, index=False)
        for prefix, scenario in zip(COMPARE_SIDES, (a, b)):
            write_scenario(scenario, folder / f"{prefix}scenario.yaml")

    return write_folder(COMPARE, out, files, [a, b], reps,
                        comparison.a.wall_seconds + comparison.b.wall_seconds,
                        f"python -m sim compare {COMPARE_SIDES[0]}scenario.yaml "
                        f"{COMPARE_SIDES[1]}scenario.yaml --reps {reps} --seed {a.time.seed}",
                        {"wall_seconds_a": round(comparison.a.wall_seconds, 2),
                         "wall_seconds_b": round(comparison.b.wall_seconds, 2),
                         "warnings": comparison.warnings})


def geography_warnings(a: Scenario, b: Scenario) -> list[str]:
    """What a comparison of ``a`` and ``b`` cannot pair because their localities differ:
    the totals (all localities) are still compared, but a locality in one scenario only has
    no rows in comparison.csv."""
    only_a = [name for name in a.geography.localities if name not in b.geography.localities]
    only_b = [name for name in b.geography.localities if name not in a.geography.localities]
    if not only_a and not only_b:
        return []
    return [f"{a.name} and {b.name} have different localities (only in {a.name}: "
            f"{', '.join(only_a) or 'none'}; only in {b.name}: {', '.join(only_b) or 'none'}); "
            "their totals are compared, but those localities have no rows in comparison.csv"]
