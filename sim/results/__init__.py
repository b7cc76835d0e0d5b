"""The one door to results folders: every folder is written and read here, from result
objects, by the command line, the app and notebooks alike.

Write (each returns the folder's path; atomic: it appears complete or not at all)::

    from sim import results
    run = results.Run(run_scenario(scenario))            # + precision=report, if run to one
    results.write_run(run, Path("results/mine"))
    results.write_compare(results.Comparison(result_a, result_b), out)
    results.write_sweep(sweep_result, base_scenario, out)
    # parts above the door register and write their own kinds:
    # sim.capacity.folders (capacity, capacity_search), sim.fit.backtest_folder (backtest),
    # sim.warmup (warmup), sim.verify.command (verify)

Read (any kind, any format version so far)::

    folder = results.open_folder(path)  # .kind, .format_version, .manifest, .table("summary")

Every folder holds ``manifest.json`` with its ``kind`` and ``format_version``
(``FORMAT_VERSION``); a folder written before the manifest said either opens as version 1
(its kind told by a marker file, ``sim.results.folder.V1_MARKERS``), so ``python -m sim
report`` rebuilds the board report of old folders too.

Adding a kind of folder (desmod's "each part contributes its results"): in the module of the
part whose results it holds, (1) register it, (2) write a function from the part's result
object to the folder that hands its own files to ``write_folder``::

    CALIBRATION = register(FolderKind("calibrate", "fitted parameters: posterior.csv ..."))

    def write_calibration(result: Calibration, out: Path) -> Path:
        def files(folder: Path) -> None:
            result.posterior.to_csv(folder / "posterior.csv", index=False)
            write_scenario(result.scenario, folder / "scenario.yaml")
        return write_folder(CALIBRATION, out, files, [result.scenario], result.replications,
                            result.wall_seconds, "python -m sim calibrate scenario.yaml ...")

``write_folder`` adds the manifest (kind, format version, seeds, versions, the command that
redoes it) and the files derived from the folder's own (the board report, for the kinds
``sim.report`` builds one for). Reading needs nothing more: ``open_folder`` reads any kind's
tables. A part that builds files from other kinds' folders adds itself with ``add_derived``
and one name in ``sim.results.kinds.DERIVED_PARTS``. A change to what an existing kind's
files mean raises ``FORMAT_VERSION``, and the reader learns to open the older version.
"""

from __future__ import annotations

from sim.results.compare import COMPARE, Comparison, geography_warnings, write_compare
from sim.results.folder import (
    COMPARE_SIDES,
    FORMAT_VERSION,
    NotAResultsFolder,
    ResultsFolder,
    atomic_folder,
    check_free,
    default_folder,
    manifest,
    resolved_yaml,
    write_json,
    write_scenario,
)
from sim.results.kinds import KINDS, FolderKind, add_derived, register, write_folder
from sim.results.run import PRECISION_CSV, RUN, Run, write_run, write_winter_outputs
from sim.results.sweep import SWEEP_KIND, plotted_metrics, write_sweep

open_folder = ResultsFolder.open

__all__ = [
    "COMPARE", "COMPARE_SIDES", "FORMAT_VERSION", "KINDS", "PRECISION_CSV", "RUN", "SWEEP_KIND",
    "Comparison", "FolderKind", "NotAResultsFolder", "ResultsFolder", "Run", "add_derived",
    "atomic_folder", "check_free", "default_folder", "geography_warnings", "manifest",
    "open_folder", "plotted_metrics", "register", "resolved_yaml", "write_compare",
    "write_folder", "write_json", "write_run", "write_scenario", "write_sweep",
    "write_winter_outputs",
]
