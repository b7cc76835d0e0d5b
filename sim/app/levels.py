"""Each side of a comparison on its own, with the charts the command line draws: daily
occupancy against capacity, occupancy and queues (delayed discharges, ED boarding) week by
week, the winter summary when the scenario has a winter, and the capacity needed by service,
unit and month (``python -m sim capacity``). Drawn from the comparison's results as the run
returned them, so nothing is read back or simulated again."""

from __future__ import annotations

import io
from pathlib import Path

import matplotlib.dates as mdates
import pandas as pd
from matplotlib.figure import Figure

from sim.config import Scenario
from sim.output.plots import occupancy_band, weekly_plots
from sim.pages.winter import winter_report
from sim.report.charts import capacity_by_month, capacity_needed
from sim.runner import ScenarioResult


def has_winter(scenario: Scenario) -> bool:
    """A winter scenario: surges, escalation or staff rosters (docs/winter.md)."""
    return bool(scenario.surges or scenario.escalation or scenario.staffing.rosters)


def occupancy_charts(result: ScenarioResult) -> list[Figure]:
    """Daily occupancy of the acute ward and the intermediate care services (mean and
    5th-95th percentile band across replications, capacity dashed), one figure each."""
    scenario = result.scenario
    report = scenario.reporting
    figures = []
    for service in [s for s in (report.acute, *report.ic_beds, *report.ic_home) if s]:
        fig = Figure(figsize=(9, 4))
        ax = occupancy_band(result.daily, scenario, service, fig.subplots())
        locator = mdates.AutoDateLocator(maxticks=8)  # full dates overlap at half the page
        ax.xaxis.set_major_locator(locator)
        ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
        fig.tight_layout()
        figures.append(fig)
    return figures


def weekly_charts(result: ScenarioResult) -> list[Figure]:
    """Week by week: acute occupancy against 92/95/100%, admissions, delayed discharges by
    pathway (the queue for discharge) and UCR within 2 hours, peak week and surges shaded."""
    return list(weekly_plots(result.weekly_summary(), result.scenario).values())


def winter_text(result: ScenarioResult) -> str:
    """The run's ``winter.md`` (peak week, month by month, escalation episodes) without its
    title, its headings two levels down to sit under the page's."""
    text = winter_report(result.scenario, result.summary(), result.weekly_summary(),
                         result.monthly_summary(), result.escalation)
    lines = text.splitlines()[1:]  # "# Winter outputs: name": the page's tab names it
    return "\n".join(f"##{line}" if line.startswith("#") else line for line in lines)


def capacity_charts(folder: Path) -> list[Figure]:
    """Capacity recommended against today's by service and unit, and month by month (the
    second only when the results period spans two months or more)."""
    recommended = pd.read_csv(folder / "recommended_capacity.csv")
    by_month = capacity_by_month(recommended)
    return [capacity_needed(recommended), *([by_month] if by_month is not None else [])]


def png(fig: Figure) -> bytes:
    """The figure as PNG bytes (for the page, which shows images)."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100, bbox_inches="tight")
    return buffer.getvalue()
