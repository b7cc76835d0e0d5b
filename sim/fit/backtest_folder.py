"""The ``backtest`` folder (``python -m sim backtest``), registered with the door
(``sim.results``): the weekly comparison of a run with an extract, its summary and plots."""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt

from sim.analysis.metrics import ALL
from sim.fit.backtest import Backtest, tested
from sim.fit.plots import backtest_plot, coverage_plot
from sim.results import FolderKind, register, write_folder, write_scenario

BACKTEST = register(FolderKind(
    "backtest", "a run against a local extract week by week: weeks.csv, summary.csv, plots "
                "(python -m sim backtest)"))


def write_backtest(result: Backtest, out: Path, reproduce: str) -> Path:
    """The ``backtest`` folder ``out``: weeks.csv (observed counts of 1-4 blanked),
    summary.csv, the scenario run, a plot per measure of the whole area's observed weeks
    against the simulated band (and per locality for the tested measures), and the share of
    weeks inside the band by measure and locality (inside_band.png). ``reproduce``: the
    command that redoes it (the extract stays outside the folder)."""

    def files(folder: Path) -> None:
        result.published_weeks().to_csv(folder / "weeks.csv", index=False)
        result.summary().to_csv(folder / "summary.csv", index=False)
        write_scenario(result.scenario, folder / "scenario.yaml")
        plots = folder / "plots"
        plots.mkdir()
        for measure in result.weeks["measure"].unique():
            # every measure for the whole area; the tested ones for each locality too
            localities = result.weeks["locality"].unique() \
                if tested(measure, result.scenario) else [ALL]
            for locality in localities:
                fig = backtest_plot(result, measure, locality)
                suffix = "" if locality == ALL else f"_{locality}"
                fig.savefig(plots / f"{measure.replace(':', '_')}{suffix}.png", dpi=90)
                plt.close(fig)
        fig = coverage_plot(result)
        fig.savefig(plots / "inside_band.png", dpi=90)
        plt.close(fig)

    scenario = result.scenario
    return write_folder(BACKTEST, out, files, [scenario], scenario.time.replications,
                        result.wall_seconds, reproduce,
                        {"passed": result.passed, "threshold": result.threshold,
                         "service_threshold": result.service_threshold})
