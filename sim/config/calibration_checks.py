"""Checks of the ``calibration:`` block (``sim.config.calibration``) against the rest of the
scenario: each calibrated field and balance field exists and holds a number. Run when a
calibration or an ensemble is set up (``sim.calibrate.space``), not when every scenario is read:
plain runs ignore the block."""

from __future__ import annotations

from typing import Any

from sim.config.problems import Problem
from sim.config.schema import Scenario
from sim.config.uncertainty import field_value


def _numeric(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def calibration_problems(scenario: Scenario) -> list[Problem]:
    """Each calibrated field (and balance field) exists and holds a number; a field is not
    both calibrated and uncertain, nor both calibrated and a balance."""
    if not scenario.calibration:
        return []
    data = scenario.model_dump(mode="json", exclude={"calibration", "uncertain"})
    problems = []
    for path, entry in scenario.calibration.items():
        where = ("calibration", path)
        for field, role in ((path, "field"), (entry.balance, "balance field")):
            if field is None:
                continue
            value = field_value(data, field)
            if value is None:
                problems.append(Problem(where, f"{role} {field}: no such field in the scenario "
                                               "(write the dotted path of a field that is set, "
                                               "e.g. services.ucr.duration.mean)"))
            elif not _numeric(value):
                problems.append(Problem(where, f"{role} {field}: expected a field holding a "
                                               f"number, found {type(value).__name__}"))
        if path in scenario.uncertain:
            problems.append(Problem(where, "the field is also uncertain: a field is either "
                                           "drawn in every replication (uncertain) or "
                                           "calibrated, not both"))
        if entry.balance in scenario.calibration:
            problems.append(Problem(where, f"balance field {entry.balance} is itself "
                                           "calibrated; balance with a field that is not"))
        current = field_value(data, path)
        if _numeric(current) and isinstance(current, int) and \
                not (entry.low.is_integer() and entry.high.is_integer()):
            problems.append(Problem(where, "the field holds a whole number; give whole-number "
                                           "low and high"))
    return problems
