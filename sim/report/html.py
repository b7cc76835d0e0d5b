"""``report.html``: a results folder as a self-contained board paper.

Page one is a board summary in plain English (the question, the configuration, the headline
figures or differences with their intervals and what they mean, the capacity needed, the
cost when the scenario has unit costs). Then charts and tables by locality and by period,
the assumptions, and how to reproduce the folder. Images are inlined as data URIs and the
style sheet is in the page, so it opens without a network and prints to PDF (A4, each
section on a new page, no figure or table split).
"""

from __future__ import annotations

import base64
import html
import math
import re
from pathlib import Path
from typing import Callable

import pandas as pd
import yaml
from matplotlib.figure import Figure

from sim.analysis.metrics import ALL
from sim.analysis.registry import (
    BOARD_COSTS,
    BOARD_SUMMARY,
    HEADLINE,
    field_label,
    service_label,
)
from sim.capacity.recommend import recommended_capacity
from sim.report import charts, tables
from sim.report.folder import ResultsFolder
from sim.report.narrative import (
    difference_sentence,
    level_sentence,
    number,
    precision_note,
    range_sentence,
    signed,
    warmup_sentence,
)

REPORT = "report.html"
CHART_METRICS = 6  # headline measures charted by locality

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
        self.parts.append(f'<section class="page"><h2>{_e(title)}</h2>')

    def figure(self, fig: Figure | None, caption: str) -> None:
        if fig is not None:
            self.image(charts.data_uri(fig), caption)

    def image(self, uri: str, caption: str) -> None:
        self.add(f'<figure><img src="{uri}" alt="{_e(caption)}">'
                 f"<figcaption>{_e(caption)}</figcaption></figure>")

    def html(self) -> str:
        return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
                f"<title>{_e(self.title)}</title><style>{STYLE}</style></head><body>"
                + "".join(self.parts) + "</section></body></html>\n")


def build_report(folder: ResultsFolder) -> str:
    """The report of a results folder as one HTML document."""
    names = folder.scenario_names
    page = Page(f"{' vs '.join(names)}: simulation results")
    page.add('<section class="board">')
    BUILDERS[folder.kind](page, folder)
    assumptions_section(page, folder)
    reproduce_section(page, folder)
    return page.html()


def write_report(folder: ResultsFolder) -> Path:
    path = folder.path / REPORT
    path.write_text(build_report(folder), encoding="utf-8")
    return path


# --- page one and the sections of each kind of folder --------------------------------------

def _header(page: Page, folder: ResultsFolder, title: str, question: str) -> None:
    created = folder.manifest.get("created", "")
    page.add(f"<h1>{_e(title)}</h1><p class=\"subtitle\">Board summary · integrated care "
             f"pathway simulation · {_e(created)}</p>"
             f'<p class="question"><strong>The question.</strong> {_e(question)}</p>')


def _configuration(page: Page, scenario: dict, role: str = "") -> None:
    time = scenario.get("time", {})
    page.add(f"<p><strong>{_e(role)}{_e(scenario.get('name', ''))}</strong>: "
             f"{_e(str(scenario.get('description', '')).strip())} "
             f"<span class=\"note\">Results period {time.get('run_days', '?'):g} days from "
             f"{_e(str(time.get('start_date', '?')))}, after a warm-up of "
             f"{time.get('warmup_days', 0):g} days.</span></p>")


def _opening(page: Page, folder: ResultsFolder, title: str, question: str) -> dict:
    """Title, question and configuration of a one-scenario folder (``{name}`` in the title
    and question is the scenario's name); returns the resolved scenario."""
    scenario = folder.scenario()
    name = scenario.get("name", folder.scenario_names[0])
    _header(page, folder, title.format(name=name), question.format(name=name))
    _configuration(page, scenario)
    return scenario


def _headline_metrics(frame: pd.DataFrame, chosen: list[str] = HEADLINE) -> list[str]:
    """Those of ``chosen`` the frame has for the whole system, in that order."""
    produced = set(frame.loc[frame["locality"] == ALL, "metric"])
    return [m for m in chosen if m in produced]


def _cost_metrics(frame: pd.DataFrame) -> list[str]:
    """The money metrics of page one present in the frame (the total first)."""
    return _headline_metrics(frame, BOARD_COSTS)


def run_report(page: Page, folder: ResultsFolder) -> None:
    summary = folder.table("summary")
    assert summary is not None
    scenario = _opening(page, folder, "{name}: results",
                        "How does the system perform under {name}: admissions, beds, discharge "
                        "delays and community response?")
    page.add("<h3>Headline figures (whole system)</h3>")
    _level_items(page, summary, _headline_metrics(summary, BOARD_SUMMARY))
    _cost_lines(page, summary, scenario)
    page.add("<p><strong>Capacity.</strong> This run does not estimate the capacity needed; "
             "<code>python -m sim capacity scenario.yaml</code> does.</p>")
    page.add(f'<p class="note">{_e(precision_note(folder.replications))}</p>')
    page.section("By locality")
    chosen = [m for m in _headline_metrics(summary)
              if (summary["metric"].eq(m) & summary["locality"].ne(ALL)).any()][:CHART_METRICS]
    if chosen:
        page.figure(charts.levels_by_locality(summary, chosen),
                    "Headline measures by locality (residents of each locality), 95% intervals")
    page.add(_table(tables.summary_by_locality(
        summary[summary["metric"].isin(_headline_metrics(summary))])))
    _periods_section(page, folder, "weekly", "Week by week")
    _saved_plots(page, folder)
    page.section("All measures")
    page.add(_table(tables.summary_by_locality(summary)))


def compare_report(page: Page, folder: ResultsFolder) -> None:
    comparison = folder.table("comparison")
    assert comparison is not None
    a_scenario, b_scenario = folder.scenario("a_"), folder.scenario("b_")
    a, b = a_scenario.get("name", "A"), b_scenario.get("name", "B")
    _header(page, folder, f"{b} compared with {a}",
            f"What changes for patients and services if {b} replaces {a}?")
    _configuration(page, a_scenario, "A, the reference: ")
    _configuration(page, b_scenario, "B, the alternative: ")
    page.add(f"<h3>Headline differences, {_e(b)} minus {_e(a)} (whole system)</h3>")
    _difference_items(page, comparison, _headline_metrics(comparison, BOARD_SUMMARY), a, b)
    costs = _cost_metrics(comparison)
    if costs:
        page.add(_cost_heading(b_scenario))
        _difference_items(page, comparison, costs, a, b)
    else:
        page.add("<p><strong>Cost.</strong> Neither scenario has unit costs (a "
                 "<code>costs:</code> section), so no cost is shown.</p>")
    page.add("<p><strong>Capacity.</strong> A comparison does not estimate capacity; "
             "<code>python -m sim capacity b_scenario.yaml</code> gives what each service "
             "needs under B.</p>")
    page.add(f'<p class="note">{_e(precision_note(folder.replications))}</p>')
    page.section("Differences by locality")
    chosen = _headline_metrics(comparison)[:CHART_METRICS]
    page.figure(charts.differences_by_locality(comparison, chosen, a, b),
                f"{b} - {a}, paired replication by replication: mean and 95% interval. "
                "An interval that does not cross 0 is a difference beyond simulation noise.")
    headline = comparison[comparison["metric"].isin(HEADLINE + BOARD_COSTS)]
    page.add(_table(tables.comparison_rows(headline, a, b)))
    for name, title in (("weekly_comparison", "Week by week"),
                        ("monthly_comparison", "Month by month")):
        periods = folder.table(name)
        if periods is not None:
            page.section(f"{title}: {b} - {a}")
            metrics = [m for m in HEADLINE if m in set(periods["metric"])][:CHART_METRICS]
            surges = {name: (str(s["start"]), str(s["end"]))
                      for scenario in (a_scenario, b_scenario)
                      for name, s in (scenario.get("surges") or {}).items()}
            page.figure(charts.period_differences(periods, metrics, a, b, surges),
                        f"{title}, whole system: paired difference {b} - {a} with its 95% "
                        "interval; hollow points are partial periods at either end")
    page.section("All differences")
    page.add(_table(tables.comparison_rows(comparison, a, b)))


def _difference_items(page: Page, comparison: pd.DataFrame, metrics: list[str], a: str,
                      b: str) -> None:
    """A list of plain-English paired differences of the whole system."""
    everyone = comparison[comparison["locality"] == ALL].set_index("metric")
    page.add("<ul class=\"headlines\">")
    for metric in (m for m in metrics if m in everyone.index):
        r = everyone.loc[metric]
        page.add("<li>" + _sentence(difference_sentence(
            metric, r["a_mean"], r["b_mean"], r["diff_mean"], r["diff_ci_low"],
            r["diff_ci_high"], a, b)) + "</li>")
    page.add("</ul>")


def capacity_report(page: Page, folder: ResultsFolder) -> None:
    recommended = folder.table("recommended_capacity")
    capacity = folder.table("capacity")
    assert capacity is not None
    _opening(page, folder, "{name}: capacity needed",
             "How many beds, caseload slots and staff does each service need under {name}?")
    if recommended is None:  # a folder written before recommendations existed
        recommended = recommended_capacity(capacity)
    whole = recommended[recommended["period"] == ALL]
    page.add("<h3>Recommended capacity (whole results period)</h3><ul class=\"headlines\">")
    for r in whole[whole["locality"].isin([ALL])].itertuples():
        today = ("unlimited today" if pd.isna(r.current_capacity)
                 else f"{number(r.current_capacity)} today, a change of {signed(r.change)}")
        page.add(f"<li><strong>{_e(service_label(r.service))}: {r.recommended}</strong> "
                 f"({_e(today)}). {_e(r.reason[0].upper() + r.reason[1:])}.</li>")
    page.add("</ul><p class=\"note\">Each service was sized with capacity unlimited, on the "
             "demand that reaches it; the search (<code>capacity --search</code>) accounts for "
             "services affecting each other. The other criteria stay in the tables below.</p>")
    page.section("Capacity by service, unit and month")
    page.figure(charts.capacity_needed(recommended), "Recommended against today's capacity")
    page.figure(charts.capacity_by_month(recommended),
                "Month by month, by unit, against today's capacity")
    page.add(_table(whole.drop(columns=["period"])))
    page.add(_table(tables.capacity_by_month(capacity)))
    _saved_plots(page, folder)


def capacity_search_report(page: Page, folder: ResultsFolder) -> None:
    scenario = _opening(page, folder, "{name}: smallest capacities meeting the targets",
                        "What are the smallest capacities that meet every target together, in "
                        "the full model?")
    solution, confirmation = folder.table("solution"), folder.table("confirmation")
    if solution is None:
        page.add("<p><strong>The targets cannot be met within the bounds.</strong> Raise the "
                 "upper bounds, add resources or relax the targets.</p>")
    else:
        page.add("<h3>Capacities found</h3>" + _table(solution))
        if confirmation is not None:
            met = bool(confirmation["met"].all())
            page.add(f"<p>On fresh replications the targets are "
                     f"{'met' if met else '<strong>not all met</strong>'}:</p>"
                     + _table(confirmation))
        costs = folder.table("solution_costs")
        if costs is not None:
            _cost_lines(page, costs, scenario)
    search = folder.table("search")
    if search is not None:
        page.section("Every candidate evaluated")
        page.add(_table(search))


def sweep_report(page: Page, folder: ResultsFolder) -> None:
    sweep, points = folder.table("sweep"), folder.table("points")
    replications = folder.table("replications")
    assert sweep is not None and points is not None and replications is not None
    fields = tables.sweep_fields(sweep)
    words = [field_label(f) for f in fields]
    _opening(page, folder, "{name}: what-if sweep",
             f"How do the measures change as {' and '.join(words)} "
             f"{'varies' if len(words) == 1 else 'vary'}?")
    metrics = _sweep_metrics(folder, sweep)
    page.add("<h3>Across the grid (whole system)</h3><ul class=\"headlines\">")
    everyone = sweep[sweep["locality"] == ALL]
    for metric in metrics:
        rows = everyone[everyone["metric"] == metric]
        low, high = rows.loc[rows["mean"].idxmin()], rows.loc[rows["mean"].idxmax()]
        at = [", ".join(f"{w} {r[f]}" for w, f in zip(words, fields)) for r in (low, high)]
        page.add(f"<li>{_e(range_sentence(metric, low['mean'], at[0], high['mean'], at[1]))}"
                 "</li>")
    page.add("</ul>")
    page.add(f'<p class="note">{_e(precision_note(folder.replications))}</p>')
    for field in fields:
        page.section(f"Against {field_label(field)}")
        chosen = points if len(fields) == 1 else points.drop_duplicates(field)
        base = _base_point(chosen, field, folder.scenario())
        page.figure(charts.sweep_against_base(replications, chosen, field, metrics, base),
                    f"Each measure as {field_label(field)} varies: the error bars are the "
                    "paired 95% interval of the difference from the base point (circled: the "
                    "scenario's own value, else the first grid point); dashed lines are "
                    "targets")
    page.section("Every grid point")
    page.add(_table(tables.sweep_points(sweep[sweep["metric"].isin(metrics)], fields)))


def warmup_report(page: Page, folder: ResultsFolder) -> None:
    table = folder.table("warmup")
    assert table is not None
    scenario = _opening(page, folder, "{name}: warm-up",
                        "How long must {name} run from an empty system before its results are "
                        "measured?")
    page.add(f"<p><strong>{_e(warmup_sentence(table, scenario.get('name', '')))}</strong></p>"
             "<p class=\"note\">MSER-5 on the daily occupancy of every capacitated team, ward "
             "and caseload, averaged across replications run from empty; Welch's plot below "
             "to judge by eye.</p>")
    page.add(_table(table))
    _saved_plots(page, folder)


def _base_point(points: pd.DataFrame, field: str, scenario: dict) -> int:
    """The grid point at the scenario's own value of ``field`` (a dotted path), else the
    first."""
    value: object = scenario
    for part in field.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    same = points.loc[points[field].astype(str) == str(value), "point"]
    return int(same.iloc[0] if len(same) else points["point"].iloc[0])


def _sweep_metrics(folder: ResultsFolder, sweep: pd.DataFrame) -> list[str]:
    path = folder.path / "sweep.yaml"
    chosen = (yaml.safe_load(path.read_text()) or {}).get("metrics") if path.exists() else None
    produced = set(sweep["metric"])
    return [m for m in (chosen or HEADLINE) if m in produced][:CHART_METRICS]


BUILDERS: dict[str, Callable[[Page, ResultsFolder], None]] = {
    "run": run_report, "compare": compare_report, "capacity": capacity_report,
    "capacity_search": capacity_search_report, "sweep": sweep_report,
    "warmup": warmup_report}


# --- shared sections ---------------------------------------------------------------------

def _cost_heading(scenario: dict) -> str:
    year = (scenario.get("costs") or {}).get("price_year", "?")
    days = (scenario.get("time") or {}).get("run_days", 0)
    return (f"<p><strong>Cost</strong> (at {_e(str(year))} prices, over the {days:g}-day "
            "results period; unit costs and their sources under Assumptions):</p>")


def _cost_lines(page: Page, summary: pd.DataFrame, scenario: dict) -> None:
    costs = _cost_metrics(summary)
    if not costs:
        page.add("<p><strong>Cost.</strong> The scenario has no unit costs (a "
                 "<code>costs:</code> section), so no cost is shown.</p>")
        return
    page.add(_cost_heading(scenario))
    _level_items(page, summary, costs)


def _level_items(page: Page, summary: pd.DataFrame, metrics: list[str]) -> None:
    """A list of plain-English figures of the whole system with their intervals."""
    everyone = summary[summary["locality"] == ALL].set_index("metric")
    page.add("<ul class=\"headlines\">")
    for metric in (m for m in metrics if m in everyone.index):
        r = everyone.loc[metric]
        page.add(f"<li>{_sentence(level_sentence(metric, r['mean'], r['ci_low'], r['ci_high']))}"
                 "</li>")
    page.add("</ul>")


def _periods_section(page: Page, folder: ResultsFolder, name: str, title: str) -> None:
    periods = folder.table(name)
    if periods is None:
        return
    page.section(title)
    page.add(_table(tables.periods_wide(periods[periods["metric"].isin(HEADLINE)])))


def _saved_plots(page: Page, folder: ResultsFolder) -> None:
    """The PNGs the command saved in ``plots/``, inlined."""
    plots = sorted((folder.path / "plots").glob("*.png"))
    if not plots:
        return
    page.section("Charts")
    for path in plots:
        uri = "data:image/png;base64," + base64.b64encode(path.read_bytes()).decode("ascii")
        page.image(uri, path.stem.replace("_", " ").capitalize())


def assumptions_section(page: Page, folder: ResultsFolder) -> None:
    prefixes = ["a_", "b_"] if folder.kind == "compare" else [""]
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
        page.add(f"<h3>{_e(scenario.get('name', ''))}</h3>" + _table(rows[key]))
        costs = tables.unit_costs(scenario)
        if costs is not None:
            page.add(f"<h3>Unit costs of {_e(scenario.get('name', ''))}</h3>" + _table(costs))


def reproduce_section(page: Page, folder: ResultsFolder) -> None:
    m = folder.manifest
    page.section("How to reproduce")
    page.add(f"<p>From the results folder: <code>{_e(str(m.get('reproduce', '')))}</code></p>"
             f"<p>Command run: <code>{_e(str(m.get('command', '')))}</code></p>"
             f"<p>Package {_e(str(m.get('package_version')))}, commit "
             f"<code>{_e(str(m.get('git_commit')))}</code>, Python {_e(str(m.get('python')))}, "
             f"seed {_e(str(m.get('seed')))}, {_e(str(m.get('replications')))} replications, "
             f"{_e(str(m.get('wall_seconds')))} s.</p>"
             "<p>Every file of the folder, with the spreadsheet <code>results.xlsx</code>, is "
             "described in docs/metrics.md. Rebuild this page with "
             "<code>python -m sim report RESULTS_DIR</code>.</p>")


def _table(frame: pd.DataFrame) -> str:
    """A frame as an HTML table, numbers formatted as in the text and right-aligned."""
    head = "".join(f"<th>{_e(str(c))}</th>" for c in frame.columns)
    body = []
    for row in frame.itertuples(index=False):
        cells = []
        for value in row:
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                text = "" if isinstance(value, float) and math.isnan(value) else number(value)
                cells.append(f'<td class="num">{text}</td>')
            else:
                cells.append(f"<td>{_e(str(value))}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


NUMBER = re.compile(r"[-+]?£?\d[\d,.]*%?")


def _sentence(text: str) -> str:
    """A sentence as HTML, its figures never split across lines (``-£235,488``)."""
    return NUMBER.sub(lambda m: f'<span class="num">{m.group(0)}</span>', _e(text))


def _e(text: str) -> str:
    return html.escape(text, quote=True)

