"""The ``run`` folder: one scenario's replications (``python -m sim run``)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import pandas as pd

from sim.analysis.uncertainty import parameter_influence
from sim.output.plots import write_standard_plots, write_weekly_plots
from sim.pages.winter import winter_report
from sim.results.folder import write_scenario
from sim.results.kinds import FolderKind, register, write_folder
from sim.runner import ScenarioResult

RUN = register(FolderKind("run", "one scenario's replications: summary.csv, replications.csv, "
                                 "daily, weekly and monthly tables (python -m sim run)"))
PRECISION_CSV = "precision.csv"  # where a run to a precision writes its final report


@dataclass(frozen=True)
class Run:
    """A scenario's replications, and the precision report when it was run to a precision
    (``sim.precision.run_to_precision``)."""

    result: ScenarioResult
    precision: pd.DataFrame | None = None

    @cached_property
    def summary(self) -> pd.DataFrame:
        """Mean and 95% interval of every metric and locality across replications."""
        return self.result.summary()

    @cached_property
    def influence(self) -> pd.DataFrame | None:
        """Each uncertain parameter's share of each metric's variance; None when the
        scenario has no uncertain parameter."""
        return parameter_influence(self.result.metrics) if self.result.scenario.uncertain \
            else None


def write_run(run: Run, out: Path) -> Path:
    """The ``run`` folder ``out`` (see docs/metrics.md for every file); returns ``out``."""
    result, scenario = run.result, run.result.scenario
    reps = len(result.replications)

    def files(folder: Path) -> None:
        run.summary.to_csv(folder / "summary.csv", index=False)
        result.metrics.to_csv(folder / "replications.csv", index=False)
        result.daily.to_csv(folder / "daily.csv", index=False)
        if result.events is not None:  # kept when asked for (--events)
            result.events.to_parquet(folder / "events.parquet", index=False)
        if run.precision is not None:
            run.precision.to_csv(folder / PRECISION_CSV, index=False)
        if run.influence is not None:
            run.influence.to_csv(folder / "parameter_influence.csv", index=False)
        write_scenario(scenario, folder / "scenario.yaml")
        write_standard_plots(result.daily, run.summary, scenario, folder / "plots")
        write_winter_outputs(result, run.summary, folder)

    return write_folder(RUN, out, files, [scenario], reps, result.wall_seconds,
                        f"python -m sim run scenario.yaml --reps {reps} "
                        f"--seed {scenario.time.seed}",
                        {"events_logged": sum(r.n_events for r in result.replications)})


def write_winter_outputs(result: ScenarioResult, summary: pd.DataFrame, folder: Path) -> None:
    """The week-by-week and month-by-month outputs of a run (docs/winter.md): ``weekly.csv``
    and ``monthly.csv`` (mean and 95% interval across replications), the values of each
    replication (``weekly_replications.csv``, ``monthly_replications.csv``), escalation
    episodes (``escalation.csv``), ``winter.md`` and the weekly plots in ``plots/``."""
    weekly, monthly, episodes = result.weekly_summary(), result.monthly_summary(), \
        result.escalation
    weekly.to_csv(folder / "weekly.csv", index=False)
    monthly.to_csv(folder / "monthly.csv", index=False)
    result.weekly.to_csv(folder / "weekly_replications.csv", index=False)
    result.monthly.to_csv(folder / "monthly_replications.csv", index=False)
    episodes.to_csv(folder / "escalation.csv", index=False)
    (folder / "winter.md").write_text(
        winter_report(result.scenario, summary, weekly, monthly, episodes), encoding="utf-8")
    write_weekly_plots(weekly, result.scenario, folder / "plots")
