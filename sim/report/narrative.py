"""Plain-English sentences for the board summary: what a figure is, its interval, and what
the interval lets a reader conclude."""

from __future__ import annotations

import math

import pandas as pd

from sim.analysis.registry import metric_info
from sim.pages.numbers import MONEY, number


def signed(value: float, unit: str = "") -> str:
    """A difference with its sign; a difference of percentages is in percentage points."""
    text = number(value, "" if unit.startswith("%") else unit)
    text = text if text.startswith("-") or text in ("0", "£0") else f"+{text}"
    return f"{text} percentage points" if unit.startswith("%") else text


def interval(low: float, high: float, unit: str = "") -> str:
    """``95% CI a to b`` or an explanation when there is none (one replication)."""
    if math.isnan(low) or math.isnan(high):
        return "no interval: one replication"
    return f"95% CI {number(low, unit)} to {number(high, unit)}"


def _unit_words(unit: str) -> str:
    return "" if unit.startswith("%") or unit in ("", MONEY) else f" {unit}"


def level_sentence(metric: str, mean: float, low: float, high: float) -> str:
    """One scenario's figure, and how it stands against its standard where it has one."""
    info = metric_info(metric)
    text = (f"{info.label}: {number(mean, info.unit)}{_unit_words(info.unit)} "
            f"({interval(low, high, info.unit)}).")
    if info.target is not None and not math.isnan(mean):
        meets = mean >= info.target if info.better == "higher" else mean <= info.target
        sure = (low >= info.target if info.better == "higher" else high <= info.target) \
            if not math.isnan(low) else False
        verdict = ("meets" if sure else "meets on average, though the interval reaches past")\
            if meets else "misses"
        text += f" This {verdict} the {info.target_source}."
    return text


def difference_sentence(metric: str, a_mean: float, b_mean: float, diff: float, low: float,
                        high: float, a_name: str, b_name: str) -> str:
    """A paired difference B - A: its size, its interval and what the interval allows."""
    info = metric_info(metric)
    unit = info.unit
    points = "" if unit.startswith("%") else unit
    change = (f"{info.label}: {number(a_mean, unit)} with {a_name}, {number(b_mean, unit)} "
              f"with {b_name}, a difference of {signed(diff, unit)}{_unit_words(unit)} "
              f"({interval(low, high, points)}).")
    if math.isnan(low) or math.isnan(high):
        return change + " With one replication the simulation noise is unknown."
    if low <= 0 <= high:
        return change + (f" The replications cannot tell {b_name} from {a_name} on this "
                         "measure: the interval includes 0 (no change).")
    direction = "higher" if low > 0 else "lower"
    meaning = ""
    if info.better is not None:
        meaning = " (better)" if direction == info.better else " (worse)"
    return change + f" It is {direction} with {b_name}{meaning}, beyond simulation noise."


def precision_note(replications: int | None) -> str:
    """What the intervals mean, for the foot of page one."""
    reps = f"{replications} replications" if replications else "the replications"
    return (f"Intervals are 95% confidence intervals over {reps}: they describe simulation "
            "noise for these inputs, not uncertainty in the inputs themselves. Differences "
            "are paired: each replication of both configurations faced the same patients "
            "(common random numbers), so a small difference can be told from noise.")


def range_sentence(metric: str, lowest: float, lowest_at: str, highest: float,
                   highest_at: str) -> str:
    """How far a metric moves across a sweep's grid points."""
    info = metric_info(metric)
    low, high = number(lowest, info.unit), number(highest, info.unit)
    words = _unit_words(info.unit)
    if low == high:
        return f"{info.label}: {low}{words} at every point."
    return f"{info.label}: from {low}{words} ({lowest_at}) to {high}{words} ({highest_at})."


def warmup_sentence(table: pd.DataFrame, name: str) -> str:
    """The recommendation of ``warmup.csv`` (``sim.warmup``) in words."""
    recommended = int(table["recommended_days"].iloc[0])
    current = float(table["current_warmup_days"].iloc[0])
    unsettled = list(table.loc[~table["settled_in_run"].astype(bool), "service"])
    verdict = ("enough" if current >= recommended
               else f"too short by {recommended - current:g} days")
    text = (f"Recommended warm-up: {recommended} days (the longest MSER-5 truncation of the "
            f"services, rounded up); {name} uses {current:g} days: {verdict}.")
    if unsettled:
        text += (f" Not settled within the run: {', '.join(unsettled)}; run longer with "
                 "--days.")
    return text
