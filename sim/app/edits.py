"""Form values -> dotted-path changes -> a small YAML file that ``extends:`` the chosen
scenario, so a what-if made in the app runs identically from the command line."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from sim.app.scenarios import capacitated, duration_mean
from sim.compile import load_scenario
from sim.config import Scenario, ScenarioError


@dataclass(frozen=True)
class Levers:
    """What the app's forms can change. Only values that differ from the scenario are written.

    ``capacity``: service -> units (staff, beds or slots); ``level``: service -> locality,
    partnership or system; ``mean``: service -> mean time in service in the duration's own
    unit; ``routes``: (service, route) -> probability (0-1); ``demand_growth``: fraction added
    to every demand rate (0.05 = 5% more referrals); ``time``: run_days, warmup_days,
    replications, seed.
    """

    capacity: dict[str, int] = field(default_factory=dict)
    level: dict[str, str] = field(default_factory=dict)
    mean: dict[str, float] = field(default_factory=dict)
    routes: dict[tuple[str, str], float] = field(default_factory=dict)
    demand_growth: float = 0.0
    time: dict[str, float | int] = field(default_factory=dict)


def current(scenario: Scenario) -> Levers:
    """The scenario's own values of every lever the form offers (its fields' defaults): the
    capacity of services with one whole-number capacity (not ``unlimited`` or per unit), the
    mean of a duration that is one distribution with a mean, the shares of a service whose
    routes are all plain probabilities (not varying by age or pathway)."""
    services = capacitated(scenario)
    capacity: dict[str, int] = {}
    for name, service in services.items():
        if isinstance(service.capacity, int):
            capacity[name] = service.capacity
    time = scenario.time
    return Levers(
        capacity=capacity,
        level={n: s.level for n, s in services.items()},
        mean={n: m[0] for n, s in services.items() if (m := duration_mean(s)) is not None},
        routes={(n, route): float(r.probability) for n, s in services.items()  # type: ignore[arg-type]
                if all(isinstance(r.probability, float) for r in s.routes.values())
                for route, r in s.routes.items()},
        time={"replications": time.replications, "run_days": time.run_days,
              "warmup_days": time.warmup_days, "seed": time.seed})


def changes(scenario: Scenario, levers: Levers) -> dict[str, Any]:
    """The dotted-path changes (``services.ucr.capacity: 6``) that ``levers`` make to
    ``scenario``, leaving out values it already has."""
    now = current(scenario)
    out: dict[str, Any] = {}
    fields: list[tuple[str, dict[str, Any], dict[str, Any]]] = [
        ("services.{}.capacity", levers.capacity, now.capacity),
        ("services.{}.level", levers.level, now.level),
        ("services.{}.duration.mean", levers.mean, now.mean),
        ("time.{}", levers.time, now.time)]
    for path, wanted, today in fields:
        out.update({path.format(key): value for key, value in wanted.items()
                    if today.get(key) != value})
    for (name, route), share in levers.routes.items():
        if now.routes.get((name, route)) != share:
            out[f"services.{name}.routes.{route}.probability"] = share
    if levers.demand_growth:
        for stream, demand in scenario.demand.items():
            # every rate scaled: per age band, and per locality where a locality has its own
            out[f"demand.{stream}.rate_per_1000_per_year"] = _scaled(
                demand.rate_per_1000_per_year, levers.demand_growth)
            if demand.rate_per_1000_per_year_by_locality:
                out[f"demand.{stream}.rate_per_1000_per_year_by_locality"] = {
                    loc: _scaled(rates, levers.demand_growth)
                    for loc, rates in demand.rate_per_1000_per_year_by_locality.items()}
    return out


def _scaled(rates: dict[str, float], growth: float) -> dict[str, float]:
    return {band: round(rate * (1 + growth), 6) for band, rate in rates.items()}


def whatif_yaml(base: Path, name: str, dotted: dict[str, Any]) -> str:
    """The what-if file: ``extends:`` the base (absolute path, so the file runs from anywhere
    on this machine), its own ``name`` and the changes as nested YAML."""
    nested: dict[str, Any] = {}
    for path, value in dotted.items():
        *parents, last = path.split(".")
        node = nested
        for key in parents:
            node = node.setdefault(key, {})
        node[last] = value
    header = (f"# What-if made in the app (python -m sim app) over {base.name}.\n"
              f"# Check: python -m sim validate {name}.yaml; run: python -m sim run {name}.yaml\n")
    body = yaml.safe_dump({"extends": str(base), "name": name, **nested}, sort_keys=False)
    return header + body


def write_whatif(base: Path, name: str, dotted: dict[str, Any], folder: Path) -> tuple[Path, Scenario]:
    """Write the what-if YAML into ``folder`` and load it as the command line would;
    ``ScenarioError`` with the scenario's own field-named messages when it is not valid."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.yaml"
    path.write_text(whatif_yaml(base, name, dotted), encoding="utf-8")
    try:
        return path, load_scenario(path)
    except ScenarioError:
        path.unlink()  # an invalid what-if is never left where it could be run or downloaded
        raise
