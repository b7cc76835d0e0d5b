"""``results.xlsx``: the results folder as wide, labelled sheets for commissioners.

One sheet per table the folder has (summary by locality, comparison, week by week, month by
month, capacity by service x unit x month, sweep points) plus ``About`` (what was run, how to
reproduce it) and ``Assumptions`` (the resolved scenario, field by field). Headers carry
units, the header row is frozen, numbers are stored in full and only displayed rounded.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from sim.report import tables
from sim.results.folder import COMPARE_SIDES, ResultsFolder

WORKBOOK = "results.xlsx"
HEADER_FILL = PatternFill("solid", fgColor="DDE4EE")
MAX_WIDTH = 48  # characters; longer headers wrap


def sheets(folder: ResultsFolder) -> dict[str, pd.DataFrame]:
    """The workbook's sheets, in order, from the folder's CSVs (sheet name -> table)."""
    out: dict[str, pd.DataFrame] = {"About": about(folder)}
    summary, comparison = folder.table("summary"), folder.table("comparison")
    if summary is not None:
        out["Summary by locality"] = tables.summary_by_locality(summary)
    if comparison is not None:
        a, b = (folder.scenario_names + ["A", "B"])[:2]
        out["Comparison"] = tables.comparison_rows(comparison, a, b)
        for prefix, name in (("a", a), ("b", b)):
            own = folder.table(f"{prefix}_summary")
            if own is not None:
                out[f"Summary {prefix.upper()} ({name})"[:31]] = tables.summary_by_locality(own)
    for name, title in (("weekly", "Week by week"), ("monthly", "Month by month")):
        periods = folder.table(name)
        if periods is not None:
            out[title] = tables.periods_wide(periods)
    for name, title in (("weekly_comparison", "Week by week B - A"),
                        ("monthly_comparison", "Month by month B - A")):
        periods = folder.table(name)
        if periods is not None:
            out[title] = tables.period_differences_wide(periods)
    recommended, capacity = folder.table("recommended_capacity"), folder.table("capacity")
    if recommended is not None:
        out["Recommended capacity"] = recommended
    if capacity is not None:
        out["Capacity by month"] = tables.capacity_by_month(capacity)
    for name, title in (("solution", "Search solution"), ("confirmation", "Search confirmation"),
                        ("solution_costs", "Search solution costs"),
                        ("search", "Search candidates")):
        table = folder.table(name)
        if table is not None:
            out[title] = table
    warmup = folder.table("warmup")
    if warmup is not None:
        out["Warm-up"] = warmup
    sweep = folder.table("sweep")
    if sweep is not None:
        out["Sweep"] = tables.sweep_points(sweep, tables.sweep_fields(sweep))
    scenario = folder.scenario(COMPARE_SIDES[0] if folder.kind == "compare" else "")
    costs = tables.unit_costs(scenario)
    if costs is not None:
        out["Unit costs"] = costs
    if scenario:
        out["Assumptions"] = tables.assumptions(scenario)
    return out


def about(folder: ResultsFolder) -> pd.DataFrame:
    """What the folder holds and how to reproduce it."""
    m = folder.manifest
    rows = [("Results of", f"python -m sim {folder.kind.replace('_', ' ')}"),
            ("Scenarios", ", ".join(folder.scenario_names)),
            ("Replications", m.get("replications")), ("Seed", m.get("seed")),
            ("Created", m.get("created")), ("Command", m.get("command")),
            ("Reproduce", m.get("reproduce")), ("Package version", m.get("package_version")),
            ("Git commit", m.get("git_commit")),
            ("Intervals", "95% confidence intervals across replications, kept inside each "
                          "measure's possible range; differences B - A are paired "
                          "(docs/metrics.md, Intervals)")]
    return pd.DataFrame([(k, "" if v is None else str(v)) for k, v in rows],
                        columns=["Item", "Value"])


def write_workbook(folder: ResultsFolder) -> Path:
    """Write ``results.xlsx`` into the folder and return its path."""
    book = Workbook()
    book.remove(book.worksheets[0])  # the empty sheet a new workbook starts with
    for title, table in sheets(folder).items():
        _write_sheet(book.create_sheet(title), table)
    path = folder.path / WORKBOOK
    book.save(path)
    return path


def _write_sheet(sheet: Worksheet, table: pd.DataFrame) -> None:
    sheet.append([str(c) for c in table.columns])
    for row in table.itertuples(index=False):
        sheet.append([_cell(v) for v in row])
    for j, column in enumerate(table.columns, start=1):
        cell = sheet.cell(row=1, column=j)
        cell.font, cell.fill = Font(bold=True), HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        values = table[column]
        letter = get_column_letter(j)
        if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
            number_format = _number_format(values.to_numpy(dtype=float))
            for (cell,) in sheet.iter_rows(min_row=2, min_col=j, max_col=j):
                cell.number_format = number_format
        longest = max([len(str(column)) // 2 + 1,
                       *(len(str(v)) for v in values.head(200))], default=8)
        sheet.column_dimensions[letter].width = min(MAX_WIDTH, max(8, longest + 2))
    sheet.freeze_panes = "B2" if len(table.columns) > 1 else "A2"
    sheet.auto_filter.ref = sheet.dimensions


def _cell(value: object) -> object:
    """A value openpyxl can store: numpy scalars as Python numbers, NaN as an empty cell."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def _number_format(values: np.ndarray) -> str:
    """Whole numbers as integers; otherwise decimals enough to read the typical size."""
    finite = values[np.isfinite(values)]
    if not len(finite) or np.all(finite == np.round(finite)):
        return "#,##0"
    typical = float(np.median(np.abs(finite)))
    return "#,##0" if typical >= 1000 else "#,##0.0" if typical >= 10 else "0.00"
