"""From a results folder to a board paper: ``results.xlsx`` and ``report.html``."""

from __future__ import annotations

from pathlib import Path

from sim.report.folder import ResultsFolder
from sim.report.html import write_report
from sim.report.xlsx import write_workbook


def write_board_outputs(path: Path) -> tuple[Path, Path]:
    """Write ``results.xlsx`` and ``report.html`` into the results folder at ``path`` from
    its files; returns their paths."""
    folder = ResultsFolder.open(path)
    return write_workbook(folder), write_report(folder)
