"""The ``sweep`` folder: one scenario at every point of a grid (``python -m sim sweep``)."""

from __future__ import annotations

from pathlib import Path

import yaml

from sim.analysis.registry import SWEEP
from sim.config import Scenario
from sim.output.plots import save, sweep_plot
from sim.results.folder import write_scenario
from sim.results.kinds import FolderKind, register, write_folder
from sim.sweep import SweepResult

SWEEP_KIND = register(FolderKind("sweep", "a grid of what-ifs on the same seeds: sweep.csv, "
                                          "points.csv, replications.csv "
                                          "(python -m sim sweep)"))


def plotted_metrics(result: SweepResult) -> list[str]:
    """The sweep's own metrics, else the default sweep metrics it produced."""
    produced = set(result.replications_table()["metric"])
    return result.sweep.metrics or [m for m in SWEEP if m in produced]


def write_sweep(result: SweepResult, base: Scenario, out: Path) -> Path:
    """The ``sweep`` folder ``out`` of ``result``, run on ``base`` (the scenario before the
    sweep's changes; its replications replaced by the sweep's); returns ``out``."""
    summary = result.summary()
    fields = list(result.sweep.vary)
    metrics = plotted_metrics(result)
    reps = result.scenarios[0].time.replications

    def files(folder: Path) -> None:
        summary.to_csv(folder / "sweep.csv", index=False)
        result.points_table().to_csv(folder / "points.csv", index=False)
        result.replications_table().to_csv(folder / "replications.csv", index=False)
        write_scenario(base, folder / "scenario.yaml")
        (folder / "sweep.yaml").write_text(yaml.safe_dump(
            {"vary": result.sweep.vary, "metrics": metrics, "replications": reps},
            sort_keys=False))
        for metric in metrics:
            save(sweep_plot(summary, fields, metric), folder / "plots" / f"{metric}.png")

    return write_folder(SWEEP_KIND, out, files, [base], reps, result.wall_seconds,
                        f"python -m sim sweep scenario.yaml --sweep-file sweep.yaml "
                        f"--seed {base.time.seed}", {"points": len(result.scenarios)})
