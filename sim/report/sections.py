"""What every kind of ``report.html`` shares, as the values its templates print: the
configuration of a scenario, plain-English lists of figures and differences, costs, the saved
plots, and the assumptions. The markup is in ``sim/pages/templates/report*.html.j2``."""

from __future__ import annotations

from typing import Any

import pandas as pd

from sim.analysis.metrics import ALL
from sim.analysis.registry import BOARD_COSTS, HEADLINE
from sim.pages import png_uri
from sim.report import tables
from sim.report.narrative import difference_sentence, level_sentence
from sim.results.folder import COMPARE_SIDES, ResultsFolder

ASSUMED = r"^(time\.|policies\.|uncertain\.)|^services\.[^.]+\.(capacity|level|kind)$"


def configuration(scenario: dict, role: str = "") -> dict[str, str]:
    """A scenario's name, description and periods for page one; ``role`` goes before the
    name ("A, the reference: ")."""
    time = scenario.get("time", {})
    return {"role": role, "name": scenario.get("name", ""),
            "description": str(scenario.get("description", "")).strip(),
            "period": f"Results period {time.get('run_days', '?'):g} days from "
                      f"{time.get('start_date', '?')}, after a warm-up of "
                      f"{time.get('warmup_days', 0):g} days."}


def headline_metrics(frame: pd.DataFrame, chosen: list[str] = HEADLINE) -> list[str]:
    """Those of ``chosen`` the frame has for the whole system, in that order."""
    produced = set(frame.loc[frame["locality"] == ALL, "metric"])
    return [m for m in chosen if m in produced]


def cost_metrics(frame: pd.DataFrame) -> list[str]:
    """The money metrics of page one present in the frame (the total first)."""
    return headline_metrics(frame, BOARD_COSTS)


def level_sentences(summary: pd.DataFrame, metrics: list[str]) -> list[str]:
    """Plain-English figures of the whole system with their intervals."""
    everyone = summary[summary["locality"] == ALL].set_index("metric")
    chosen = everyone.loc[[m for m in metrics if m in everyone.index]]
    return [level_sentence(str(metric), *values) for metric, values in zip(
        chosen.index, chosen[["mean", "ci_low", "ci_high"]].to_numpy(dtype=float))]


def difference_sentences(comparison: pd.DataFrame, metrics: list[str], a: str,
                         b: str) -> list[str]:
    """Plain-English paired differences B - A of the whole system."""
    everyone = comparison[comparison["locality"] == ALL].set_index("metric")
    chosen = everyone.loc[[m for m in metrics if m in everyone.index]]
    columns = ["a_mean", "b_mean", "diff_mean", "diff_ci_low", "diff_ci_high"]
    return [difference_sentence(str(metric), a_mean, b_mean, diff, low, high, a, b)
            for metric, (a_mean, b_mean, diff, low, high)
            in zip(chosen.index, chosen[columns].to_numpy(dtype=float))]


def cost(scenario: dict, sentences: list[str]) -> dict[str, Any]:
    """The cost lines of page one (``report_costs.html.j2``): the scenario's price year,
    the days of its results period and the sentences (none: no unit costs)."""
    year = (scenario.get("costs") or {}).get("price_year", "?")
    days = (scenario.get("time") or {}).get("run_days", 0)
    return {"year": str(year), "days": f"{days:g}", "sentences": sentences}


def level_costs(summary: pd.DataFrame, scenario: dict) -> dict[str, Any]:
    """The cost lines of one scenario's figures."""
    return cost(scenario, level_sentences(summary, cost_metrics(summary)))


def periods_table(folder: ResultsFolder, name: str) -> pd.DataFrame | None:
    """The headline measures of ``name``.csv (weekly, monthly) one row per period."""
    periods = folder.table(name)
    if periods is None:
        return None
    return tables.periods_wide(periods[periods["metric"].isin(HEADLINE)])


def saved_plots(folder: ResultsFolder) -> list[tuple[str, str]]:
    """The PNGs the command saved in ``plots/``: caption and inline URI of each."""
    return [(path.stem.replace("_", " ").capitalize(), png_uri(path))
            for path in sorted((folder.path / "plots").glob("*.png"))]


def assumptions(folder: ResultsFolder) -> list[dict[str, Any]]:
    """Per scenario of the folder: its name, key fields (capacities, policies, time) and unit
    costs (None when it has none)."""
    prefixes = COMPARE_SIDES if folder.kind == "compare" else ("",)
    out = []
    for prefix in prefixes:
        scenario = folder.scenario(prefix)
        if not scenario:
            continue
        rows = tables.assumptions(scenario)
        out.append({"name": scenario.get("name", ""),
                    "fields": rows[rows["Field"].str.match(ASSUMED)],
                    "costs": tables.unit_costs(scenario)})
    return out
