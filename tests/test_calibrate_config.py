"""The calibration: block: refused before anything runs when a range is back to front, names
no numeric field, leaves what the schema allows, or makes the scenario invalid at a corner;
and plain runs ignore it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml

from sim.cache import numbers_relevant
from sim.calibrate.space import calibration_space, check_space, corners
from sim.compile import load_scenario
from sim.config import ScenarioError

SMALL = Path(__file__).parent / "data" / "calibrate" / "small.yaml"
DURATION = "services.team.duration.mean"
PATIENCE = "services.team.when_busy.renege.patience.mean"
CONVEYED = "services.team.routes.conveyed.probability"
HOME = "services.team.routes.home.probability"


def _with_block(tmp_path: Path, block: dict[str, Any], **extra: Any) -> Path:
    data = yaml.safe_load(SMALL.read_text(encoding="utf-8"))
    data["calibration"] = block
    data.update(extra)
    path = tmp_path / "scenario.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def _space_refusal(tmp_path: Path, block: dict[str, Any]) -> str:
    scenario = load_scenario(_with_block(tmp_path, block))
    with pytest.raises(ScenarioError) as error:
        check_space(calibration_space(scenario))
    return str(error.value)


def test_low_above_high_is_refused_when_read(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match=f"calibration.{DURATION}: expected low < high"):
        load_scenario(_with_block(tmp_path, {DURATION: {"low": 5.0, "high": 1.5}}))


@pytest.mark.parametrize("path, expected", [
    ("services.team.duration.meen", "no such field"),
    ("services.team.duration.unit", "expected a field holding a number, found str")])
def test_a_field_that_is_missing_or_not_a_number_is_refused(
        tmp_path: Path, path: str, expected: str) -> None:
    with pytest.raises(ScenarioError, match=expected):
        calibration_space(load_scenario(_with_block(tmp_path, {path: {"low": 1.0, "high": 2.0}})))


def test_a_field_both_uncertain_and_calibrated_is_refused(tmp_path: Path) -> None:
    path = _with_block(tmp_path, {DURATION: {"low": 1.5, "high": 5.0}},
                       uncertain={DURATION: {"uniform": [2.0, 4.0]}})
    with pytest.raises(ScenarioError, match="either drawn in every replication"):
        calibration_space(load_scenario(path))


def test_an_end_outside_what_the_schema_allows_names_field_and_end(tmp_path: Path) -> None:
    message = _space_refusal(tmp_path, {DURATION: {"low": -1.0, "high": 5.0}})
    assert f"calibration.{DURATION}.low" in message and "-1" in message


def test_a_share_without_its_balance_is_refused(tmp_path: Path) -> None:
    message = _space_refusal(tmp_path, {CONVEYED: {"low": 0.1, "high": 0.3}})
    assert "route probabilities sum to" in message


def test_a_corner_making_the_scenario_invalid_is_named(tmp_path: Path) -> None:
    """Each share alone keeps home's probability in [0, 1] (every other input mid-range);
    both high together take it below 0."""
    advice = "services.team.routes.advice.probability"
    data = yaml.safe_load(SMALL.read_text(encoding="utf-8"))
    data["services"]["team"]["routes"] = {
        "home": {"to": "home", "probability": 0.5}, "conveyed": {"to": "ed", "probability": 0.3},
        "advice": {"to": "home", "probability": 0.2}}
    data["calibration"] = {CONVEYED: {"low": 0.3, "high": 0.6, "balance": HOME},
                           advice: {"low": 0.2, "high": 0.5, "balance": HOME}}
    path = tmp_path / "corner.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    with pytest.raises(ScenarioError, match=f"not valid at the corner of the ranges where "
                                            f"{CONVEYED} = 0.6, {advice} = 0.5: .*{HOME}"):
        check_space(calibration_space(load_scenario(path)))


def test_a_balance_field_moves_by_the_opposite_amount(tmp_path: Path) -> None:
    path = _with_block(tmp_path, {CONVEYED: {"low": 0.1, "high": 0.4, "balance": HOME}})
    space = calibration_space(load_scenario(path))
    check_space(space)
    scenario = space.scenario_at(np.array([0.35]))
    routes = scenario.services["team"].routes
    assert routes["conveyed"].probability == pytest.approx(0.35)
    assert routes["home"].probability == pytest.approx(0.65)


def test_corners_are_all_of_them_or_a_bounded_sample() -> None:
    assert len(corners(3)) == 8
    many = corners(12)
    assert len(many) <= 256 and {0.0, 1.0} >= set(np.unique(many))
    assert (many.sum(axis=1) == 0).any() and (many.sum(axis=1) == 12).any()


def test_plain_runs_ignore_the_block(tmp_path: Path) -> None:
    """The block changes nothing a replication depends on (so not its cache key)."""
    without = load_scenario(_with_block(tmp_path, {}))
    with_block = load_scenario(SMALL)
    assert with_block.calibration and not without.calibration
    assert numbers_relevant(with_block) == numbers_relevant(without)
