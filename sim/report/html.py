"""``report.html``: a results folder as a self-contained board paper.

Page one is a board summary in plain English (the question, the configuration, the headline
figures or differences with their intervals and what they mean, the capacity needed, the
cost when the scenario has unit costs). Then charts and tables by locality and by period,
the assumptions, and how to reproduce the folder. Images are inlined as data URIs and the
style sheet is in the page, so it opens without a network and prints to PDF (A4, each
section on a new page, no figure or table split). This module gathers what each kind of
folder's page prints; the markup is ``sim/pages/templates/report_<kind>.html.j2``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

import numpy as np
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
from sim.pages import Header, render
from sim.report import charts, tables
from sim.report.narrative import (
    number,
    precision_note,
    range_sentence,
    signed,
    warmup_sentence,
)
from sim.report.sections import (
    assumptions,
    configuration,
    cost,
    cost_metrics,
    difference_sentences,
    headline_metrics,
    level_costs,
    level_sentences,
    periods_table,
    saved_plots,
)
from sim.results.folder import COMPARE_SIDES, ResultsFolder

REPORT = "report.html"
CHART_METRICS = 6  # headline measures charted by locality

Context = dict[str, Any]  # what a kind's template (report_<kind>.html.j2) prints


def build_report(folder: ResultsFolder) -> str:
    """The report of a results folder as one HTML document."""
    context = BUILDERS[folder.kind](folder)
    title = context.pop("title")
    return render(f"report_{folder.kind}.html.j2",
                  Header.from_manifest(title, "Board summary", folder.manifest),
                  assumptions=assumptions(folder), manifest=folder.manifest, **context)


def write_report(folder: ResultsFolder) -> Path:
    path = folder.path / REPORT
    path.write_text(build_report(folder), encoding="utf-8")
    return path


# --- page one and the sections of each kind of folder --------------------------------------

def _uri(fig: Figure | None) -> str:
    """A chart inlined, or "" (no figure) when there was nothing to draw."""
    return "" if fig is None else charts.data_uri(fig)


def _opening(folder: ResultsFolder, title: str, question: str) -> tuple[dict, Context]:
    """The resolved scenario of a one-scenario folder, and its title, question and
    configuration (``{name}`` in the title and question is the scenario's name)."""
    scenario = folder.scenario()
    name = scenario.get("name", folder.scenario_names[0])
    return scenario, {"title": title.format(name=name), "question": question.format(name=name),
                      "configurations": [configuration(scenario)]}


def run_report(folder: ResultsFolder) -> Context:
    summary = folder.table("summary")
    assert summary is not None
    scenario, context = _opening(
        folder, "{name}: results", "How does the system perform under {name}: admissions, "
        "beds, discharge delays and community response?")
    chosen = [m for m in headline_metrics(summary)
              if (summary["metric"].eq(m) & summary["locality"].ne(ALL)).any()][:CHART_METRICS]
    return context | {
        "headlines": level_sentences(summary, headline_metrics(summary, BOARD_SUMMARY)),
        "cost": level_costs(summary, scenario),
        "precision": precision_note(folder.replications),
        "locality_chart": _uri(charts.levels_by_locality(summary, chosen)) if chosen else "",
        "by_locality": tables.summary_by_locality(
            summary[summary["metric"].isin(headline_metrics(summary))]),
        "weekly": periods_table(folder, "weekly"), "plots": saved_plots(folder),
        "all_measures": tables.summary_by_locality(summary)}


def compare_report(folder: ResultsFolder) -> Context:
    comparison = folder.table("comparison")
    assert comparison is not None
    a_scenario, b_scenario = (folder.scenario(side) for side in COMPARE_SIDES)
    a, b = a_scenario.get("name", "A"), b_scenario.get("name", "B")
    surges = {name: (str(s["start"]), str(s["end"]))
              for scenario in (a_scenario, b_scenario)
              for name, s in (scenario.get("surges") or {}).items()}
    periods = []
    for name, title in (("weekly_comparison", "Week by week"),
                        ("monthly_comparison", "Month by month")):
        rows = folder.table(name)
        if rows is not None:
            metrics = [m for m in HEADLINE if m in set(rows["metric"])][:CHART_METRICS]
            periods.append({"title": title,
                            "chart": _uri(charts.period_differences(rows, metrics, surges))})
    headline = comparison[comparison["metric"].isin(HEADLINE + BOARD_COSTS)]
    return {
        "title": f"{b} compared with {a}", "a": a, "b": b, "b_prefix": COMPARE_SIDES[1],
        "question": f"What changes for patients and services if {b} replaces {a}?",
        "configurations": [configuration(a_scenario, "A, the reference: "),
                           configuration(b_scenario, "B, the alternative: ")],
        "differences": difference_sentences(
            comparison, headline_metrics(comparison, BOARD_SUMMARY), a, b),
        "cost": cost(b_scenario, difference_sentences(comparison, cost_metrics(comparison),
                                                      a, b)),
        "precision": precision_note(folder.replications),
        "locality_chart": _uri(charts.differences_by_locality(
            comparison, headline_metrics(comparison)[:CHART_METRICS], a, b)),
        "headline": tables.comparison_rows(headline, a, b), "periods": periods,
        "all_differences": tables.comparison_rows(comparison, a, b)}


def capacity_report(folder: ResultsFolder) -> Context:
    recommended = folder.table("recommended_capacity")
    capacity = folder.table("capacity")
    assert capacity is not None
    _, context = _opening(folder, "{name}: capacity needed", "How many beds, caseload slots "
                          "and staff does each service need under {name}?")
    if recommended is None:  # a folder written before recommendations existed
        recommended = recommended_capacity(capacity)
    whole = recommended[recommended["period"] == ALL]
    recommendations = []
    for r in whole[whole["locality"] == ALL].to_dict("records"):
        today = ("unlimited today" if pd.isna(r["current_capacity"])
                 else f"{number(r['current_capacity'])} today, a change of {signed(r['change'])}")
        reason = str(r["reason"])
        recommendations.append({"service": service_label(r["service"]),
                                "recommended": r["recommended"], "today": today,
                                "reason": reason[0].upper() + reason[1:]})
    return context | {
        "recommendations": recommendations,
        "needed_chart": _uri(charts.capacity_needed(recommended)),
        "monthly_chart": _uri(charts.capacity_by_month(recommended)),
        "whole": whole.drop(columns=["period"]), "by_month": tables.capacity_by_month(capacity),
        "plots": saved_plots(folder)}


def capacity_search_report(folder: ResultsFolder) -> Context:
    scenario, context = _opening(
        folder, "{name}: smallest capacities meeting the targets", "What are the smallest "
        "capacities that meet every target together, in the full model?")
    solution, confirmation = folder.table("solution"), folder.table("confirmation")
    costs = folder.table("solution_costs")
    return context | {
        "solution": solution, "confirmation": confirmation,
        "met": confirmation is not None and bool(confirmation["met"].all()),
        "cost": None if costs is None else level_costs(costs, scenario),
        "search": folder.table("search")}


def sweep_report(folder: ResultsFolder) -> Context:
    sweep, points = folder.table("sweep"), folder.table("points")
    replications = folder.table("replications")
    assert sweep is not None and points is not None and replications is not None
    fields = tables.sweep_fields(sweep)
    words = [field_label(f) for f in fields]
    _, context = _opening(folder, "{name}: what-if sweep",
                          f"How do the measures change as {' and '.join(words)} "
                          f"{'varies' if len(words) == 1 else 'vary'}?")
    metrics = _sweep_metrics(folder, sweep)
    everyone = sweep[sweep["locality"] == ALL]
    ranges = []
    for metric in metrics:
        rows = everyone[everyone["metric"] == metric]
        means = rows["mean"].to_numpy(dtype=float)
        low, high = rows.iloc[int(np.nanargmin(means))], rows.iloc[int(np.nanargmax(means))]
        at = [", ".join(f"{w} {r[f]}" for w, f in zip(words, fields)) for r in (low, high)]
        ranges.append(range_sentence(metric, low["mean"], at[0], high["mean"], at[1]))
    against = []
    for field in fields:
        chosen = points if len(fields) == 1 else points.drop_duplicates(field)
        base = _base_point(chosen, field, folder.scenario())
        against.append({"label": field_label(field), "chart": _uri(charts.sweep_against_base(
            replications, chosen, field, metrics, base))})
    return context | {
        "ranges": ranges, "precision": precision_note(folder.replications), "fields": against,
        "grid": tables.sweep_points(sweep[sweep["metric"].isin(metrics)], fields)}


def warmup_report(folder: ResultsFolder) -> Context:
    table = folder.table("warmup")
    assert table is not None
    scenario, context = _opening(folder, "{name}: warm-up", "How long must {name} run from "
                                 "an empty system before its results are measured?")
    return context | {"recommendation": warmup_sentence(table, scenario.get("name", "")),
                      "warmup": table, "plots": saved_plots(folder)}


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


BUILDERS: dict[str, Callable[[ResultsFolder], Context]] = {
    "run": run_report, "compare": compare_report, "capacity": capacity_report,
    "capacity_search": capacity_search_report, "sweep": sweep_report,
    "warmup": warmup_report}


