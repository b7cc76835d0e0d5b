"""``python -m sim fit`` and ``python -m sim backtest`` (docs/data.md)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sim.analysis.metrics import ALL
from sim.cli_options import add_run_options, run_settings, table_text
from sim.compile import load_scenario
from sim.config import ScenarioError
from sim.fit.backtest import (
    DEFAULT_SERVICE_THRESHOLD,
    DEFAULT_THRESHOLD,
    over_period,
    run_backtest,
)
from sim.fit.backtest_folder import write_backtest
from sim.fit.extract import ExtractError, Period, read_extract
from sim.fit.fitting import FITTED, REPORT, fit_extract, write_fit
from sim.results import check_free, default_folder
from sim.subcommands import Subcommands

EXIT_FAILED = 1
EXIT_INVALID = 2


def add_parsers(commands: Subcommands) -> None:
    """Register ``fit`` and ``backtest`` on the CLI's subparsers."""
    fit = commands.add_parser("fit", help="fit a scenario layer to a local activity extract")
    fit.add_argument("extract", type=Path, help="CSV (.csv, .csv.gz) or parquet, docs/data.md")
    fit.add_argument("--base", type=Path, required=True, help="scenario the fit extends")
    fit.add_argument("--out", type=Path, required=True, help="folder for the fitted layers")
    fit.add_argument("--population", type=Path, metavar="CSV",
                     help="locality,age_band,population: your populations, replacing the base's")
    _extract_options(fit)
    fit.set_defaults(handler=run_fit)

    backtest = commands.add_parser("backtest", help="run a scenario over an extract's period "
                                                    "and compare them week by week")
    backtest.add_argument("scenario", type=Path)
    backtest.add_argument("extract", type=Path)
    backtest.add_argument("--threshold", type=float, default=DEFAULT_THRESHOLD,
                          help="least share of all weekly occupancy observations of wards and "
                               "caseloads inside the 90%% band (default %(default)s)")
    backtest.add_argument("--service-threshold", type=float, default=DEFAULT_SERVICE_THRESHOLD,
                          help="least share for each ward and caseload on its own (default "
                               "%(default)s)")
    _extract_options(backtest)
    add_run_options(backtest)
    backtest.set_defaults(handler=run_backtest_command)


def _extract_options(sub: argparse.ArgumentParser) -> None:
    sub.add_argument("--period", type=Period.parse, metavar="FROM:TO",
                     help="the extract's period, end exclusive (default: the dates it spans)")
    sub.add_argument("--practices", type=Path, metavar="CSV",
                     help="gp_practice,locality lookup, when the extract has gp_practice")


def run_fit(args: argparse.Namespace) -> int:
    if (args.out / FITTED).exists():
        raise FileExistsError(f"{args.out / FITTED} already exists; choose another --out")
    try:
        result = fit_extract(args.extract, args.base, args.period, args.practices,
                             args.population)
        fitted, census = write_fit(result, args.out)
    except ExtractError as error:
        return _invalid(error.messages)
    rejected, period = result.episodes.rejections, result.episodes.period
    print(f"period {period.start} to {period.end} (end exclusive, {period.days} days"
          + ("" if args.period else ", inferred: give --period if stays began before it") + ")")
    if args.period is None and result.episodes.sparse_start():
        print(f"warning: few visits start in the first weeks from {period.start}: the extract "
              "seems to hold stays that began before its period, so rates and profiles are "
              "too low at its start; give --period FROM:TO", file=sys.stderr)
    print(f"{rejected.rows_read:,} rows read, {rejected.total:,} rejected"
          + ("" if not rejected.total else ":\n  " + "\n  ".join(rejected.lines())))
    for note in result.notes:
        print(f"note: {note}")
    try:
        load_scenario(census)
    except ScenarioError as error:  # e.g. more patients open than the base's capacity
        print(f"warning: {census} is not valid as it stands; edit its census or the base's "
              "capacities:\n  " + "\n  ".join(error.messages))
    print(f"{fitted.name}: {args.out / FITTED}, census start {census}, report "
          f"{args.out / REPORT / 'index.html'}")
    return 0


def run_backtest_command(args: argparse.Namespace) -> int:
    problems = [f"--{name.replace('_', '-')}: expected a share from 0 to 1, got {value}"
                for name, value in (("threshold", args.threshold),
                                    ("service_threshold", args.service_threshold))
                if not 0 <= value <= 1]
    if problems:
        raise ScenarioError(problems)
    settings = run_settings(args)
    changes = {} if args.seed is None else {"time.seed": args.seed}
    scenario = load_scenario(args.scenario, changes)
    try:
        episodes = read_extract(args.extract, scenario, args.period, args.practices)
    except ExtractError as error:
        return _invalid(error.messages)
    scenario = over_period(scenario, episodes, args.reps)
    out = args.out or default_folder(f"{scenario.name}_backtest")
    check_free(out)
    result = run_backtest(scenario, episodes, args.threshold, args.service_threshold,
                          **settings)
    practices = f" --practices {args.practices}" if args.practices else ""
    write_backtest(result, out, f"python -m sim backtest scenario.yaml {args.extract}"
                                f"{practices} --reps {scenario.time.replications} --seed "
                                f"{scenario.time.seed} --threshold {args.threshold:g} "
                                f"--service-threshold {args.service_threshold:g}")
    summary = result.summary()
    print(table_text(summary[summary["locality"] == ALL].set_index("measure")[
        ["inside_band_share", "observed_mean", "sim_mean", "mape_pct", "bias_pct"]]))
    shares = result.tested_shares()
    verdict = "PASSED" if result.passed else "FAILED"
    print(f"\n{verdict}: weekly occupancy of wards and caseloads inside the 90% band: "
          f"{result.tested_share:.0%} of all (needing {args.threshold:.0%}); each (needing "
          f"{args.service_threshold:.0%}): " + ", ".join(
              f"{str(m).removeprefix('occupancy:')} {v:.0%}" for m, v in shares.items())
          + f" -> {out}")
    outside = result.levels_outside()
    for row in outside.itertuples():
        print(f"level outside the simulated 99% band{' (fails)' if row.tested else ''}: "
              f"{row.measure} observed {row.observed_mean:,.2f}, simulated {row.sim_mean:,.2f} "
              f"({row.level_low:,.2f} to {row.level_high:,.2f}), bias {row.bias_pct:+.1f}%")
    return 0 if result.passed else EXIT_FAILED


def _invalid(messages: list[str]) -> int:
    for message in messages:
        print(message, file=sys.stderr)
    return EXIT_INVALID
