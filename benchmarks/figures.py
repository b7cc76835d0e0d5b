"""A measured figure with its goal, and the table, JSON and markdown they are reported in."""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass
from pathlib import Path

import pandas as pd

from sim.pages import markdown_table


@dataclass(frozen=True)
class Figure:
    """One measured value. ``value`` is None when it was not measured (``note`` says why).

    A goal is ``at_most`` and/or ``at_least``; ``assessed=False`` shows the goal without
    judging it (a quick run is too short for a goal stated for one year, say).
    """

    section: str
    name: str
    value: float | int | None  # an int is shown as a count
    unit: str = ""
    at_most: float | None = None
    at_least: float | None = None
    assessed: bool = True
    note: str = ""

    @property
    def goal(self) -> str:
        parts = []
        if self.at_least is not None:
            parts.append(f">= {self.at_least:g}")
        if self.at_most is not None:
            parts.append(f"<= {self.at_most:g}")
        return " and ".join(parts)

    @property
    def met(self) -> bool | None:
        """Whether the goal is met; None when there is no goal, no value or no judgement."""
        if not self.goal or self.value is None or not self.assessed:
            return None
        return ((self.at_most is None or self.value <= self.at_most)
                and (self.at_least is None or self.value >= self.at_least))

    def shown_value(self) -> str:
        if self.value is None:
            return "-"
        value = self.value
        if isinstance(value, int):
            text = f"{value:,}"
        elif math.isfinite(value):
            digits = 3 if abs(value) < 10 else (1 if abs(value) < 1000 else 0)
            text = f"{value:,.{digits}f}"
        else:
            text = str(value)
        return f"{text} {self.unit}".strip()

    def shown_met(self) -> str:
        met = self.met
        if met is None:
            return "not judged" if self.goal and not self.assessed else "-"
        return "yes" if met else "NO"


COLUMNS = ("figure", "measured", "goal", "met", "note")


def _rows(figures: list[Figure]) -> list[tuple[str, ...]]:
    return [(f"{f.section}: {f.name}", f.shown_value(), f.goal or "-", f.shown_met(), f.note)
            for f in figures]


def render_table(figures: list[Figure]) -> str:
    """A fixed-width text table, one figure per line."""
    rows = [COLUMNS, *_rows(figures)]
    widths = [max(len(row[i]) for row in rows) for i in range(len(COLUMNS) - 1)]
    lines = []
    for k, row in enumerate(rows):
        cells = [cell.ljust(width) for cell, width in zip(row, widths)]
        lines.append("  ".join([*cells, row[-1]]).rstrip())
        if k == 0:
            lines.append("  ".join("-" * width for width in widths) + "  ----")
    return "\n".join(lines)


def render_markdown(figures: list[Figure], header: str) -> str:
    table = markdown_table(pd.DataFrame(_rows(figures), columns=list(COLUMNS)))
    return f"{header}\n\n{table}\n"


def write_figures(figures: list[Figure], path: Path, context: dict[str, object]) -> None:
    """Write the figures as JSON (``.json``) or a markdown table (any other suffix)."""
    if path.suffix == ".json":
        records = [{**asdict(f), "goal": f.goal, "met": f.met} for f in figures]
        path.write_text(json.dumps({"context": context, "figures": records}, indent=2) + "\n")
    else:
        header = "\n".join(f"- {key}: {value}" for key, value in context.items())
        path.write_text(render_markdown(figures, header))
