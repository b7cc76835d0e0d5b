"""What the page shows of a comparison folder, with the HTML report's tables, charts and
labels (``sim.report``, ``sim.analysis.registry``)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from matplotlib.figure import Figure

from sim.analysis.registry import HEADLINE
from sim.report.charts import differences_by_locality, period_differences
from sim.report.html import REPORT
from sim.report.tables import comparison_rows
from sim.report.xlsx import WORKBOOK
from sim.results import COMPARE_SIDES, PRECISION_CSV

CSVS = ("comparison.csv", *(f"{side}summary.csv" for side in COMPARE_SIDES),
        "weekly_comparison.csv", "monthly_comparison.csv", PRECISION_CSV)


def comparison_table(comparison: pd.DataFrame, locality: str, a: str, b: str) -> pd.DataFrame:
    """The headline metrics of one locality, in the board's order, labelled with units."""
    rows = comparison[(comparison["locality"] == locality) & comparison["metric"].isin(HEADLINE)]
    rows = rows.set_index("metric").reindex([m for m in HEADLINE if m in set(rows["metric"])])
    return comparison_rows(rows.reset_index(), a, b).drop(columns=["metric", "Locality"])


def headline_chart(comparison: pd.DataFrame, metrics: list[str], a: str, b: str) -> Figure:
    """B - A by locality with paired 95% intervals: the report's chart."""
    return differences_by_locality(comparison, metrics, a, b)


def weekly_chart(out: Path, metrics: list[str]) -> Figure | None:
    """Week by week B - A of the whole system with its paired interval (the report's chart),
    for those of ``metrics`` measured by week; None when there are none."""
    weekly = pd.read_csv(out / "weekly_comparison.csv")
    shown = [m for m in metrics if m in set(weekly["metric"])]
    return period_differences(weekly, shown, {}) if shown else None


def downloads(out: Path, source: Path, source_label: str = "What-if scenario (YAML)",
              csvs: tuple[str, ...] = CSVS) -> list[tuple[str, str, bytes, str]]:
    """(button label, file name, bytes, MIME type) for each file offered for download: the
    YAML the folder was made from (``source``), the board outputs and ``csvs``."""
    files = [(source_label, source, "application/x-yaml"),
             ("Board report (report.html)", out / REPORT, "text/html"),
             ("Workbook (results.xlsx)", out / WORKBOOK,
              "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")]
    files += [(name, out / name, "text/csv") for name in csvs]
    return [(label, path.name, path.read_bytes(), mime) for label, path, mime in files
            if path.is_file()]
