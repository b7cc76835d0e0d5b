"""The parts every page of ``report.html`` shares: the page itself (style sheet, sections,
inlined figures), the opening, plain-English lists of figures and differences, costs, the
assumptions and how to reproduce, and HTML tables and sentences."""

from __future__ import annotations

import base64
import html
import math
import re

import pandas as pd
from matplotlib.figure import Figure

from sim.analysis.metrics import ALL
from sim.analysis.registry import BOARD_COSTS, HEADLINE
from sim.report import charts, tables
from sim.report.narrative import (
    difference_sentence,
    level_sentence,
    number,
)
from sim.results.folder import COMPARE_SIDES, ResultsFolder

STYLE = """
body { font-family: "DejaVu Sans", Arial, sans-serif; color: #1a1a1a; max-width: 60rem;
       margin: 1.5rem auto; padding: 0 1rem; line-height: 1.4; font-size: 11pt; }
h1 { font-size: 1.7rem; margin-bottom: 0.2rem; color: #1f4e79; }
h2 { font-size: 1.3rem; color: #1f4e79; border-bottom: 2px solid #1f4e79; }
h3 { font-size: 1.05rem; margin-bottom: 0.3rem; }
.subtitle { color: #555; margin-top: 0; }
.question { font-size: 1.1rem; background: #eef3f9; padding: 0.6rem 0.8rem;
            border-left: 4px solid #1f4e79; }
ul.headlines li { margin-bottom: 0.35rem; }
table { border-collapse: collapse; margin: 0.5rem 0 1rem; font-size: 9pt; }
th, td { border: 1px solid #c8c8c8; padding: 0.2rem 0.4rem; vertical-align: top; }
th { background: #dde4ee; text-align: left; }
span.num { white-space: nowrap; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
figure { margin: 0.8rem 0; }
figure img { max-width: 100%; height: auto; }
figcaption { font-size: 9pt; color: #555; }
pre { font-size: 8pt; white-space: pre-wrap; background: #f6f6f6; padding: 0.5rem; }
.note { font-size: 9pt; color: #444; }
@page { size: A4; margin: 14mm; }
@media print {
  body { max-width: none; margin: 0; font-size: 10pt; }
  section.page { break-before: page; }
  figure, table, tr { break-inside: avoid; }
  h2, h3 { break-after: avoid; }
}
"""


class Page:
    """The report being assembled: sections of HTML in order."""

    def __init__(self, title: str) -> None:
        self.title = title
        self.parts: list[str] = []

    def add(self, markup: str) -> None:
        self.parts.append(markup)

    def section(self, title: str) -> None:
        """Start a new section on a new printed page."""
        if self.parts:
            self.parts.append("</section>")
        self.parts.append(f'<section class="page"><h2>{escape(title)}</h2>')

    def figure(self, fig: Figure | None, caption: str) -> None:
        if fig is not None:
            self.image(charts.data_uri(fig), caption)

    def image(self, uri: str, caption: str) -> None:
        self.add(f'<figure><img src="{uri}" alt="{escape(caption)}">'
                 f"<figcaption>{escape(caption)}</figcaption></figure>")

    def html(self) -> str:
        return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
                f"<title>{escape(self.title)}</title><style>{STYLE}</style></head><body>"
                + "".join(self.parts) + "</section></body></html>\n")


def header(page: Page, folder: ResultsFolder, title: str, question: str) -> None:
    created = folder.manifest.get("created", "")
    page.add(f"<h1>{escape(title)}</h1><p class=\"subtitle\">Board summary · integrated care "
             f"pathway simulation · {escape(created)}</p>"
             f'<p class="question"><strong>The question.</strong> {escape(question)}</p>')


def configuration(page: Page, scenario: dict, role: str = "") -> None:
    time = scenario.get("time", {})
    page.add(f"<p><strong>{escape(role)}{escape(scenario.get('name', ''))}</strong>: "
             f"{escape(str(scenario.get('description', '')).strip())} "
             f"<span class=\"note\">Results period {time.get('run_days', '?'):g} days from "
             f"{escape(str(time.get('start_date', '?')))}, after a warm-up of "
             f"{time.get('warmup_days', 0):g} days.</span></p>")


def opening(page: Page, folder: ResultsFolder, title: str, question: str) -> dict:
    """Title, question and configuration of a one-scenario folder (``{name}`` in the title
    and question is the scenario's name); returns the resolved scenario."""
    scenario = folder.scenario()
    name = scenario.get("name", folder.scenario_names[0])
    header(page, folder, title.format(name=name), question.format(name=name))
    configuration(page, scenario)
    return scenario


def headline_metrics(frame: pd.DataFrame, chosen: list[str] = HEADLINE) -> list[str]:
    """Those of ``chosen`` the frame has for the whole system, in that order."""
    produced = set(frame.loc[frame["locality"] == ALL, "metric"])
    return [m for m in chosen if m in produced]


def cost_metrics(frame: pd.DataFrame) -> list[str]:
    """The money metrics of page one present in the frame (the total first)."""
    return headline_metrics(frame, BOARD_COSTS)


def difference_items(page: Page, comparison: pd.DataFrame, metrics: list[str], a: str,
                      b: str) -> None:
    """A list of plain-English paired differences of the whole system."""
    everyone = comparison[comparison["locality"] == ALL].set_index("metric")
    page.add("<ul class=\"headlines\">")
    chosen = everyone.loc[[m for m in metrics if m in everyone.index]]
    columns = ["a_mean", "b_mean", "diff_mean", "diff_ci_low", "diff_ci_high"]
    for metric, (a_mean, b_mean, diff, low, high) in zip(
            chosen.index, chosen[columns].to_numpy(dtype=float)):
        page.add("<li>" + sentence_html(difference_sentence(
            str(metric), a_mean, b_mean, diff, low, high, a, b)) + "</li>")
    page.add("</ul>")


def cost_heading(scenario: dict) -> str:
    year = (scenario.get("costs") or {}).get("price_year", "?")
    days = (scenario.get("time") or {}).get("run_days", 0)
    return (f"<p><strong>Cost</strong> (at {escape(str(year))} prices, over the {days:g}-day "
            "results period; unit costs and their sources under Assumptions):</p>")


def cost_lines(page: Page, summary: pd.DataFrame, scenario: dict) -> None:
    costs = cost_metrics(summary)
    if not costs:
        page.add("<p><strong>Cost.</strong> The scenario has no unit costs (a "
                 "<code>costs:</code> section), so no cost is shown.</p>")
        return
    page.add(cost_heading(scenario))
    level_items(page, summary, costs)


def level_items(page: Page, summary: pd.DataFrame, metrics: list[str]) -> None:
    """A list of plain-English figures of the whole system with their intervals."""
    everyone = summary[summary["locality"] == ALL].set_index("metric")
    page.add("<ul class=\"headlines\">")
    chosen = everyone.loc[[m for m in metrics if m in everyone.index]]
    for metric, values in zip(chosen.index,
                              chosen[["mean", "ci_low", "ci_high"]].to_numpy(dtype=float)):
        page.add(f"<li>{sentence_html(level_sentence(str(metric), *values))}</li>")
    page.add("</ul>")


def periods_section(page: Page, folder: ResultsFolder, name: str, title: str) -> None:
    periods = folder.table(name)
    if periods is None:
        return
    page.section(title)
    page.add(table_html(tables.periods_wide(periods[periods["metric"].isin(HEADLINE)])))


def saved_plots(page: Page, folder: ResultsFolder) -> None:
    """The PNGs the command saved in ``plots/``, inlined."""
    plots = sorted((folder.path / "plots").glob("*.png"))
    if not plots:
        return
    page.section("Charts")
    for path in plots:
        uri = "data:image/png;base64," + base64.b64encode(path.read_bytes()).decode("ascii")
        page.image(uri, path.stem.replace("_", " ").capitalize())


def assumptions_section(page: Page, folder: ResultsFolder) -> None:
    prefixes = COMPARE_SIDES if folder.kind == "compare" else ("",)
    page.section("Assumptions and sources")
    page.add("<p>Every default in a shipped scenario carries its source and confidence in the "
             "scenario file's comments (H official statistics or peer-reviewed, M single site "
             "or derived, L estimate); docs/calibration.md sets the baseline against published "
             "figures. The capacities and policies of this run:</p>")
    for prefix in prefixes:
        scenario = folder.scenario(prefix)
        if not scenario:
            continue
        rows = tables.assumptions(scenario)
        key = rows["Field"].str.match(r"^(time\.|policies\.|uncertain\.)") | \
            rows["Field"].str.match(r"^services\.[^.]+\.(capacity|level|kind)$")
        page.add(f"<h3>{escape(scenario.get('name', ''))}</h3>" + table_html(rows[key]))
        costs = tables.unit_costs(scenario)
        if costs is not None:
            page.add(f"<h3>Unit costs of {escape(scenario.get('name', ''))}</h3>" + table_html(costs))


def reproduce_section(page: Page, folder: ResultsFolder) -> None:
    m = folder.manifest
    page.section("How to reproduce")
    page.add(f"<p>From the results folder: <code>{escape(str(m.get('reproduce', '')))}</code></p>"
             f"<p>Command run: <code>{escape(str(m.get('command', '')))}</code></p>"
             f"<p>Package {escape(str(m.get('package_version')))}, commit "
             f"<code>{escape(str(m.get('git_commit')))}</code>, Python {escape(str(m.get('python')))}, "
             f"seed {escape(str(m.get('seed')))}, {escape(str(m.get('replications')))} replications, "
             f"{escape(str(m.get('wall_seconds')))} s.</p>"
             "<p>Every file of the folder, with the spreadsheet <code>results.xlsx</code>, is "
             "described in docs/metrics.md. Rebuild this page with "
             "<code>python -m sim report RESULTS_DIR</code>.</p>")


def table_html(frame: pd.DataFrame) -> str:
    """A frame as an HTML table, numbers formatted as in the text and right-aligned."""
    head = "".join(f"<th>{escape(str(c))}</th>" for c in frame.columns)
    body = []
    for row in frame.itertuples(index=False):
        cells = []
        for value in row:
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                text = "" if isinstance(value, float) and math.isnan(value) else number(value)
                cells.append(f'<td class="num">{text}</td>')
            else:
                cells.append(f"<td>{escape(str(value))}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


NUMBER = re.compile(r"[-+]?£?\d[\d,.]*%?")


def sentence_html(text: str) -> str:
    """A sentence as HTML, its figures never split across lines (``-£235,488``)."""
    return NUMBER.sub(lambda m: f'<span class="num">{m.group(0)}</span>', escape(text))


def escape(text: str) -> str:
    return html.escape(text, quote=True)
