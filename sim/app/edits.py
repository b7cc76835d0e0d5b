"""Form values -> dotted-path changes -> a small YAML file that ``extends:`` the chosen
scenario, so a what-if made in the app runs identically from the command line."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from sim.app.scenarios import SCENARIOS, capacitated, duration_mean
from sim.compile import load_scenario
from sim.config import Scenario, ScenarioError
from sim.config.capacity import unit_capacities
from sim.config.loader import read_yaml_file, resolve
from sim.config.problems import InputProblem
from sim.config.schema import CapacitatedService, Policies

# shipped blocks a scenario without them can switch on: the flu wave layer's surge and the
# escalation beds of escalation_20_beds.yaml (docs/winter.md)
FLU_LAYER = SCENARIOS / "winter" / "layers" / "flu_wave.yaml"
ESCALATION_EXAMPLE = SCENARIOS / "winter" / "escalation_20_beds.yaml"
POLICIES = list(Policies.model_fields)  # mdt_case_management, care_home_support


@dataclass(frozen=True)
class EscalationLever:
    """One escalation block: ``on`` (kept or added), ``capacity`` (units opened; None when the
    block gives them per unit), and its thresholds in its measure's unit (% or patients)."""

    on: bool
    capacity: int | None
    open_above: float
    close_below: float


@dataclass(frozen=True)
class Levers:
    """What the app's forms can change. Only values that differ from the scenario are written.

    ``capacity``: service -> units (staff, beds or slots); ``unit_capacity``: service -> unit
    (locality, partnership) -> units, for services organised in several units; ``level``:
    service -> locality, partnership or system; ``mean``: service -> mean time in service in
    the duration's own unit; ``routes``: (service, route) -> probability (0-1);
    ``demand_growth``: locality -> fraction added to every demand rate there (0.05 = 5% more
    referrals); ``policies``: policy -> locality -> share of crises prevented (0-1);
    ``surges``: surge name -> on; ``escalation``: block name -> its lever; ``time``:
    run_days, warmup_days, replications, seed.
    """

    capacity: dict[str, int] = field(default_factory=dict)
    unit_capacity: dict[str, dict[str, int]] = field(default_factory=dict)
    level: dict[str, str] = field(default_factory=dict)
    mean: dict[str, float] = field(default_factory=dict)
    routes: dict[tuple[str, str], float] = field(default_factory=dict)
    demand_growth: dict[str, float] = field(default_factory=dict)
    policies: dict[str, dict[str, float]] = field(default_factory=dict)
    surges: dict[str, bool] = field(default_factory=dict)
    escalation: dict[str, EscalationLever] = field(default_factory=dict)
    time: dict[str, float | int] = field(default_factory=dict)


def current(scenario: Scenario) -> Levers:
    """The scenario's own values of every lever the form offers (its fields' defaults): the
    capacity of services with one whole-number capacity (not ``unlimited``), each unit's
    capacity where the service has several units, the mean of a duration that is one
    distribution with a mean, the shares of a service whose routes are all plain
    probabilities (not varying by age or pathway), every policy's effect by locality, the
    scenario's surges and escalation (on) and the shipped ones it lacks (off)."""
    services = capacitated(scenario)
    localities = list(scenario.geography.localities)
    time = scenario.time
    return Levers(
        capacity=_totals(scenario),
        unit_capacity={n: units for n, s in services.items()
                       if len(units := _unit_capacities(scenario, n)) > 1},
        level={n: s.level for n, s in services.items()},
        mean={n: m[0] for n, s in services.items() if (m := duration_mean(s)) is not None},
        routes={(n, route): p for n, s in services.items() for route, p in _fixed_shares(s).items()},
        demand_growth=dict.fromkeys(localities, 0.0),
        policies={p: {loc: getattr(scenario.policies, p).reduction(loc) for loc in localities}
                  for p in POLICIES},
        surges={**dict.fromkeys(offered_surges(scenario), False), **dict.fromkeys(scenario.surges, True)},
        escalation={**{n: EscalationLever(False, e["capacity"], e["open_above"], e["close_below"])
                       for n, e in offered_escalation(scenario).items()},
                    **{n: EscalationLever(True, e.capacity, e.open_above, e.close_below)
                       for n, e in scenario.escalation.items()}},
        time={"replications": time.replications, "run_days": time.run_days,
              "warmup_days": time.warmup_days, "seed": time.seed})


def _fixed_shares(service: CapacitatedService) -> dict[str, float]:
    """The service's route probabilities when none varies by attribute (else none: the form
    edits only plain shares)."""
    shares = {route: r.probability for route, r in service.routes.items()
              if isinstance(r.probability, float)}
    return shares if len(shares) == len(service.routes) else {}


def _totals(scenario: Scenario) -> dict[str, int]:
    """Services with one whole-number capacity -> it (not ``unlimited``, not per unit)."""
    totals: dict[str, int] = {}
    for name, service in capacitated(scenario).items():
        if isinstance(service.capacity, int):
            totals[name] = service.capacity
    return totals


def _unit_capacities(scenario: Scenario, service: str) -> dict[str, int]:
    """Units of a service with a finite capacity -> their capacity ({} when unlimited)."""
    units = unit_capacities(scenario, capacitated(scenario)[service])
    return {} if None in units.values() else {u: int(c or 0) for u, c in units.items()}


def offered_surges(scenario: Scenario) -> dict[str, dict[str, Any]]:
    """The shipped flu wave's surge when the scenario has none of that name (name -> block)."""
    return {n: s for n, s in read_yaml_file(FLU_LAYER)["surges"].items() if n not in scenario.surges}


def offered_escalation(scenario: Scenario) -> dict[str, dict[str, Any]]:
    """The shipped escalation beds when the scenario has no escalation of that name and has
    the service they open on (name -> block)."""
    shipped = read_yaml_file(ESCALATION_EXAMPLE)["escalation"]
    return {n: e for n, e in shipped.items()
            if n not in scenario.escalation and e["service"] in capacitated(scenario)}


def changes(scenario: Scenario, levers: Levers) -> dict[str, Any]:
    """The dotted-path changes (``services.ucr.capacity: 6``) that ``levers`` make to
    ``scenario``, leaving out values it already has. A block switched off is written as the
    whole of what remains (``surges: {...}``), which ``whatif_yaml`` marks ``replace:``."""
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
    out.update(_unit_changes(scenario, levers, now, out))
    out.update(_demand_changes(scenario, levers.demand_growth))
    for policy, shares in levers.policies.items():
        if shares != now.policies[policy]:
            values = set(shares.values())
            out[f"policies.{policy}.crisis_reduction"] = values.pop() if len(values) == 1 else shares
    out.update(_surge_changes(scenario, levers.surges))
    out.update(_escalation_changes(scenario, levers.escalation))
    return out


def _unit_changes(scenario: Scenario, levers: Levers, now: Levers,
                  so_far: dict[str, Any]) -> dict[str, Any]:
    """Capacity per unit: ``capacity_by_unit`` (and no total) where a unit's value changed."""
    out: dict[str, Any] = {}
    for name, units in levers.unit_capacity.items():
        if units == now.unit_capacity.get(name):
            continue
        if f"services.{name}.capacity" in so_far:
            raise ScenarioError([InputProblem("", ("services", name), (
                "change its total capacity or its capacity per unit, not both"))])
        out[f"services.{name}.capacity_by_unit"] = units
        if capacitated(scenario)[name].capacity is not None:
            out[f"services.{name}.capacity"] = None
    return out


def _demand_changes(scenario: Scenario, growth: dict[str, float]) -> dict[str, Any]:
    """Every stream's rates raised by each locality's growth: the shared rates when every
    locality grows alike, else each growing locality's own rates (the shared rate times its
    need index where the stream scales by need, as the model does without them)."""
    if not any(growth.values()):
        return {}
    out: dict[str, Any] = {}
    alike = len(set(growth.values())) == 1
    for stream, demand in scenario.demand.items():
        own = demand.rate_per_1000_per_year_by_locality
        if alike:
            common = next(iter(growth.values()))
            out[f"demand.{stream}.rate_per_1000_per_year"] = _scaled(
                demand.rate_per_1000_per_year, common)
            if own:
                out[f"demand.{stream}.rate_per_1000_per_year_by_locality"] = {
                    loc: _scaled(rates, common) for loc, rates in own.items()}
            continue
        by_locality = dict(own)
        for loc, g in growth.items():
            if g:
                need = scenario.geography.localities[loc].need_index if demand.scale_by_need else 1.0
                rates = own.get(loc) or _scaled(demand.rate_per_1000_per_year, need - 1)
                by_locality[loc] = _scaled(rates, g)
        out[f"demand.{stream}.rate_per_1000_per_year_by_locality"] = by_locality
    return out


def _scaled(rates: dict[str, float], growth: float) -> dict[str, float]:
    return {band: round(rate * (1 + growth), 6) for band, rate in rates.items()}


def _surge_changes(scenario: Scenario, on: dict[str, bool]) -> dict[str, Any]:
    offered = offered_surges(scenario)
    if any(not on.get(name, True) for name in scenario.surges):
        kept = {n: s.model_dump(mode="json", exclude_defaults=True)
                for n, s in scenario.surges.items() if on.get(n, True)}
        return {"surges": {**kept, **{n: offered[n] for n in offered if on.get(n)}}}
    return {f"surges.{n}": block for n, block in offered.items() if on.get(n)}


def _escalation_changes(scenario: Scenario, levers: dict[str, EscalationLever]) -> dict[str, Any]:
    offered = offered_escalation(scenario)
    blocks = {n: e.model_dump(mode="json", exclude_defaults=True)
              for n, e in scenario.escalation.items()} | offered
    wanted = {n: blocks[n] | _escalation_fields(lever) for n, lever in levers.items() if lever.on}
    if any(not levers[n].on for n in scenario.escalation if n in levers):
        return {"escalation": wanted}
    out: dict[str, Any] = {f"escalation.{n}": block for n, block in wanted.items() if n in offered}
    for name, spec in scenario.escalation.items():
        for key, value in _escalation_fields(levers.get(name, EscalationLever(
                True, spec.capacity, spec.open_above, spec.close_below))).items():
            if getattr(spec, key) != value:
                out[f"escalation.{name}.{key}"] = value
    return out


def _escalation_fields(lever: EscalationLever) -> dict[str, Any]:
    given = {"open_above": lever.open_above, "close_below": lever.close_below}
    return given if lever.capacity is None else {"capacity": lever.capacity, **given}


def whatif_yaml(base: Path, name: str, dotted: dict[str, Any]) -> str:
    """The what-if file: ``extends:`` the base (absolute path, so the file runs from anywhere
    on this machine), its own ``name``, ``replace:`` for each mapping set in full that would
    otherwise keep entries of the base's (a surge switched off), and the changes as nested
    YAML."""
    nested: dict[str, Any] = {}
    for path, value in dotted.items():
        *parents, last = path.split(".")
        node = nested
        for key in parents:
            node = node.setdefault(key, {})
        node[last] = value
    header = (f"# What-if made in the app (python -m sim app) over {base.name}.\n"
              f"# Check: python -m sim validate {name}.yaml; run: python -m sim run {name}.yaml\n")
    replaced = _replaced(base, dotted)
    content = {"extends": str(base.resolve()), "name": name, **({"replace": replaced} if replaced else {}),
               **nested}
    return header + yaml.safe_dump(content, sort_keys=False)


def _replaced(base: Path, dotted: dict[str, Any]) -> list[str]:
    """Dotted paths whose new mapping lacks keys the base file sets there (merging would keep
    them)."""
    data, _ = resolve(base)
    out = []
    for path, value in dotted.items():
        node: Any = data
        for key in path.split("."):
            node = node.get(key) if isinstance(node, dict) else None
        if isinstance(value, dict) and isinstance(node, dict) and set(node) - set(value):
            out.append(path)
    return out


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
