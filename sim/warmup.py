"""Warm-up chosen, not guessed: ``python -m sim warmup SCENARIO``.

Runs a few long replications from an empty system (no warm-up) and, for the daily mean
occupancy of each capacitated team, ward and caseload (an unlimited service such as ED's
boarding places settles with the services that feed it), averaged across replications:

- **MSER-5** (White 1997; Hoad, Robinson and Davies 2010): cut the series into batches of 5
  days with means ``Z_1..Z_m``; for each truncation ``d`` (batches dropped from the start,
  at most half the series) compute ``sum_{i>d} (Z_i - mean_{i>d})^2 / (m - d)^2``; the ``d``
  that minimises it, times 5 days, is the service's warm-up. A minimum at half the series
  means the run is too short to tell; it is reported as such.
- **Welch's plot**: the same series as a centred moving average, with each service's
  MSER-5 point and the scenario's warm-up marked, to judge by eye.

The recommended warm-up is the longest of the services', rounded up to 10 days.
"""

from __future__ import annotations

import argparse
import math
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from sim.analysis.metrics import ALL, core_capacity
from sim.analysis.registry import service_label
from sim.cli_options import add_run_options, run_settings, table_text
from sim.compile import load_scenario, with_changes
from sim.output.plots import save
from sim.report.narrative import warmup_sentence
from sim.results import FolderKind, check_free, default_folder, register, write_folder, write_scenario
from sim.runner import run_scenario
from sim.subcommands import Subcommands

BATCH_DAYS = 5  # MSER-5: batches of 5 observations (days)
ROUND_TO_DAYS = 10
WELCH_WINDOW_DAYS = 15  # moving-average half-width for Welch's plot
DEFAULT_REPLICATIONS = 3
MEASURED_KINDS = ("team", "ward", "caseload")
WARMUP = register(FolderKind("warmup", "occupancy from empty and the warm-up recommended: "
                                       "warmup.csv, warmup_daily.csv (python -m sim warmup)"))


def mser5(series: np.ndarray) -> tuple[int, bool]:
    """MSER-5 truncation of a daily series: ``(days to drop, settled)``. Truncations up to
    half the series are searched (beyond it too few batches remain and the statistic falls
    for that reason alone); ``settled`` is False when the minimum is at that limit, i.e. the
    run was too short to tell."""
    m = len(series) // BATCH_DAYS
    if m < 4:
        raise ValueError(f"MSER-5 needs at least {4 * BATCH_DAYS} days, got {len(series)}")
    z = series[: m * BATCH_DAYS].reshape(m, BATCH_DAYS).mean(axis=1)
    limit = m // 2
    statistics = [float(np.sum((z[d:] - z[d:].mean()) ** 2)) / (m - d) ** 2
                  for d in range(limit + 1)]
    best = int(np.argmin(statistics))
    return best * BATCH_DAYS, best < limit


def daily_means(daily: pd.DataFrame, services: list[str]) -> pd.DataFrame:
    """Daily mean occupancy (all localities) of each service averaged across replications:
    one column per service, one row per day."""
    rows = daily[(daily["locality"] == ALL) & daily["service"].isin(services)]
    return rows.pivot_table(index="day", columns="service", values="occupancy",
                            aggfunc="mean")[services]


def warmup_table(means: pd.DataFrame, current_days: float) -> pd.DataFrame:
    """Per service: MSER-5 warm-up (days), whether the run was long enough, and the
    scenario's warm-up for comparison."""
    rows = []
    for service in means.columns:
        days, settled = mser5(means[service].to_numpy(dtype=float))
        rows.append((service, days, settled, current_days))
    return pd.DataFrame(rows, columns=["service", "mser5_days", "settled_in_run",
                                       "current_warmup_days"])


def recommended_days(table: pd.DataFrame) -> int:
    """The longest of the services' warm-ups, rounded up to ``ROUND_TO_DAYS``."""
    longest = float(table["mser5_days"].max())
    return int(math.ceil(max(longest, 1) / ROUND_TO_DAYS) * ROUND_TO_DAYS)


def welch_plot(means: pd.DataFrame, table: pd.DataFrame, recommended: int,
               current: float) -> Figure:
    """One panel per service: the moving average of daily occupancy from an empty system,
    with its MSER-5 point, the recommended and the scenario's warm-up."""
    n = len(means.columns)
    fig = Figure(figsize=(10, 2.4 * math.ceil(n / 2)))
    axes = fig.subplots(math.ceil(n / 2), 2, squeeze=False).ravel()
    for ax in axes[n:]:
        ax.set_visible(False)
    window = 2 * WELCH_WINDOW_DAYS + 1
    for ax, service in zip(axes, means.columns):
        series = means[service]
        ax.plot(series.index, series.to_numpy(), color="#bbbbbb", linewidth=0.7,
                label="daily mean across replications")
        ax.plot(series.index, series.rolling(window, center=True, min_periods=1).mean(),
                color="#1f4e79", label=f"moving average ({window} days)")
        own = int(table.loc[table["service"] == service, "mser5_days"].iloc[0])
        ax.axvline(own, color="tab:orange", linestyle=":", label="MSER-5 of this service")
        ax.axvline(recommended, color="tab:red", linestyle="--", label="recommended warm-up")
        ax.axvline(current, color="black", linestyle="-.", linewidth=0.8,
                   label="scenario's warm-up")
        ax.set_title(service_label(service), fontsize=10)
        ax.set_xlabel("days from an empty system", fontsize=8)
        ax.set_ylabel("units in use", fontsize=8)
    axes[0].legend(fontsize="x-small")
    fig.suptitle("Welch's plot: occupancy from an empty system", fontsize=11)
    fig.tight_layout()
    return fig


def add_parser(commands: Subcommands) -> None:
    """Register the ``warmup`` subcommand on the CLI's subparsers."""
    sub = commands.add_parser(
        "warmup", help="recommend a warm-up: MSER-5 and Welch's plot of occupancy from empty",
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub.add_argument("scenario", type=Path)
    sub.add_argument("--days", type=float,
                     help="length of each run from empty (default: 3 x the scenario's warm-up "
                          "plus its results period)")
    add_run_options(sub)
    sub.set_defaults(handler=run_warmup)


def run_warmup(args: argparse.Namespace) -> int:
    given = load_scenario(args.scenario)
    days = args.days or 3 * given.time.warmup_days + given.time.run_days
    changes: dict[str, Any] = {"time.warmup_days": 0, "time.run_days": days,
                               "time.replications": args.reps or DEFAULT_REPLICATIONS}
    if args.seed is not None:
        changes["time.seed"] = args.seed
    scenario = with_changes(given, changes)
    out: Path = args.out or default_folder(f"{given.name}_warmup")
    check_free(out)
    started = time.perf_counter()
    result = run_scenario(scenario, **run_settings(args))
    services = [n for n, s in scenario.services.items()
                if s.kind in MEASURED_KINDS and core_capacity(scenario, n) is not None]
    means = daily_means(result.daily, services)
    table = warmup_table(means, given.time.warmup_days)
    recommended = recommended_days(table)
    table["recommended_days"] = recommended
    wall = time.perf_counter() - started
    reps = scenario.time.replications

    def files(folder: Path) -> None:
        table.to_csv(folder / "warmup.csv", index=False)
        means.reset_index().to_csv(folder / "warmup_daily.csv", index=False)
        save(welch_plot(means, table, recommended, given.time.warmup_days),
             folder / "plots" / "welch.png")
        write_scenario(given, folder / "scenario.yaml")

    write_folder(WARMUP, out, files, [given], reps, wall,
                 f"python -m sim warmup scenario.yaml --days {days:g} --reps {reps} "
                 f"--seed {scenario.time.seed}", {"days": days})
    print(table_text(table.set_index("service")))
    print(f"\n{warmup_sentence(table, given.name)}\n-> {out}")
    return 0
