"""The box searched by a calibration: one range per input, from the scenario's
``calibration:`` block (``sim.config.calibration``), and the scenario at any point of it.

Inputs are handled on the unit cube [0, 1]^k (designs, emulators) and mapped to their own
units only to build a scenario. Before anything runs, the scenario is rebuilt at each end of
each range (naming the field and end the schema refuses) and at the corners of the box.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

import numpy as np

from sim.compile import with_changes
from sim.config import Scenario, ScenarioError
from sim.config.calibration_checks import calibration_problems
from sim.config.uncertainty import field_value

MAX_CORNERS = 256  # at ~30 ms a validation, a few seconds; past it, a seeded sample of corners


@dataclass(frozen=True)
class CalibrationSpace:
    """The calibrated fields (dotted paths), their ranges, and the scenario's point values of
    them and of their balance fields."""

    scenario: Scenario
    names: tuple[str, ...]
    low: np.ndarray
    high: np.ndarray
    balances: tuple[str | None, ...]
    point: dict[str, float]  # field or balance field -> the scenario's value

    @property
    def k(self) -> int:
        return len(self.names)

    def from_unit(self, unit: np.ndarray) -> np.ndarray:
        """Points of [0, 1]^k (rows) in the inputs' own units."""
        return self.low + np.asarray(unit) * (self.high - self.low)

    def to_unit(self, values: np.ndarray) -> np.ndarray:
        return (np.asarray(values) - self.low) / (self.high - self.low)

    def changes(self, values: np.ndarray) -> dict[str, Any]:
        """Dotted-path changes setting each input to ``values`` (own units), and each balance
        field moved by minus the sum of the moves of the inputs it balances."""
        changes: dict[str, Any] = {}
        shifts: dict[str, float] = {}
        for name, balance, value in zip(self.names, self.balances, values):
            changes[name] = _as_field(float(value), self.point[name])
            if balance is not None:
                shifts[balance] = shifts.get(balance, 0.0) + float(value) - self.point[name]
        for balance, shift in shifts.items():
            changes[balance] = round(self.point[balance] - shift, 12)  # no 0.30000000000000004
        return changes

    def scenario_at(self, values: np.ndarray) -> Scenario:
        """The scenario with the inputs at ``values`` (own units), validated."""
        return with_changes(self.scenario, self.changes(values))


def _as_field(value: float, current: float) -> float:
    return int(round(value)) if isinstance(current, int) else value


def calibration_space(scenario: Scenario) -> CalibrationSpace:
    """The scenario's ``calibration:`` block as a space; ``ScenarioError`` if it has none, or
    names a field the scenario does not have or that holds no number."""
    block = scenario.calibration
    if not block:
        raise ScenarioError([f"scenario '{scenario.name}': calibration: no ranges to search; "
                             "add a calibration: block (docs/calibration.md)"])
    # checked here, not when every scenario is read: plain runs ignore the block, and a layer
    # that reshapes a calibrated field should not need to restate its base's ranges to run
    problems = calibration_problems(scenario)
    if problems:
        raise ScenarioError([f"scenario '{scenario.name}': {'.'.join(map(str, p.path))}: "
                             f"{p.message}" for p in problems])
    data = scenario.model_dump(mode="json", exclude={"calibration", "uncertain"})
    point = {path: field_value(data, path) for path in block}
    point.update({e.balance: field_value(data, e.balance) for e in block.values() if e.balance})
    return CalibrationSpace(
        scenario=scenario, names=tuple(block),
        low=np.array([e.low for e in block.values()]),
        high=np.array([e.high for e in block.values()]),
        balances=tuple(e.balance for e in block.values()), point=point)


def corners(k: int, seed: int = 0) -> np.ndarray:
    """Corners of [0, 1]^k, rows of 0 and 1: all of them up to ``MAX_CORNERS``; past it all
    low, all high, each input at one end with the others at the other, and a seeded sample."""
    if 2 ** k <= MAX_CORNERS:
        return np.array(list(itertools.product((0.0, 1.0), repeat=k)))
    eye = np.eye(k)
    structured = np.vstack([np.zeros(k), np.ones(k), eye, 1 - eye])
    sample = np.random.default_rng(seed).integers(0, 2, size=(MAX_CORNERS - len(structured), k))
    return np.unique(np.vstack([structured, sample]).astype(float), axis=0)


def check_space(space: CalibrationSpace) -> None:
    """``ScenarioError`` naming the field and end, or the corner, at which the scenario is
    not valid: first each end of each range alone (what the schema allows for that field),
    then the corners of the box together."""
    where = f"scenario '{space.scenario.name}': calibration"
    middle = (space.low + space.high) / 2
    problems = []
    for i, name in enumerate(space.names):
        for end, value in (("low", space.low[i]), ("high", space.high[i])):
            values = middle.copy()
            values[i] = value
            message = _invalid(space, values)
            if message:
                problems.append(f"{where}.{name}.{end}: the scenario is not valid with "
                                f"{name} = {value:g} (the other inputs mid-range): {message}")
    if problems:
        raise ScenarioError(problems)
    for corner in corners(space.k):
        values = space.from_unit(corner)
        message = _invalid(space, values)
        if message:
            at = ", ".join(f"{n} = {v:g}" for n, v in zip(space.names, values))
            raise ScenarioError([f"{where}: the scenario is not valid at the corner of the "
                                 f"ranges where {at}: {message}"])


def _invalid(space: CalibrationSpace, values: np.ndarray) -> str | None:
    try:
        space.scenario_at(values)
    except ScenarioError as error:
        return "; ".join(error.messages)
    return None
