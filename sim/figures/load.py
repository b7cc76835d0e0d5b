"""Reading a published-figures file: every problem reported at once, each naming the file,
the field path and what was expected (as scenario files are)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from sim.config.loader import ScenarioError, read_yaml_file
from sim.config.schema import Scenario
from sim.figures.schema import Figure


@dataclass(frozen=True)
class FigureSet:
    """The figures of one file, in file order."""

    title: str
    figures: tuple[Figure, ...]
    path: Path

    def __len__(self) -> int:
        return len(self.figures)

    @property
    def ids(self) -> list[str]:
        return [f.id for f in self.figures]


def load_figures(path: str | Path) -> FigureSet:
    """The figures file at ``path``, every figure checked (see ``sim.figures.schema``), or
    ``ScenarioError`` with one line per problem."""
    path = Path(path)
    data = read_yaml_file(path)
    problems = [f"{path}: {key}: unknown key; expected title or figures"
                for key in data if key not in ("title", "figures")]
    title, entries = data.get("title"), data.get("figures")
    if not (isinstance(title, str) and title.strip()):
        problems.append(f"{path}: title: expected a line of text saying what the figures are")
    if not (isinstance(entries, dict) and entries):
        problems.append(f"{path}: figures: expected a mapping of figure ids to figures")
        entries = {}
    figures = []
    for figure_id, fields in entries.items():
        if not isinstance(fields, dict):
            problems.append(f"{path}: figures.{figure_id}: expected a mapping of the "
                            "figure's fields (label, metric, value, interval, source ...)")
            continue
        try:
            figures.append(Figure.model_validate({"id": figure_id, **fields}))
        except ValidationError as error:
            problems.extend(_messages(error, path, ("figures", figure_id)))
    if problems:
        raise ScenarioError(problems)
    return FigureSet(str(title), tuple(figures), path)


def check_against(figures: FigureSet, scenario: Scenario) -> None:
    """``ScenarioError`` if a figure names a locality or age band the scenario does not have."""
    geography = scenario.geography
    problems = []
    for figure in figures.figures:
        where = f"{figures.path}: figures.{figure.id}"
        if figure.locality != "all" and figure.locality not in geography.localities:
            problems.append(f"{where}.locality: '{figure.locality}' is not a locality of "
                            f"'{scenario.name}' ({', '.join(geography.localities)} or all)")
        rate = figure.per_population
        for band in (rate.ages or []) if rate else []:
            if band not in geography.age_bands:
                problems.append(f"{where}.per_population.ages: '{band}' is not an age band of "
                                f"'{scenario.name}' ({', '.join(geography.age_bands)})")
    if problems:
        raise ScenarioError(problems)


def _messages(error: ValidationError, path: Path, prefix: tuple[Any, ...]) -> list[str]:
    messages = []
    for detail in error.errors():
        loc = ".".join(str(p) for p in (*prefix, *detail["loc"]))
        kind = detail["type"]
        if kind == "extra_forbidden":
            text = "unknown key"
        elif kind == "missing":
            text = "required field is missing"
        else:
            text = detail["msg"].replace("Value error, ", "").replace("Input should be",
                                                                      "expected")
            value = detail.get("input")
            if isinstance(value, (int, float, str, bool)) and ", got" not in text \
                    and not isinstance(value, str):
                text += f", got {value!r}"
        messages.append(f"{path}: {loc or '(top level)'}: {text}")
    return messages
