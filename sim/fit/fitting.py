"""Fitting a whole scenario to an extract, and writing it as layers over the base.

``fit_extract`` returns every fitted part; ``write_fit`` writes into a folder:

- ``fitted.yaml``: ``extends:`` the base, with the fitted demand, durations and routes, and
  ``time`` set to the extract's period (so ``python -m sim backtest`` runs over it);
- ``fitted_from_census.yaml``: ``extends: fitted.yaml``, starting from the census at the
  extract's end with no warm-up, for planning from today;
- ``fit_report/``: the fit report (``index.html``, figures, and the tables as CSV).

Capacities, organisation and policies are decisions, not fitted: they stay as in the base.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from sim.compile import load_scenario, with_changes
from sim.config.schema import Scenario
from sim.fit.census import fit_census
from sim.fit.delay_routes import fit_delay_routes
from sim.fit.demand import StreamFit, fit_demand
from sim.fit.extract import Episodes, ExtractError, Period, read_extract
from sim.fit.handoffs import fit_handoffs
from sim.fit.layer import Commented, dump, plain
from sim.fit.lengths_of_stay import SERVICE, StayFit, fit_stays
from sim.fit.report import write_report
from sim.fit.routing import RouteFit, fit_routes, kept_routes

FITTED = "fitted.yaml"
FROM_CENSUS = "fitted_from_census.yaml"
REPORT = "fit_report"


@dataclass(frozen=True)
class FitResult:
    base_path: Path
    base: Scenario
    episodes: Episodes
    demand: list[StreamFit]
    routes: list[RouteFit]
    stays: list[StayFit]
    census: dict[str, object]
    census_table: pd.DataFrame

    @property
    def notes(self) -> list[str]:
        return [f"{s.name}: {note}" for s in self.demand for note in s.notes] + [
            f"{service}: {why}" for service, why in kept_routes(self.base).items()]

    def layer(self, out: Path) -> tuple[dict[str, Any], list[str]]:
        """The fitted layer (relative to folder ``out``) and the paths it replaces whole."""
        period = self.episodes.period
        replaced: list[str] = []
        demand: dict[str, Any] = {}
        for stream in self.demand:
            demand[stream.name] = stream.layer
            replaced += [f"demand.{stream.name}.{key}" for key in stream.layer
                         if isinstance(plain(stream.layer[key]), dict)]
        services: dict[str, Any] = {}
        for route_fit in self.routes:
            routes = services.setdefault(route_fit.service, {}).setdefault("routes", {})
            for route, fields in route_fit.layer.items():
                routes.setdefault(route, {}).update(fields)
                replaced.append(f"services.{route_fit.service}.routes.{route}.probability")
        for stay in self.stays:
            target = services.setdefault(stay.service, {})
            if stay.route != SERVICE:
                target = target.setdefault("routes", {}).setdefault(stay.route, {})
            target[stay.field] = stay.layer()
            replaced.append(f"services.{stay.service}" + (
                f".routes.{stay.route}" if stay.route != SERVICE else "") + f".{stay.field}")
        populations = {name: {"population": Commented(loc.population, "your population table")}
                       for name, loc in self.base.geography.localities.items()}
        base = os.path.relpath(self.base_path.resolve(), out.resolve())
        layer = {
            "extends": base,
            "replace": replaced,
            "name": f"{self.base.name}_fitted",
            "description": f"{self.base.name} fitted to {Path(self.episodes.source_file).name} "
                           f"({period.start} to {period.end})",
            "time": Commented({"start_date": period.start.isoformat(),
                               "run_days": period.days},
                              "the extract's period, so that a backtest runs over it"),
            "geography": {"localities": populations},
            "demand": demand,
            "services": services,
        }
        kept = [path for path in replaced if isinstance(_at(layer, path), dict)]
        layer["replace"] = kept
        return layer, kept


def fit_extract(path: str | Path, base_path: str | Path, period: Period | None = None,
                practices: str | Path | None = None, population: str | Path | None = None
                ) -> FitResult:
    """Fit everything; ``population``: CSV of locality,age_band,population replacing the
    base's populations (the rates' denominators, written into the layer too)."""
    base_path = Path(base_path)
    base = load_scenario(base_path)
    if population is not None:
        base = with_changes(base, population_changes(Path(population), base))
    episodes = read_extract(path, base, period, practices)
    routes = fit_routes(episodes, base)
    delay_routes, delay_stays = fit_delay_routes(episodes, base)
    census, census_table = fit_census(episodes, base)
    return FitResult(base_path, base, episodes, fit_demand(episodes, base),
                     routes + delay_routes,
                     fit_stays(episodes, base, routes) + delay_stays + fit_handoffs(episodes, base),
                     census, census_table)


def write_fit(result: FitResult, out: Path) -> tuple[Scenario, Path]:
    """Write the layers and the report into ``out``; returns the fitted scenario (loaded and
    so checked) and the census layer's path."""
    out.mkdir(parents=True, exist_ok=True)
    layer, _ = result.layer(out)
    rejected = result.episodes.rejections
    header = (f"Fitted by `python -m sim fit` from {Path(result.episodes.source_file).name}: "
              f"{rejected.rows_read:,} rows read, {rejected.total:,} rejected.\n"
              "Every fitted value carries its sample size and 95% interval; counts of 1-4 "
              "patients are shown as <5\nand such cells are pooled. Capacities, organisation "
              "and policies are the base's (decisions, not fitted).")
    (out / FITTED).write_text(dump(layer, header))
    fitted = load_scenario(out / FITTED)
    period = result.episodes.period
    census_layer = {
        "extends": FITTED,
        "name": f"{result.base.name}_fitted_from_census",
        "description": f"{fitted.name} started from the census at the end of the extract",
        "time": Commented({"start_date": period.end.isoformat(), "warmup_days": 0},
                          "the census is the state at 00:00 on start_date"),
        "census": result.census,
    }
    (out / FROM_CENSUS).write_text(dump(census_layer, "The census at the extract's end "
                                                      "(docs/census.md)."))
    write_report(result, fitted, out / REPORT)
    return fitted, out / FROM_CENSUS


def population_changes(path: Path, base: Scenario) -> dict[str, Any]:
    """``geography.localities.<name>.population`` changes from a CSV of
    locality,age_band,population; every locality and age band of the base must be given."""
    if not path.is_file():
        raise ExtractError([f"{path}: population table not found"])
    table = pd.read_csv(path, dtype=str)
    missing = {"locality", "age_band", "population"} - set(table.columns)
    if missing:
        raise ExtractError([f"{path}: missing column(s) {', '.join(sorted(missing))} (expected "
                            "locality,age_band,population)"])
    geo = base.geography
    counts = pd.to_numeric(table["population"], errors="coerce")
    problems = [f"{path}: row {i + 2}: population {v!r} is not a whole number of at least 0"
                for i, v in enumerate(table["population"])
                if not (counts[i] >= 0 and float(counts[i]).is_integer())]
    given = set(zip(table["locality"], table["age_band"]))
    expected = {(loc, band) for loc in geo.localities for band in geo.age_bands}
    problems += [f"{path}: unknown locality and age band {pair} (expected localities "
                 f"{list(geo.localities)} and age bands {geo.age_bands})"
                 for pair in sorted(given - expected)]
    problems += [f"{path}: no population for {pair}" for pair in sorted(expected - given)]
    if problems:
        raise ExtractError(problems)
    changes: dict[str, Any] = {}
    for row, count in zip(table.itertuples(), counts):
        changes.setdefault(f"geography.localities.{row.locality}.population", {})[
            row.age_band] = int(count)
    return changes


def _at(layer: dict[str, Any], path: str) -> Any:
    value: Any = layer
    for key in path.split("."):
        value = plain(value)[key]
    return plain(value)
