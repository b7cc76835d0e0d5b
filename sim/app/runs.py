"""A browser session's runs: its own results folder, the replications run with a progress
callback (kept in the shared results cache, so a cancelled run resumes), and the folders
written from the results through the door (``sim.results``), so each is what the command
line writes.

With a precision instead of a fixed number of replications, both sides run in rounds until
every chosen metric's 95% interval is within that fraction of its mean on each side, with the
loop of ``python -m sim run --precision`` (``sim.precision``).
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from pathlib import Path

from sim import results
from sim.app.edits import write_whatif
from sim.cache import DEFAULT_CACHE, ResultCache
from sim.capacity.criteria import Criteria
from sim.capacity.folders import estimate_capacity, write_estimate
from sim.capacity.occupancy import capacitated_services
from sim.compile import load_scenario, with_changes
from sim.config import Scenario
from sim.executors import open_executor
from sim.precision import SettingNames, check_settings, run_together_to_precision
from sim.runner import Progress, run_scenario

APP_RESULTS = Path("results") / "app"
FORM_SETTINGS = SettingNames("precision", "precision metrics", "most replications")  # its labels


@dataclass(frozen=True)
class Precision:
    """Run until each of ``metrics`` (whole system) has a 95% interval half-width within
    ``fraction`` (0.05 = 5%) of its mean, on both sides, or ``max_replications`` a side."""

    fraction: float
    metrics: list[str]
    max_replications: int

    def check(self) -> None:
        """``ScenarioError`` naming each run settings' field that cannot be used."""
        check_settings(self.fraction, self.metrics, self.max_replications, FORM_SETTINGS)


def session_folder(root: Path = APP_RESULTS) -> Path:
    """A new folder for one browser session's files (uploads, what-ifs, results)."""
    folder = root / f"{dt.datetime.now():%Y%m%d-%H%M%S}-{uuid.uuid4().hex[:8]}"
    folder.mkdir(parents=True)
    return folder


def reference_yaml(base: Path, time: dict[str, float | int], folder: Path) -> Path:
    """The chosen scenario with only the run settings changed (run length, warm-up,
    replications, seed): the A side of the comparison, so A and B differ only by the levers."""
    path, _ = write_whatif(base, f"{base.stem}_reference",
                           {f"time.{key}": value for key, value in time.items()}, folder)
    return path


def compare(a_path: Path, b_path: Path, out: Path, progress: Progress,
            cache: Path = DEFAULT_CACHE, jobs: int | None = None) -> results.Comparison:
    """Run A and B (``progress`` told after each replication) and write the comparison
    folder ``out``, as ``python -m sim compare A B --out OUT``. Raises ``ScenarioError`` or
    ``OSError`` as the command line would."""
    a, b = _pair(a_path, b_path)
    results.check_free(out)
    n = a.time.replications
    with open_executor("processes", jobs) as pool:
        result_a, result_b = (run_scenario(s, executor=pool, cache=ResultCache(cache),
                                           progress=_counted(progress, i * n, 2 * n))
                              for i, s in enumerate((a, b)))
    comparison = results.Comparison(result_a, result_b, results.geography_warnings(a, b))
    results.write_compare(comparison, out)
    return comparison


def to_precision(a_path: Path, b_path: Path, precision: Precision, out: Path,
                 progress: Progress, cache: Path = DEFAULT_CACHE, jobs: int | None = None
                 ) -> results.Comparison:
    """``compare`` with replications added in rounds until ``precision`` is reached on both
    sides or the cap; the folder holds the final report (``precision.csv``) and each side's
    scenario says the replications reached."""
    precision.check()
    a, b = _pair(a_path, b_path)
    results.check_free(out)
    sides, report = run_together_to_precision(
        [a, b], precision.metrics, precision.fraction, precision.max_replications,
        jobs=jobs, cache=ResultCache(cache), progress=progress, names=FORM_SETTINGS)
    comparison = results.Comparison(sides[0], sides[1], results.geography_warnings(a, b),
                                    report)
    results.write_compare(comparison, out)
    return comparison


def capacity_needed(path: Path, out: Path, progress: Progress, cache: Path = DEFAULT_CACHE,
                    jobs: int | None = None) -> Path:
    """The folder of ``python -m sim capacity PATH --out OUT`` (every team, ward and caseload
    unlimited, the default criteria), ``progress`` told after each replication. Returns
    ``out``."""
    scenario = load_scenario(path)
    results.check_free(out)
    found = estimate_capacity(scenario, capacitated_services(scenario), Criteria(),
                              jobs=jobs, cache=ResultCache(cache), progress=progress)
    return write_estimate(found, out)


def _counted(progress: Progress, before: int, total: int) -> Progress:
    """``progress`` of one run among several: ``before`` replications done by the earlier
    ones, ``total`` in all."""
    return lambda done, _: progress(before + done, total)


def _pair(a_path: Path, b_path: Path) -> tuple[Scenario, Scenario]:
    """A and B as ``compare`` runs them: B on A's seed and replications."""
    a, b = load_scenario(a_path), load_scenario(b_path)
    return a, with_changes(b, {"time.seed": a.time.seed, "time.replications": a.time.replications})
