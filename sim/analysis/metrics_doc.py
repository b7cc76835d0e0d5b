"""The metric tables of ``docs/metrics.md`` and ``docs/winter.md``, generated from the catalogue
(``sim.analysis.catalogue``) between markers in the hand-written pages:

    <!-- metrics: hospital -->
    | metric | unit | ... (generated) |
    <!-- /metrics -->

``metrics: <group>`` is the table of the entries of that group (rows of ``summary.csv``), in
catalogue order; ``metrics: periods`` the table of the metrics of ``weekly.csv`` and
``monthly.csv``. Entries next to each other with the same cells share a row.
``<!-- kind: share -->...<!-- /kind -->`` inside a line is the list of the metrics of that
kind of range (``MetricInfo.kind``), as the intervals table names them.
``python -m sim metrics --write-docs`` rewrites the tables; a test fails when a page differs.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from sim.analysis.catalogue import METRICS
from sim.analysis.metric_info import MetricInfo

DOCS = Path(__file__).resolve().parents[2] / "docs"
PAGES = (DOCS / "metrics.md", DOCS / "winter.md")
PERIODS = "periods"
WRITE_COMMAND = "python -m sim metrics --write-docs"
SCOPE_WORDS = {"locality": "each locality, `all`", "all": "`all`"}
RANGE_WORDS = {"count": "0 or more", "share": "0 to 100", "days": "0 to the days of the period",
               "any": "any"}
_BLOCK = re.compile(r"(?P<open><!-- metrics: (?P<group>\w+) -->\n).*?(?P<close><!-- /metrics -->)",
                    re.DOTALL)
_INLINE = re.compile(r"(?P<open><!-- kind: (?P<kind>\w+) -->).*?(?P<close><!-- /kind -->)")


def groups() -> list[str]:
    """The tables the catalogue fills, in catalogue order."""
    return [*dict.fromkeys(info.group for info in METRICS.values() if info.group), PERIODS]


def table(group: str) -> str:
    """The markdown table of ``group`` (one of ``groups()``), ending in a newline."""
    if group == PERIODS:
        header = ["metric", "unit", "definition"]
        rows = [(name, [info.unit, info.definition]) for name, info in METRICS.items()
                if info.in_periods]
    else:
        header = ["metric", "unit", "rows", "definition", "how to read it / compare with",
                  "computed by"]
        rows = [(name, _cells(info)) for name, info in METRICS.items() if info.group == group]
    if not rows:
        raise ValueError(f"no metrics in the table {group!r}: expected one of {groups()}")
    merged: list[tuple[list[str], list[str]]] = []
    for name, cells in rows:
        if merged and merged[-1][1] == cells:
            merged[-1][0].append(name)
        else:
            merged.append(([name], cells))
    lines = ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
    lines += ["| " + ", ".join(f"`{name}`" for name in names) + " | " + " | ".join(cells) + " |"
              for names, cells in merged]
    return "\n".join(lines) + "\n"


def _cells(info: MetricInfo) -> list[str]:
    return [info.unit, SCOPE_WORDS[info.scope], info.definition, info.reading,
            f"`{info.computed_by}`"]


def listing() -> pd.DataFrame:
    """Every metric of the catalogue, one row each, indexed by name: label, unit, rows (of
    summary.csv; "" when only in weekly and monthly tables), possible range, better."""
    return pd.DataFrame(
        [(name, info.label, info.unit, SCOPE_WORDS[info.scope].replace("`", "") if info.group
          else "weekly/monthly only", RANGE_WORDS[info.kind], info.better or "")
         for name, info in METRICS.items()],
        columns=["metric", "label", "unit", "rows", "range", "better"]).set_index("metric")


def names_of_kind(kind: str) -> str:
    """The metrics whose range is of ``kind`` ("share", "days"), as a markdown list."""
    names = [f"`{name}`" for name, info in METRICS.items() if info.kind == kind]
    if not names:
        raise ValueError(f"no metrics of kind {kind!r}: expected share, days or count")
    return ", ".join(names)


def regenerate(text: str) -> str:
    """``text`` with every marked table and list as the catalogue makes it."""
    text = _BLOCK.sub(lambda m: m["open"] + table(m["group"]) + m["close"], text)
    return _INLINE.sub(lambda m: m["open"] + names_of_kind(m["kind"]) + m["close"], text)


def tables_in(text: str) -> list[str]:
    """The groups whose tables ``text`` marks."""
    return [m["group"] for m in _BLOCK.finditer(text)]


def write_docs(pages: tuple[Path, ...] = PAGES) -> list[Path]:
    """Regenerate the tables of ``pages``; the pages that changed."""
    changed = []
    for page in pages:
        text = page.read_text(encoding="utf-8")
        new = regenerate(text)
        if new != text:
            page.write_text(new, encoding="utf-8")
            changed.append(page)
    return changed
