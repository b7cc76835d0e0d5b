"""Which scenarios the app offers, how it describes one in words, and the check that keeps an
uploaded scenario inside the shipped scenarios and the upload itself."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from sim.config import Scenario, ScenarioError, load_scenario
from sim.config.loader import read_yaml_file
from sim.config.schema import CapacitatedService

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"
# what an analyst picks from: the comparisons of the README's shipped scenarios table
SHIPPED_FOLDERS = ("", "places", "winter")
MAX_UPLOAD_BYTES = 200_000  # a scenario file is a few kB; anything larger is not one


def shipped() -> dict[str, Path]:
    """Label (path relative to ``scenarios/``) -> file, baseline first."""
    files = [path for folder in SHIPPED_FOLDERS for path in sorted((SCENARIOS / folder).glob("*.yaml"))]
    files.sort(key=lambda p: (p.name != "baseline.yaml", p.parent != SCENARIOS, str(p)))
    return {str(p.relative_to(SCENARIOS)): p for p in files}


def localities_table(scenario: Scenario) -> pd.DataFrame:
    """One row per locality: population (people), need index, partnership and system."""
    return pd.DataFrame([{"locality": name, "population": loc.total_population,
                          "need index": loc.need_index, "partnership": loc.partnership,
                          "system": loc.system}
                         for name, loc in scenario.geography.localities.items()])


def services_table(scenario: Scenario) -> pd.DataFrame:
    """One row per service that holds capacity: kind, level, capacity and mean time in service."""
    rows = []
    for name, service in capacitated(scenario).items():
        capacity: Any = service.capacity if service.capacity is not None else service.capacity_by_unit
        mean = duration_mean(service)
        rows.append({"service": name, "kind": service.kind, "level": service.level,
                     "capacity": str(capacity),
                     "mean time in service": "varies" if mean is None else
                     f"{mean[0]:g} {mean[1]}",
                     "description": service.description})
    return pd.DataFrame(rows)


def capacitated(scenario: Scenario) -> dict[str, CapacitatedService]:
    """The services with capacity to change (teams, wards, caseloads), in file order."""
    return {name: s for name, s in scenario.services.items() if isinstance(s, CapacitatedService)}


def duration_mean(service: CapacitatedService) -> tuple[float, str] | None:
    """``(mean, unit)`` of the service's time in service when it is one distribution with a
    ``mean`` field; None when it varies by attribute or has no mean to set."""
    mean = getattr(service.duration, "mean", None)
    return None if mean is None else (float(mean), str(service.duration.unit))


def describe(scenario: Scenario) -> str:
    """A paragraph in words: the place, its localities and the services that hold capacity."""
    geo = scenario.geography
    services = capacitated(scenario)
    levels = sorted({s.level for s in services.values()})
    return (f"**{scenario.name}**: {scenario.description.strip() or 'no description'}\n\n"
            f"{len(geo.localities)} localities ({', '.join(geo.localities)}) with "
            f"{geo.population:,} residents; {len(services)} services with capacity, organised "
            f"at {' and '.join(levels)} level; {scenario.time.replications} replications of "
            f"{scenario.time.run_days} days after a {scenario.time.warmup_days}-day warm-up.")


def check_upload(path: Path) -> Scenario:
    """The uploaded scenario at ``path``, loaded with the package's safe loader, after checking
    that every file its ``extends:`` chain names is a shipped scenario or the upload's own
    folder. Raises ``ScenarioError`` naming the offending ``extends:`` otherwise."""
    if path.stat().st_size > MAX_UPLOAD_BYTES:
        raise ScenarioError([f"{path.name}: {path.stat().st_size:,} bytes; a scenario file is "
                             f"at most {MAX_UPLOAD_BYTES:,}"])
    _check_chain(path.resolve(), (SCENARIOS, path.resolve().parent))
    return load_scenario(path)


def _check_chain(path: Path, roots: tuple[Path, ...]) -> None:
    names = read_yaml_file(path).get("extends")
    listed = names if isinstance(names, list) else [] if names is None else [names]
    for name in listed:
        if not isinstance(name, str):
            continue  # the loader says what is wrong with it
        parent = (path.parent / name).resolve()
        if not any(parent.is_relative_to(root) for root in roots):
            raise ScenarioError([f"{path.name}: extends: {name} is outside the shipped scenarios; "
                                 "an uploaded scenario may extend only files in scenarios/ "
                                 f"(e.g. {SCENARIOS / 'baseline.yaml'}) or upload the file too"])
        if parent.is_file():
            _check_chain(parent, roots)
