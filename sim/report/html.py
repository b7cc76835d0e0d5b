"""``report.html``: a results folder as a self-contained board paper.

Page one is a board summary in plain English (the question, the configuration, the headline
figures or differences with their intervals and what they mean, the capacity needed, the
cost when the scenario has unit costs). Then charts and tables by locality and by period,
the assumptions, and how to reproduce the folder. Images are inlined as data URIs and the
style sheet is in the page, so it opens without a network and prints to PDF (A4, each
section on a new page, no figure or table split).
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd
import yaml

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
from sim.report.narrative import (
    number,
    precision_note,
    range_sentence,
    signed,
    warmup_sentence,
)
from sim.report.sections import (
    Page,
    assumptions_section,
    configuration,
    cost_heading,
    cost_lines,
    cost_metrics,
    difference_items,
    escape,
    header,
    headline_metrics,
    level_items,
    opening,
    periods_section,
    reproduce_section,
    saved_plots,
    table_html,
)
from sim.results.folder import COMPARE_SIDES, ResultsFolder

REPORT = "report.html"
CHART_METRICS = 6  # headline measures charted by locality

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

def run_report(page: Page, folder: ResultsFolder) -> None:
    summary = folder.table("summary")
    assert summary is not None
    scenario = opening(page, folder, "{name}: results",
                       "How does the system perform under {name}: admissions, beds, discharge "
                       "delays and community response?")
    page.add("<h3>Headline figures (whole system)</h3>")
    level_items(page, summary, headline_metrics(summary, BOARD_SUMMARY))
    cost_lines(page, summary, scenario)
    page.add("<p><strong>Capacity.</strong> This run does not estimate the capacity needed; "
             "<code>python -m sim capacity scenario.yaml</code> does.</p>")
    page.add(f'<p class="note">{escape(precision_note(folder.replications))}</p>')
    page.section("By locality")
    chosen = [m for m in headline_metrics(summary)
              if (summary["metric"].eq(m) & summary["locality"].ne(ALL)).any()][:CHART_METRICS]
    if chosen:
        page.figure(charts.levels_by_locality(summary, chosen),
                    "Headline measures by locality (residents of each locality), 95% intervals")
    page.add(table_html(tables.summary_by_locality(
        summary[summary["metric"].isin(headline_metrics(summary))])))
    periods_section(page, folder, "weekly", "Week by week")
    saved_plots(page, folder)
    page.section("All measures")
    page.add(table_html(tables.summary_by_locality(summary)))


def compare_report(page: Page, folder: ResultsFolder) -> None:
    comparison = folder.table("comparison")
    assert comparison is not None
    a_scenario, b_scenario = (folder.scenario(side) for side in COMPARE_SIDES)
    a, b = a_scenario.get("name", "A"), b_scenario.get("name", "B")
    header(page, folder, f"{b} compared with {a}",
           f"What changes for patients and services if {b} replaces {a}?")
    configuration(page, a_scenario, "A, the reference: ")
    configuration(page, b_scenario, "B, the alternative: ")
    page.add(f"<h3>Headline differences, {escape(b)} minus {escape(a)} (whole system)</h3>")
    difference_items(page, comparison, headline_metrics(comparison, BOARD_SUMMARY), a, b)
    costs = cost_metrics(comparison)
    if costs:
        page.add(cost_heading(b_scenario))
        difference_items(page, comparison, costs, a, b)
    else:
        page.add("<p><strong>Cost.</strong> Neither scenario has unit costs (a "
                 "<code>costs:</code> section), so no cost is shown.</p>")
    page.add("<p><strong>Capacity.</strong> A comparison does not estimate capacity; "
             f"<code>python -m sim capacity {COMPARE_SIDES[1]}scenario.yaml</code> gives what "
             "each service needs under B.</p>")
    page.add(f'<p class="note">{escape(precision_note(folder.replications))}</p>')
    page.section("Differences by locality")
    chosen = headline_metrics(comparison)[:CHART_METRICS]
    page.figure(charts.differences_by_locality(comparison, chosen, a, b),
                f"{b} - {a}, paired replication by replication: mean and 95% interval. "
                "An interval that does not cross 0 is a difference beyond simulation noise.")
    headline = comparison[comparison["metric"].isin(HEADLINE + BOARD_COSTS)]
    page.add(table_html(tables.comparison_rows(headline, a, b)))
    for name, title in (("weekly_comparison", "Week by week"),
                        ("monthly_comparison", "Month by month")):
        periods = folder.table(name)
        if periods is not None:
            page.section(f"{title}: {b} - {a}")
            metrics = [m for m in HEADLINE if m in set(periods["metric"])][:CHART_METRICS]
            surges = {name: (str(s["start"]), str(s["end"]))
                      for scenario in (a_scenario, b_scenario)
                      for name, s in (scenario.get("surges") or {}).items()}
            page.figure(charts.period_differences(periods, metrics, surges),
                        f"{title}, whole system: paired difference {b} - {a} with its 95% "
                        "interval; hollow points are partial periods at either end")
    page.section("All differences")
    page.add(table_html(tables.comparison_rows(comparison, a, b)))


def capacity_report(page: Page, folder: ResultsFolder) -> None:
    recommended = folder.table("recommended_capacity")
    capacity = folder.table("capacity")
    assert capacity is not None
    opening(page, folder, "{name}: capacity needed",
            "How many beds, caseload slots and staff does each service need under {name}?")
    if recommended is None:  # a folder written before recommendations existed
        recommended = recommended_capacity(capacity)
    whole = recommended[recommended["period"] == ALL]
    page.add("<h3>Recommended capacity (whole results period)</h3><ul class=\"headlines\">")
    for r in whole[whole["locality"] == ALL].to_dict("records"):
        today = ("unlimited today" if pd.isna(r["current_capacity"])
                 else f"{number(r['current_capacity'])} today, a change of {signed(r['change'])}")
        reason = str(r["reason"])
        page.add(f"<li><strong>{escape(service_label(r['service']))}: {r['recommended']}"
                 f"</strong> ({escape(today)}). {escape(reason[0].upper() + reason[1:])}.</li>")
    page.add("</ul><p class=\"note\">Each service was sized with capacity unlimited, on the "
             "demand that reaches it; the search (<code>capacity --search</code>) accounts for "
             "services affecting each other. The other criteria stay in the tables below.</p>")
    page.section("Capacity by service, unit and month")
    page.figure(charts.capacity_needed(recommended), "Recommended against today's capacity")
    page.figure(charts.capacity_by_month(recommended),
                "Month by month, by unit, against today's capacity")
    page.add(table_html(whole.drop(columns=["period"])))
    page.add(table_html(tables.capacity_by_month(capacity)))
    saved_plots(page, folder)


def capacity_search_report(page: Page, folder: ResultsFolder) -> None:
    scenario = opening(page, folder, "{name}: smallest capacities meeting the targets",
                       "What are the smallest capacities that meet every target together, in "
                       "the full model?")
    solution, confirmation = folder.table("solution"), folder.table("confirmation")
    if solution is None:
        page.add("<p><strong>The targets cannot be met within the bounds.</strong> Raise the "
                 "upper bounds, add resources or relax the targets.</p>")
    else:
        page.add("<h3>Capacities found</h3>" + table_html(solution))
        if confirmation is not None:
            met = bool(confirmation["met"].all())
            page.add(f"<p>On fresh replications the targets are "
                     f"{'met' if met else '<strong>not all met</strong>'}:</p>"
                     + table_html(confirmation))
        costs = folder.table("solution_costs")
        if costs is not None:
            cost_lines(page, costs, scenario)
    search = folder.table("search")
    if search is not None:
        page.section("Every candidate evaluated")
        page.add(table_html(search))


def sweep_report(page: Page, folder: ResultsFolder) -> None:
    sweep, points = folder.table("sweep"), folder.table("points")
    replications = folder.table("replications")
    assert sweep is not None and points is not None and replications is not None
    fields = tables.sweep_fields(sweep)
    words = [field_label(f) for f in fields]
    opening(page, folder, "{name}: what-if sweep",
            f"How do the measures change as {' and '.join(words)} "
            f"{'varies' if len(words) == 1 else 'vary'}?")
    metrics = _sweep_metrics(folder, sweep)
    page.add("<h3>Across the grid (whole system)</h3><ul class=\"headlines\">")
    everyone = sweep[sweep["locality"] == ALL]
    for metric in metrics:
        rows = everyone[everyone["metric"] == metric]
        means = rows["mean"].to_numpy(dtype=float)
        low, high = rows.iloc[int(np.nanargmin(means))], rows.iloc[int(np.nanargmax(means))]
        at = [", ".join(f"{w} {r[f]}" for w, f in zip(words, fields)) for r in (low, high)]
        page.add(f"<li>{escape(range_sentence(metric, low['mean'], at[0], high['mean'], at[1]))}"
                 "</li>")
    page.add("</ul>")
    page.add(f'<p class="note">{escape(precision_note(folder.replications))}</p>')
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
    page.add(table_html(tables.sweep_points(sweep[sweep["metric"].isin(metrics)], fields)))


def warmup_report(page: Page, folder: ResultsFolder) -> None:
    table = folder.table("warmup")
    assert table is not None
    scenario = opening(page, folder, "{name}: warm-up",
                       "How long must {name} run from an empty system before its results are "
                       "measured?")
    page.add(f"<p><strong>{escape(warmup_sentence(table, scenario.get('name', '')))}</strong></p>"
             "<p class=\"note\">MSER-5 on the daily occupancy of every capacitated team, ward "
             "and caseload, averaged across replications run from empty; Welch's plot below "
             "to judge by eye.</p>")
    page.add(table_html(table))
    saved_plots(page, folder)


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


