"""From a results folder to a board paper: ``results.xlsx`` and ``report.html``.

Every new folder of the kinds in ``BOARD_KINDS`` gets both as it is written: this package
adds ``write_board_outputs`` to the door's derived files (``sim.results.add_derived``)."""

from __future__ import annotations

from pathlib import Path

from sim.report.html import write_report
from sim.report.xlsx import write_workbook
from sim.results import KINDS, NotAResultsFolder, add_derived, open_folder

# the kinds of folder with a board report (sim.report.html.BUILDERS has a page for each)
BOARD_KINDS = ("run", "compare", "capacity", "capacity_search", "sweep", "warmup")


def write_board_outputs(path: Path) -> tuple[Path, Path]:
    """Write ``results.xlsx`` and ``report.html`` into the results folder at ``path`` from
    its files; returns their paths. ``NotAResultsFolder`` when it is not one, or of a kind
    with no board report."""
    folder = open_folder(path)
    if folder.kind not in BOARD_KINDS:
        kind = KINDS.get(folder.kind)
        holds = f" ({kind.holds})" if kind else ""
        raise NotAResultsFolder(f"{path}: a {folder.kind} folder{holds} has no board report "
                                f"(only {', '.join(BOARD_KINDS)} folders have one)")
    return write_workbook(folder), write_report(folder)


add_derived(write_board_outputs, BOARD_KINDS)
