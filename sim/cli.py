"""Command line: ``python -m sim validate|show|run|compare``. Run with ``-h`` for help."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import pandas as pd

from sim.analysis.metrics import ALL
from sim.analysis.summary import compare
from sim.config import Scenario, ScenarioError, load_scenario
from sim.output.folder import (
    atomic_folder,
    default_folder,
    manifest,
    resolved_yaml,
    write_json,
    write_scenario,
)
from sim.output.plots import write_standard_plots
from sim.runner import run_scenario

HEADLINE = [
    "emergency_admissions",
    "emergency_admissions_per_1000",
    "acute_occupancy_mean",
    "acute_occupancy_pct_mean",
    "ed_boarding_hours_mean",
    "delayed_discharge_bed_days",
    "delayed_discharges_per_100k",
    "ucr_within_2h_pct",
    "ic_wait_days_mean",
    "readmissions_30d",
    "admissions_avoided",
    "crises_prevented",
]
EXIT_INVALID = 2


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return int(args.handler(args))
    except ScenarioError as error:
        for message in error.messages:
            print(message, file=sys.stderr)
        return EXIT_INVALID
    except KeyboardInterrupt:
        print("interrupted; no results folder was written", file=sys.stderr)
        return 130
    except FileExistsError as error:
        print(error, file=sys.stderr)
        return 1


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m sim", description=__doc__)
    commands = parser.add_subparsers(required=True, metavar="COMMAND")

    validate = commands.add_parser("validate", help="check scenario files")
    validate.add_argument("files", nargs="+", type=Path)
    validate.set_defaults(handler=_validate)

    show = commands.add_parser("show", help="print the fully resolved scenario")
    show.add_argument("file", type=Path)
    show.set_defaults(handler=_show)

    def run_options(sub: argparse.ArgumentParser) -> None:
        sub.add_argument("--reps", type=int, help="replications (default: the scenario's)")
        sub.add_argument("--seed", type=int, help="seed (default: the scenario's)")
        sub.add_argument("--out", type=Path, help="results folder (default: results/...)")
        sub.add_argument("--jobs", type=int, help="processes (default: all cores)")
        sub.add_argument("--quiet", action="store_true", help="no progress bar")

    run = commands.add_parser("run", help="run a scenario and write a results folder")
    run.add_argument("scenario", type=Path)
    run_options(run)
    run.add_argument("--events", action="store_true", help="also write events.parquet")
    run.set_defaults(handler=_run)

    cmp = commands.add_parser("compare", help="run two scenarios with the same seeds")
    cmp.add_argument("a", type=Path, help="reference scenario (e.g. baseline)")
    cmp.add_argument("b", type=Path, help="alternative scenario (e.g. locality)")
    run_options(cmp)
    cmp.set_defaults(handler=_compare)
    return parser


def _validate(args: argparse.Namespace) -> int:
    status = 0
    for file in args.files:
        try:
            load_scenario(file)
            print(f"{file}: valid")
        except ScenarioError as error:
            status = EXIT_INVALID
            for message in error.messages:
                print(message, file=sys.stderr)
    return status


def _show(args: argparse.Namespace) -> int:
    print(resolved_yaml(load_scenario(args.file)), end="")
    return 0


def _load(path: Path, args: argparse.Namespace, seed: int | None = None) -> Scenario:
    changes: dict[str, Any] = {}
    if args.reps is not None:
        changes["time.replications"] = args.reps
    if (args.seed if seed is None else seed) is not None:
        changes["time.seed"] = args.seed if seed is None else seed
    return load_scenario(path, changes)


def _run(args: argparse.Namespace) -> int:
    scenario = _load(args.scenario, args)
    out = args.out or default_folder(scenario)
    if out.exists():
        raise FileExistsError(f"{out} already exists; choose another --out")
    result = run_scenario(scenario, jobs=args.jobs, keep_events=args.events,
                          progress=not args.quiet)
    summary = result.summary()
    with atomic_folder(out) as folder:
        summary.to_csv(folder / "summary.csv", index=False)
        result.metrics.to_csv(folder / "replications.csv", index=False)
        result.daily.to_csv(folder / "daily.csv", index=False)
        if args.events:
            result.events.to_parquet(folder / "events.parquet", index=False)  # type: ignore[union-attr]
        write_scenario(scenario, folder / "scenario.yaml")
        write_standard_plots(result.daily, summary, scenario, folder / "plots")
        reps = scenario.time.replications
        write_json(manifest([scenario], reps, result.wall_seconds,
                            f"python -m sim run scenario.yaml --reps {reps} "
                            f"--seed {scenario.time.seed}",
                            {"events_logged": sum(r.n_events for r in result.replications)}),
                   folder / "manifest.json")
    print(_table(summary[summary["locality"] == ALL].set_index("metric")
                 .reindex([m for m in HEADLINE if m in set(summary["metric"])])
                 [["mean", "ci_low", "ci_high"]]))
    print(f"\n{scenario.name}: {reps} replications in {result.wall_seconds:.1f} s -> {out}")
    return 0


def _compare(args: argparse.Namespace) -> int:
    a = _load(args.a, args)
    b = _load(args.b, args, seed=a.time.seed)
    b = b.with_changes({"time.replications": a.time.replications})
    out = args.out or Path("results") / f"{a.name}_vs_{b.name}" / default_folder(a).name
    if out.exists():
        raise FileExistsError(f"{out} already exists; choose another --out")
    result_a = run_scenario(a, jobs=args.jobs, progress=not args.quiet)
    result_b = run_scenario(b, jobs=args.jobs, progress=not args.quiet)
    table = compare(result_a.metrics, result_b.metrics)
    with atomic_folder(out) as folder:
        table.to_csv(folder / "comparison.csv", index=False)
        result_a.summary().to_csv(folder / "a_summary.csv", index=False)
        result_b.summary().to_csv(folder / "b_summary.csv", index=False)
        write_scenario(a, folder / "a_scenario.yaml")
        write_scenario(b, folder / "b_scenario.yaml")
        reps = a.time.replications
        write_json(manifest([a, b], reps, result_a.wall_seconds + result_b.wall_seconds,
                            f"python -m sim compare a_scenario.yaml b_scenario.yaml "
                            f"--reps {reps} --seed {a.time.seed}",
                            {"wall_seconds_a": round(result_a.wall_seconds, 2),
                             "wall_seconds_b": round(result_b.wall_seconds, 2)}),
                   folder / "manifest.json")
    shown = table[table["locality"] == ALL].set_index("metric")
    shown = shown.reindex([m for m in HEADLINE if m in shown.index])
    print(f"{b.name} minus {a.name}, paired over {reps} replications (95% CI):")
    print(_table(shown[["a_mean", "b_mean", "diff_mean", "diff_ci_low", "diff_ci_high"]]))
    print(f"\n{a.name}: {result_a.wall_seconds:.1f} s, {b.name}: {result_b.wall_seconds:.1f} s"
          f" -> {out}")
    return 0


def _table(frame: pd.DataFrame) -> str:
    return frame.to_string(float_format=lambda v: f"{v:,.2f}")
