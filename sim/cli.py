"""Command line: ``python -m sim validate|show|run|compare|sweep|metrics|capacity|verify|report|
warmup|fit|backtest|app``.

Run ``python -m sim -h`` for help."""

from __future__ import annotations

import argparse
import functools
import multiprocessing
import os
import signal
import sys
import threading
from pathlib import Path
from typing import Any

import pandas as pd

from sim import results, warmup
from sim.analysis.metrics import ALL
from sim.analysis.metrics_doc import WRITE_COMMAND, listing, write_docs
from sim.analysis.registry import HEADLINE, PRECISION, SWEEP, metric_info, renamed_note
from sim.analysis.uncertainty import MIN_REPLICATIONS_TO_RANK
from sim.app import launch as app_launch
from sim.calibrate import command as calibrate_command
from sim.capacity import command as capacity_command
from sim.cli_options import add_run_options, run_settings, table_text
from sim.compile import load_scenario, with_changes
from sim.config import Scenario, ScenarioError
from sim.executors import ExecutorUnavailable
from sim.fit import command as fit_command
from sim.memory import check_replications
from sim.precision import run_to_precision
from sim.report import command as report_command
from sim.report.html import REPORT
from sim.runner import produced_metrics, run_scenario
from sim.sweep import Sweep, load_sweep, parse_vary, run_sweep
from sim.verify import command as verify_command

EXIT_INVALID = 2


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    # signal handlers belong to the main thread; called from another (the app's page), the
    # host process handles its own signals
    handles_signals = threading.current_thread() is threading.main_thread()
    if handles_signals:
        previous = signal.signal(signal.SIGTERM, functools.partial(_terminated, os.getpid()))
    try:
        return int(args.handler(args))
    except ScenarioError as error:
        for message in error.messages:
            print(message, file=sys.stderr)
        return EXIT_INVALID
    except KeyboardInterrupt as stop:
        print("interrupted; no results folder was written", file=sys.stderr)
        return 143 if isinstance(stop, Terminated) else 130  # the shells' 128 + signal
    except (OSError, ExecutorUnavailable) as error:  # a results folder that exists, an
        print(f"error: {error}", file=sys.stderr)  # unreachable scheduler, no dask, ...
        return 1
    except Exception as error:  # noqa: BLE001 (last resort: a message, not a traceback)
        if os.environ.get("SIM_TRACEBACK"):
            raise
        print(f"error: {type(error).__name__}: {error}\n(this is a fault of the program, not "
              "of your input: please report it; SIM_TRACEBACK=1 shows where it happened)",
              file=sys.stderr)
        return EXIT_INVALID
    finally:
        if handles_signals:
            signal.signal(signal.SIGTERM, previous)


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised where Ctrl-C would be so that the same clean-up runs."""


def _terminated(main_pid: int, signum: int, frame: Any) -> None:
    """SIGTERM (a scheduler's or an orchestrator's stop) ends the run as Ctrl-C does.

    Ctrl-C reaches the whole process group, workers included; SIGTERM reaches only this
    process, so the workers it started (a process pool, a local Dask cluster) are stopped
    here, or they would finish their replications for nobody."""
    if os.getpid() != main_pid:  # a forked worker that inherited this handler: just end
        signal.signal(signum, signal.SIG_DFL)
        os.kill(os.getpid(), signum)
        return
    for child in multiprocessing.active_children():
        child.terminate()
    raise Terminated


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m sim", description=__doc__)
    commands = parser.add_subparsers(required=True, metavar="COMMAND")

    validate = commands.add_parser("validate", help="check scenario files")
    validate.add_argument("files", nargs="+", type=Path)
    validate.set_defaults(handler=_validate)

    show = commands.add_parser("show", help="print the fully resolved scenario")
    show.add_argument("file", type=Path)
    show.set_defaults(handler=_show)

    run = commands.add_parser("run", help="run a scenario and write a results folder")
    run.add_argument("scenario", type=Path)
    add_run_options(run)
    run.add_argument("--events", action="store_true", help="also write events.parquet")
    run.add_argument("--precision", type=float, metavar="FRACTION",
                     help="add replications until the 95%% interval of each --metrics is "
                          "within this fraction of its mean (e.g. 0.05)")
    run.add_argument("--max-reps", type=int, default=200,
                     help="cap on replications with --precision (default 200)")
    run.add_argument("--metrics", nargs="+", default=PRECISION, metavar="METRIC",
                     help=f"metrics --precision applies to (default: {' '.join(PRECISION)}; every "
                          "metric: python -m sim metrics)")
    run.set_defaults(handler=_run)

    cmp = commands.add_parser("compare", help="run two scenarios with the same seeds")
    cmp.add_argument("a", type=Path, help="reference scenario (e.g. baseline)")
    cmp.add_argument("b", type=Path, help="alternative scenario (e.g. locality)")
    add_run_options(cmp)
    cmp.set_defaults(handler=_compare)

    sweep = commands.add_parser("sweep", help="run a grid of what-ifs with the same seeds")
    sweep.add_argument("scenario", type=Path)
    sweep.add_argument("--vary", action="append", default=[], metavar="PATH=VALUES",
                       help="a field and its values: v1,v2,v3 or start:stop:step (stop "
                            "included); repeat for a grid")
    sweep.add_argument("--sweep-file", type=Path, help="YAML with vary:, metrics:, replications:")
    sweep.add_argument("--metrics", nargs="+", metavar="METRIC",
                       help=f"metrics to plot against the varied fields (default: {' '.join(SWEEP)}; "
                            "every metric: python -m sim metrics)")
    add_run_options(sweep)
    sweep.set_defaults(handler=_sweep)

    metrics = commands.add_parser("metrics", help="list every metric: label, unit, rows, range")
    metrics.add_argument("--write-docs", action="store_true",
                         help="rewrite the metric tables of docs/metrics.md and docs/winter.md "
                              "from the registry (sim/analysis/catalogue.py)")
    metrics.set_defaults(handler=_metrics)

    capacity_command.add_parser(commands)
    calibrate_command.add_parser(commands)
    report_command.add_parser(commands)
    warmup.add_parser(commands)
    verify_command.add_parser(commands)
    fit_command.add_parsers(commands)
    app_launch.add_parser(commands)
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
        except Exception as error:  # noqa: BLE001 (last resort: one bad file must not stop the rest)
            status = EXIT_INVALID
            print(f"{file}: could not be checked ({type(error).__name__}: {error}); please "
                  "report this with the file", file=sys.stderr)
    return status


def _show(args: argparse.Namespace) -> int:
    print(results.resolved_yaml(load_scenario(args.file)), end="")
    return 0


def _load(path: Path, args: argparse.Namespace, seed: int | None = None) -> Scenario:
    changes: dict[str, Any] = {}
    if (args.seed if seed is None else seed) is not None:
        changes["time.seed"] = args.seed if seed is None else seed
    scenario = load_scenario(path, changes)
    if args.reps is None:
        return scenario
    check_replications(scenario, args.reps)  # before validating: the estimate is the message
    return load_scenario(path, {**changes, "time.replications": args.reps})


def _run(args: argparse.Namespace) -> int:
    scenario = _load(args.scenario, args)
    out = args.out or results.default_folder(scenario.name)
    results.check_free(out)
    settings = run_settings(args)
    if args.precision is not None:
        if args.events:
            raise ScenarioError(["--events: not available with --precision"])
        run = results.Run(*run_to_precision(scenario, args.metrics, args.precision,
                                            args.max_reps, **settings))
    else:
        if args.events:
            settings["cache"] = None  # the event log is never cached
        run = results.Run(run_scenario(scenario, keep_events=args.events, **settings))
    results.write_run(run, out)
    reps = len(run.result.replications)
    summary = run.summary
    print(table_text(_with_units(summary[summary["locality"] == ALL].set_index("metric")
                                 .reindex([m for m in HEADLINE if m in set(summary["metric"])])
                                 [["mean", "ci_low", "ci_high"]])))
    if run.precision is not None:
        reached = "reached" if run.precision["reached"].all() else \
            f"NOT reached within --max-reps {args.max_reps}"
        print(f"\nprecision {args.precision:.1%} {reached} with {reps} replications:")
        print(table_text(run.precision.set_index("metric")))
    if run.influence is not None:
        print("\nuncertain parameters: share of each metric's variance across replications "
              "they explain (parameter_influence.csv)")
        headline = run.influence[run.influence["metric"].isin(HEADLINE)]
        print(table_text(headline.pivot(index="metric", columns="parameter",
                                        values="variance_share")) if len(headline)
              else f"(at least {MIN_REPLICATIONS_TO_RANK} replications are needed)")
    print(f"\n{scenario.name}: {reps} replications in {run.result.wall_seconds:.1f} s -> {out}"
          f"\nboard report: {out / REPORT}")
    return 0


def _compare(args: argparse.Namespace) -> int:
    a = _load(args.a, args)
    b = _load(args.b, args, seed=a.time.seed)
    b = with_changes(b, {"time.replications": a.time.replications})
    out = args.out or results.default_folder(f"{a.name}_vs_{b.name}")
    results.check_free(out)
    warnings = results.geography_warnings(a, b)
    for warning in warnings:
        print(f"warning: {warning}", file=sys.stderr)
    comparison = results.Comparison(run_scenario(a, **run_settings(args)),
                                    run_scenario(b, **run_settings(args)), warnings)
    results.write_compare(comparison, out)
    table = comparison.table
    shown = table[table["locality"] == ALL].set_index("metric")
    shown = shown.reindex([m for m in HEADLINE if m in shown.index])
    print(f"{b.name} minus {a.name}, paired over {comparison.replications} replications "
          "(95% CI):")
    print(table_text(_with_units(shown[["a_mean", "b_mean", "diff_mean", "diff_ci_low",
                                        "diff_ci_high"]])))
    print(f"\n{a.name}: {comparison.a.wall_seconds:.1f} s, {b.name}: "
          f"{comparison.b.wall_seconds:.1f} s -> {out}\nboard report: {out / REPORT}")
    return 0


def _with_units(table: pd.DataFrame) -> pd.DataFrame:
    """``table`` (indexed by metric) with each metric's unit from the registry last."""
    return table.assign(unit=[metric_info(m).unit for m in table.index])


def _sweep(args: argparse.Namespace) -> int:
    if not args.vary and args.sweep_file is None:
        raise ScenarioError(["sweep: give --vary path.to.field=values or --sweep-file FILE"])
    sweep = load_sweep(args.sweep_file) if args.sweep_file else Sweep({})
    sweep = Sweep({**sweep.vary, **parse_vary(args.vary)}, args.metrics or sweep.metrics,
                  args.reps or sweep.replications)
    changes = {"time.seed": args.seed} if args.seed is not None else {}
    base = load_scenario(args.scenario, changes)
    check_replications(base, sweep.replications or base.time.replications)
    settings = run_settings(args)
    produced = set(produced_metrics(base))
    unknown = [m for m in sweep.metrics if m not in produced]
    if unknown:
        raise ScenarioError([f"--metrics: unknown metric(s) {', '.join(unknown)}"
                             f"{renamed_note(unknown)}; expected names from summary.csv"])
    out = args.out or results.default_folder(f"{base.name}_sweep")
    results.check_free(out)
    result = run_sweep(args.scenario, sweep, changes, **settings)
    results.write_sweep(result, base, out)
    summary = result.summary()
    fields = list(sweep.vary)
    metrics = results.plotted_metrics(result)
    shown = summary[(summary["locality"] == ALL) & summary["metric"].isin(metrics)]
    print(table_text(shown.pivot(index=fields, columns="metric", values="mean")[metrics]))
    print(f"\n{len(result.scenarios)} points x {result.scenarios[0].time.replications} "
          f"replications in {result.wall_seconds:.1f} s -> {out}\nboard report: {out / REPORT}")
    return 0


def _metrics(args: argparse.Namespace) -> int:
    if args.write_docs:
        changed = write_docs()
        print("\n".join(f"rewrote {page}" for page in changed) or "docs already up to date")
        return 0
    print(table_text(listing()))
    print(f"\nper service: <service> is a service's name; per pathway: <pathway> a discharge "
          f"pathway tag. Definitions: docs/metrics.md ({WRITE_COMMAND} regenerates them)")
    return 0


def __getattr__(name: str) -> object:
    if name == "geography_warnings":  # moved to the door, with the folder it warns about
        import warnings

        warnings.warn("sim.cli.geography_warnings is now sim.results.geography_warnings",
                      DeprecationWarning, stacklevel=2)
        return results.geography_warnings
    raise AttributeError(f"module 'sim.cli' has no attribute {name!r}")
