"""``python -m sim verify [--quick]``: run the validation suite and write its report.

Exit status 0 when every analytic check passes, 1 when any fails; plausibility checks are
reported but never change the exit status.
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
from pathlib import Path
from typing import Sequence

from sim.cli_options import add_run_options, run_settings
from sim.results import FolderKind, check_free, register, write_folder
from sim.subcommands import Subcommands
from sim.verify.checks import ANALYTIC
from sim.verify.experiment import FULL, QUICK, Experiment
from sim.verify.report import number, verdict, write_report
from sim.verify.suite import DEFAULT_SEED, SuiteResult, build_suite, run_suite

EXIT_FAILED = 1
VERIFY = register(FolderKind("verify", "the model against queueing theory and published "
                                       "figures: checks.csv, report.md, report.html "
                                       "(python -m sim verify)"))
DESCRIPTION = """\
Run the model's validation suite and write a report (report.md, report.html with plots,
checks.csv, manifest.json) of every check: analytic checks against queueing theory (Erlang
C, Erlang A, Erlang loss, M/G/infinity, Little's law) and conservation, and the plausibility
of the shipped baseline against published figures. Exit status 1 if any analytic check fails.
--quick takes about a minute, for CI; the full run (several minutes) is what
docs/validation.md quotes. --reps sets every experiment's replications; --seed the seed of
the analytic experiments and of the shipped scenarios (default: 20251123 and their own)."""


def add_parser(commands: Subcommands) -> None:
    """Register the ``verify`` subcommand on the CLI's subparsers."""
    sub = commands.add_parser(
        "verify", help="run the validation suite (analytic and plausibility checks) and "
                       "write its report", description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    sub.add_argument("--quick", action="store_true",
                     help="shorter runs and fewer replications (about a minute, for CI)")
    add_run_options(sub)
    sub.set_defaults(handler=run_verify)


def run_verify(args: argparse.Namespace,
               experiments: Sequence[Experiment] | None = None) -> int:
    """Handler of ``python -m sim verify``; returns the exit status. ``experiments``
    replaces the suite (for testing the command with a check known to fail)."""
    budget = QUICK if args.quick else FULL
    out: Path = args.out or Path("results") / "verify" / dt.datetime.now().strftime(
        "%Y%m%d-%H%M%S")
    check_free(out)
    if experiments is None:
        experiments = build_suite(budget, DEFAULT_SEED if args.seed is None else args.seed,
                                  args.reps, shipped_seed=args.seed)
    result = run_suite(experiments, budget, **run_settings(args))
    options = " ".join(part for part in (
        "--quick" if args.quick else "",
        f"--seed {args.seed}" if args.seed is not None else "",
        f"--reps {args.reps}" if args.reps is not None else "") if part)
    write_folder(VERIFY, out, lambda folder: write_report(result, folder),
                 [e.scenario for e in experiments],
                 budget.replications if args.reps is None else args.reps,
                 result.wall_seconds, f"python -m sim verify {options}".strip(),
                 {"budget": budget.name, "analytic_seed": args.seed or DEFAULT_SEED,
                  "interval_confidence": result.confidence,
                  "replications_by_experiment": {e.name: e.replications for e in experiments},
                  "analytic_passed": result.analytic_passed})
    print(summary(result))
    print(f"\n{verdict(result)} ({result.wall_seconds:.0f} s) -> {out}")
    return 0 if result.analytic_passed else EXIT_FAILED


def summary(result: SuiteResult) -> str:
    """A compact table of every check: result, group, check, expected, model, interval."""
    lines = []
    for r in result.results:
        mark = ("ok  " if r.passed else "FAIL") if r.kind == ANALYTIC else \
            ("in  " if r.passed else "out ")
        where = r.parameters.split(";")[0].split(":")[0][:28]
        span = "" if math.isnan(r.ci_low) else f"[{number(r.ci_low)}, {number(r.ci_high)}]"
        lines.append(f"{mark} {r.group[:30]:30} {r.check[:44]:44} {where:28} "
                     f"{number(r.expected):>10} {number(r.model_mean):>10} {span}")
    return "\n".join(lines)
