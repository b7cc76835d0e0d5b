"""Frames as tables: the one HTML table renderer and the one markdown table writer of the
project."""

from __future__ import annotations

import math
from typing import Mapping

import pandas as pd
from markupsafe import Markup

from sim.pages.numbers import Format, number


def html_table(frame: pd.DataFrame, fmt: Format = number,
               marks: Mapping[str, str] | None = None) -> Markup:
    """``frame`` (its columns, not its index) as an HTML table. Numbers are printed by ``fmt``
    (the board paper's format by default) and right-aligned; NaN is an empty cell; text is
    escaped. ``marks`` maps a cell's text to a CSS class of the page's style sheet (e.g.
    ``{"FAIL": "fail"}``), to make a cell stand out."""
    marks = marks or {}
    head = Markup("").join(Markup("<th>{}</th>").format(c) for c in frame.columns)
    body = []
    for row in frame.itertuples(index=False):
        cells = []
        for value in row:
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                text = "" if isinstance(value, float) and math.isnan(value) else fmt(value)
                cells.append(Markup('<td class="num">{}</td>').format(text))
            elif str(value) in marks:
                cells.append(Markup('<td class="{}">{}</td>').format(marks[str(value)], value))
            else:
                cells.append(Markup("<td>{}</td>").format(value))
        body.append(Markup("<tr>{}</tr>").format(Markup("").join(cells)))
    return Markup("<table><thead><tr>{}</tr></thead><tbody>{}</tbody></table>").format(
        head, Markup("").join(body))


def markdown_table(frame: pd.DataFrame) -> str:
    """``frame`` (its columns, not its index) as a GitHub markdown table, no final newline.
    Cells are printed as ``str`` gives them (format numbers first), NaN as an empty cell, and
    a ``|`` in a cell is escaped."""
    def cell(value: object) -> str:
        blank = isinstance(value, float) and math.isnan(value)
        return "" if blank else str(value).replace("|", "\\|")

    lines = ["| " + " | ".join(map(cell, frame.columns)) + " |",
             "|" + " --- |" * len(frame.columns)]
    lines += ["| " + " | ".join(map(cell, row)) + " |" for row in frame.itertuples(index=False)]
    return "\n".join(lines)

