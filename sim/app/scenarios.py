"""Which scenarios the app offers, how it describes one in words, and the check that keeps an
uploaded scenario inside the shipped scenarios and the upload itself."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from sim.compile import load_scenario
from sim.config import Scenario, ScenarioError
from sim.config.loader import read_yaml_file
from sim.config.schema import CapacitatedService, routes_of

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
        capacity: Any = service.capacity if service.capacity is not None else ", ".join(
            f"{unit} {units}" for unit, units in (service.capacity_by_unit or {}).items())
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
    return None if mean is None else (float(mean), str(getattr(service.duration, "unit", "")))


def pathway_dot(scenario: Scenario) -> str:
    """The pathway as a Graphviz DOT graph: demand streams into their entry services, each
    service to where its routes go, labelled with the route's name and its share where that is
    one number (not varying by age or pathway)."""
    shapes = {"team": "box", "ward": "box3d", "caseload": "folder", "delay": "ellipse",
              "placement": "house", "exit": "doublecircle"}
    lines = ["digraph pathway {", "rankdir=LR;", 'node [fontname="sans-serif", fontsize=10];',
             'edge [fontname="sans-serif", fontsize=9];']
    for name, stream in scenario.demand.items():
        lines.append(f'"{name}" [shape=plaintext, fontcolor="#1f4e79"];')
        lines.append(f'"{name}" -> "{stream.entry}" [style=dashed];')
    for name, service in scenario.services.items():
        lines.append(f'"{name}" [shape={shapes.get(getattr(service, "kind", ""), "box")}];')
        for route_name, route in routes_of(service).items():
            share = route.probability
            label = f"{route_name} {share:.0%}" if isinstance(share, float) else route_name
            lines.append(f'"{name}" -> "{route.to}" [label="{label}"];')
    return "\n".join([*lines, "}"])


def describe(scenario: Scenario) -> str:
    """A paragraph in words: the place, its localities and the services that hold capacity."""
    geo = scenario.geography
    services = capacitated(scenario)
    levels = sorted({s.level for s in services.values()})
    return (f"**{scenario.name}**: {scenario.description.strip() or 'no description'}\n\n"
            f"{len(geo.localities)} localities ({', '.join(geo.localities)}) with "
            f"{geo.population:,} residents; {len(services)} services with capacity, organised "
            f"at {' and '.join(levels)} level; {scenario.time.replications} replications of "
            f"{scenario.time.run_days:g} days after a {scenario.time.warmup_days:g}-day warm-up.")


def save_upload(name: str, data: bytes, folder: Path) -> tuple[Path, Scenario]:
    """The uploaded file saved in ``folder`` and loaded with the package's safe loader.

    Its ``extends:`` may name a shipped scenario as the command line would from
    ``scenarios/`` (``baseline.yaml``, ``places/havering.yaml``) or another file uploaded to
    the same folder; every file in the chain must be one of those, else ``ScenarioError``
    names the offending ``extends:``.
    """
    if len(data) > MAX_UPLOAD_BYTES:
        raise ScenarioError([f"{name}: {len(data):,} bytes; a scenario file is at most "
                             f"{MAX_UPLOAD_BYTES:,}"])
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / Path(name).name  # a name only: an upload cannot choose where it lands
    path.write_bytes(data)
    content = read_yaml_file(path)
    names = content.get("extends")
    if isinstance(names, str | list):
        listed = names if isinstance(names, list) else [names]
        content["extends"] = [_shipped_or_uploaded(str(n), folder) for n in listed]
        path.write_text(yaml.safe_dump(content, sort_keys=False), encoding="utf-8")
    _check_chain(path.resolve(), (SCENARIOS, folder.resolve()))
    return path, load_scenario(path)


def _shipped_or_uploaded(name: str, folder: Path) -> str:
    """An upload's ``extends:`` entry as a path the loader finds: the uploaded file of that
    name, else the shipped scenario of that name (absolute), else as given (refused later)."""
    if (folder / name).is_file():
        return name
    shipped_file = SCENARIOS / name
    return str(shipped_file.resolve()) if shipped_file.is_file() else name


def _check_chain(path: Path, roots: tuple[Path, ...]) -> None:
    """``ScenarioError`` unless every file ``path`` extends, all the way up, is under ``roots``."""
    names = read_yaml_file(path).get("extends")
    listed = names if isinstance(names, list) else [] if names is None else [names]
    for name in listed:
        if not isinstance(name, str):
            continue  # the loader says what is wrong with it
        parent = (path.parent / name).resolve()
        if not any(parent.is_relative_to(root) for root in roots):
            raise ScenarioError([f"{path.name}: extends: {name} is outside the shipped scenarios; "
                                 "an uploaded scenario may extend only a shipped scenario "
                                 "(e.g. extends: baseline.yaml) or another uploaded file"])
        if parent.is_file():
            _check_chain(parent, roots)
