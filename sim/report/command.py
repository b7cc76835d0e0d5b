"""``python -m sim report RESULTS_DIR``: rebuild ``report.html`` and ``results.xlsx``."""

from __future__ import annotations

import argparse
from pathlib import Path

from sim.config import ScenarioError
from sim.report import write_board_outputs
from sim.results import NotAResultsFolder
from sim.subcommands import Subcommands


def add_parser(commands: Subcommands) -> None:
    """Register the ``report`` subcommand on the CLI's subparsers."""
    sub = commands.add_parser(
        "report", help="rebuild report.html and results.xlsx of a results folder",
        description="Rebuild report.html and results.xlsx from the files of a results folder "
                    "written by run, compare, capacity or sweep.")
    sub.add_argument("folder", type=Path, metavar="RESULTS_DIR")
    sub.set_defaults(handler=run_report)


def run_report(args: argparse.Namespace) -> int:
    try:
        workbook, report = write_board_outputs(args.folder)
    except NotAResultsFolder as error:
        raise ScenarioError([str(error)]) from error
    print(f"{report}\n{workbook}")
    return 0
