"""``python -m sim calibrate SCENARIO --figures FILE``: history matching of the scenario's
``calibration:`` ranges against published figures (docs/calibration.md)."""

from __future__ import annotations

import argparse
import shlex
import time
from pathlib import Path
from typing import Any

from sim.calibrate.space import calibration_space, check_space
from sim.cli_options import add_run_options, run_settings, table_text
from sim.compile import load_scenario
from sim.config import ScenarioError
from sim.config.schema import Scenario
from sim.executors import open_executor
from sim.figures import FigureSet, check_against, load_figures
from sim.results import default_folder, write_folder
from sim.runner import produced_metrics
from sim.subcommands import Subcommands

EXIT_RULED_OUT = 1
DESCRIPTION = """\
History matching (Craig et al. 1997, Vernon et al. 2010, Andrianakis et al. 2015): a Latin
hypercube over the scenario's calibration: ranges, an emulator per figure, waves that rule
out the input sets whose implausibility exceeds 3, and an ensemble of input sets not ruled
out, each confirmed by simulation. Writes ensemble.csv, design.csv, figures.csv,
conflicts.csv, constraints.csv, emulator_diagnostics.csv, report.html, results.xlsx,
best.yaml and manifest.json; exit status 1 if every input set is ruled out.
--reps is the replications at each design point here (default 3). See docs/calibration.md."""
# (option, type, default, minimum, help)
OPTIONS: list[tuple[str, type, Any, float, str]] = [
    ("--waves", int, 2, 1, "waves of design points"),
    ("--points-per-input", int, 10, 2, "design points per input in each wave"),
    ("--reps", int, 3, 2, "replications at each design point"),
    ("--discrepancy", float, 0.05, 0.0, "model discrepancy sd, a share of each figure"),
    ("--ensemble-size", int, 50, 1, "input sets confirmed for the ensemble"),
    ("--confirm-reps", int, 5, 5, "fresh replications confirming each ensemble member"),
]


def add_parser(commands: Subcommands) -> None:
    """Register the ``calibrate`` subcommand on the CLI's subparsers."""
    sub = commands.add_parser(
        "calibrate", help="history matching of the calibration: ranges against published "
                          "figures", description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    sub.add_argument("scenario", type=Path, help="scenario file with a calibration: block")
    sub.add_argument("--figures", type=Path, required=True, metavar="FILE",
                     help="published-figures file (scenarios/figures/*.yaml)")
    add_run_options(sub)
    for option, kind, default, minimum, text in OPTIONS:
        if option == "--reps":  # the shared --reps means the scenario's replications
            sub.set_defaults(reps=default)
        else:
            sub.add_argument(option, type=kind, default=default,
                             help=f"{text} (default: {default}; at least {minimum:g})")
    sub.set_defaults(handler=run_calibrate)


def _checked(args: argparse.Namespace) -> None:
    problems = []
    for option, _, _, minimum, _ in OPTIONS:
        value = getattr(args, option[2:].replace("-", "_"))
        if value < minimum:
            problems.append(f"{option}: expected at least {minimum:g}, got {value:g}")
    if args.discrepancy >= 1:
        problems.append(f"--discrepancy: expected a share below 1 (0.05 is 5%), got "
                        f"{args.discrepancy:g}")
    if problems:
        raise ScenarioError(problems)


def check_figures_produced(figures: FigureSet, scenario: Scenario) -> None:
    """``ScenarioError`` naming each figure whose metric the scenario does not produce at the
    figure's locality (found from one simulated day, before the calibration runs)."""
    produced = produced_metrics(scenario)
    problems = [f"{figures.path}: figures.{f.id}: the scenario '{scenario.name}' does not "
                f"produce the metric {metric} at locality '{f.locality}'"
                for f in figures.figures for metric in f.metrics
                if f.locality not in produced.get(metric, [])]
    if problems:
        raise ScenarioError(problems)


def run_calibrate(args: argparse.Namespace) -> int:
    """Handler of ``python -m sim calibrate``; returns the exit status."""
    # imported here: scikit-learn loads only when a calibration runs, not with every command
    from sim.calibrate.history import HistoryMatch, Settings
    from sim.calibrate.implausibility import targets
    from sim.calibrate.outputs import KIND, Tables, manifest_extra, summary_lines, write_files
    from sim.calibrate.simulate import ScenarioSimulator

    _checked(args)
    settings = run_settings(args)
    scenario = load_scenario(args.scenario, {} if args.seed is None else
                             {"time.seed": args.seed})
    figures = load_figures(args.figures)
    check_against(figures, scenario)
    space = calibration_space(scenario)
    check_space(space)
    check_figures_produced(figures, scenario)
    out: Path = args.out or default_folder(f"{scenario.name}_calibration")
    if out.exists():
        raise FileExistsError(f"{out} already exists; choose another --out")
    plan = Settings(seed=scenario.time.seed, waves=args.waves,
                    points_per_input=args.points_per_input, reps=args.reps,
                    ensemble_size=args.ensemble_size, confirm_reps=args.confirm_reps)
    started = time.perf_counter()
    with open_executor(settings["executor"], settings["jobs"], settings["scheduler"]) as pool:
        simulator = ScenarioSimulator(space, figures, pool, settings["cache"],
                                      settings["progress"])
        result = HistoryMatch(space.k, targets(figures, args.discrepancy), plan, simulator
                              ).run()
    wall = time.perf_counter() - started
    reproduce = " ".join([
        "python -m sim calibrate scenario.yaml --figures figures.yaml",
        f"--seed {plan.seed} --waves {plan.waves} --points-per-input {plan.points_per_input}",
        f"--reps {plan.reps} --discrepancy {args.discrepancy:g}",
        f"--ensemble-size {plan.ensemble_size} --confirm-reps {plan.confirm_reps}"])
    t = Tables.of(result, space, figures)
    write_folder(KIND, out, lambda folder: write_files(folder, out.name, t, result, space, figures,
                                                       args.discrepancy),
                 [space.scenario], plan.reps, wall, reproduce,
                 manifest_extra(result, space, figures,
                                {"discrepancy": args.discrepancy,
                                 "scenario_file": shlex.quote(str(args.scenario))}))
    print(table_text(t.counts.set_index("wave")))
    print("\n" + "\n".join(summary_lines(result, t)))
    print(f"{result.targets.rule}; {wall:.0f} s -> {out}")
    return 0 if result.status == "ensemble" else EXIT_RULED_OUT
