"""The validation report: ``checks.csv``, ``report.md``, a self-contained ``report.html``
(plots embedded as base64 PNG) and ``plots/*.png`` (linked from the markdown).
"""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import pandas as pd

from sim.pages import Header, markdown_table, png_uri, render
from sim.verify.checks import ANALYTIC, FAMILY_ERROR, PLAUSIBILITY
from sim.verify.plots import write_plots
from sim.verify.suite import SuiteResult

PLOT_TITLES = {
    "analytic.png": "Analytic interval checks: the model's deviation from theory, with its "
                    "interval",
    "occupancy.png": "Unlimited ward: occupancy against Poisson(a), and B(n) against Erlang's "
                     "loss formula",
    "plausibility.png": "Baseline against published figures: model / published, with the "
                        "accepted range",
}


def number(value: float) -> str:
    """A figure for a table: blank for NaN, thousands separated for counts, else 4
    significant figures."""
    if math.isnan(value):
        return ""
    if abs(value) >= 10_000:
        return f"{value:,.0f}"
    return f"{value:.4g}"


def interval(low: float, high: float) -> str:
    return "" if math.isnan(low) else f"{number(low)} to {number(high)}"


def verdict(result: SuiteResult) -> str:
    """One line: analytic checks passed, plausibility checks within range."""
    table = result.table()
    analytic = table[table["kind"] == ANALYTIC]
    plausible = table[table["kind"] == PLAUSIBILITY]
    word = "PASS" if result.analytic_passed else "FAIL"
    return (f"{word}: {int(analytic['passed'].sum())} of {len(analytic)} analytic checks "
            f"passed; {int(plausible['passed'].sum())} of {len(plausible)} plausibility "
            "checks within range")


def analytic_rows(result: SuiteResult) -> pd.DataFrame:
    """The analytic checks as displayed: one row each, figures formatted."""
    table = result.table()
    rows = table[table["kind"] == ANALYTIC]
    return pd.DataFrame({
        "group": rows["group"],
        "check": rows["check"],
        "parameters": rows["parameters"],
        "expected": rows["expected"].map(number),
        "model": rows["model_mean"].map(number),
        "interval": [interval(lo, hi) for lo, hi in zip(rows["ci_low"], rows["ci_high"])],
        "result": rows["passed"].map({True: "pass", False: "FAIL"}),
        "alternative rejected": [
            "" if not alt else f"{alt} ({number(v)}): {'yes' if out else 'no'}"
            for alt, v, out in zip(rows["alternative"], rows["alternative_value"],
                                   rows["alternative_excluded"])],
    })


def plausibility_rows(result: SuiteResult) -> pd.DataFrame:
    table = result.table()
    rows = table[table["kind"] == PLAUSIBILITY]
    return pd.DataFrame({
        "check": rows["check"],
        "published": rows["expected"].map(number),
        "accepted": [f"{number(lo)} to {number(hi)}"
                     for lo, hi in zip(rows["accepted_low"], rows["accepted_high"])],
        "model": rows["model_mean"].map(number),
        "95% interval": [interval(lo, hi) for lo, hi in zip(rows["ci_low"], rows["ci_high"])],
        "result": rows["passed"].map({True: "within range", False: "outside range"}),
        "source": rows["source"],
        "explanation": rows["note"],
    })


def rules(result: SuiteResult) -> list[str]:
    """How each kind of check is decided, in sentences."""
    table = result.table()
    n_intervals = int(table["rule"].str.startswith("expected inside").sum())
    return [
        f"**Interval checks** (Erlang C, Erlang A, M/G/infinity mean and variance, Erlang "
        f"loss, Little's law): the theoretical value must lie inside the Student t-interval of the "
        f"mean across independent replications. There are {n_intervals} of them, so each "
        f"interval is at {100 * result.confidence:.2f}% (Bonferroni: if the model is exact, "
        f"the chance that any of them fails by chance is at most {100 * FAMILY_ERROR:g}%).",
        "**Distribution checks** (M/G/infinity): the total variation distance between the "
        "occupancy distribution pooled over replications and Poisson(a) must be at most twice "
        "the distance sampling noise alone gives (estimated from the spread across "
        "replications).",
        "**Conservation**: in every replication, patients who arrived = patients who exited + "
        "patients still in the system, counted from the event log, and the model's own "
        "counters agree; no tolerance.",
        "**Alternative rejected**: a nearby wrong answer (one server more, a 5-10% higher "
        "load, a 5% error, a shorter patience) and whether the check would have rejected "
        "it: the check has teeth when it would.",
        "**Plausibility checks**: the baseline's mean across replications must lie in the "
        "accepted range around the published figure (source and reason given); the 95% "
        "interval is shown. They do not fail the command: a figure outside its range is "
        "explained in docs/validation.md.",
    ]


def markdown(result: SuiteResult, plots: list[Path]) -> str:
    """The report as markdown, linking the plots in ``plots/``."""
    parts = [
        "# Validation report",
        "",
        f"**{verdict(result)}** ({result.budget.name} run, {result.wall_seconds:.0f} s).",
        "",
        "## How checks are decided",
        "",
        *(f"- {rule}" for rule in rules(result)),
        "",
        "## Analytic checks",
        "",
        markdown_table(analytic_rows(result)),
        "",
        "## Plausibility of the baseline",
        "",
        markdown_table(plausibility_rows(result)),
        "",
        "## Plots",
        "",
    ]
    for path in plots:
        parts += [f"![{PLOT_TITLES[path.name]}](plots/{path.name})", ""]
    return "\n".join(parts)


MARKS = {"FAIL": "fail", "outside range": "outside"}  # cells the page highlights


def html_report(result: SuiteResult, plots: list[Path]) -> str:
    """The report as one self-contained HTML page (plots embedded as base64 PNG)."""
    written = dt.datetime.now().isoformat(timespec="seconds")
    return render("verify.html.j2", Header("Validation report", "Validation report", created=written),
                  verdict=verdict(result), budget=result.budget.name,
                  wall_seconds=result.wall_seconds,
                  rules=[rule.replace("**", "") for rule in rules(result)],
                  analytic=analytic_rows(result), plausibility=plausibility_rows(result),
                  plots=[(PLOT_TITLES[p.name], png_uri(p)) for p in plots], MARKS=MARKS)


def write_report(result: SuiteResult, folder: Path) -> None:
    """``checks.csv``, ``plots/``, ``report.md`` and ``report.html`` into ``folder``."""
    result.table().to_csv(folder / "checks.csv", index=False)
    plots = write_plots(result, folder / "plots")
    (folder / "report.md").write_text(markdown(result, plots), encoding="utf-8")
    (folder / "report.html").write_text(html_report(result, plots), encoding="utf-8")
