"""The compiled scenario (``sim.compile.compiled``): what the engine reads, made from the
scenario once and frozen."""

from __future__ import annotations

import dataclasses

import pytest
from helpers import SCENARIOS

from sim.compile import load_scenario
from sim.compile.compiled import compile_scenario


def test_escalation_compiles_to_frozen_plans_with_months_as_numbers() -> None:
    scenario = load_scenario(SCENARIOS / "winter" / "escalation_20_beds.yaml")
    compiled = compile_scenario(scenario)
    acute = list(scenario.services).index("acute")
    rules = [rule for plan in compiled.unit_plans if plan.service == acute
             for rule, _ in plan.escalations]
    assert rules and {rule.name for rule in rules} == {"acute_escalation_beds"}
    rule = rules[0]
    assert rule.months == frozenset({11, 12, 1, 2, 3})
    assert rule.open_in(1) and not rule.open_in(7)
    opened = sum(extra for plan in compiled.unit_plans if plan.service == acute
                 for _, extra in plan.escalations)
    assert opened == scenario.escalation["acute_escalation_beds"].capacity
    with pytest.raises(dataclasses.FrozenInstanceError):
        compiled.unit_plans[0].base = 0  # type: ignore[misc]


def test_surge_stretch_is_a_multiplier_for_every_service() -> None:
    scenario = load_scenario(SCENARIOS / "winter" / "flu_wave.yaml")
    compiled = compile_scenario(scenario)
    names = list(scenario.services)
    for surge, stretch in zip(scenario.surges.values(), compiled.stretch):
        wanted = surge.effects.stay_multiplier
        if not wanted:
            assert stretch is None
            continue
        assert stretch is not None and len(stretch) == len(names)
        assert all(stretch[i] == wanted.get(name, 1.0) for i, name in enumerate(names))
    assert compiled.surge_names == tuple(scenario.surges)


def test_prevention_table_combines_case_management_and_care_home_support() -> None:
    scenario = load_scenario(SCENARIOS / "places" / "rotherham_health_village.yaml")
    table = compile_scenario(scenario).prevention
    localities = list(scenario.geography.localities)
    village = localities.index("health_village")
    assert table[village][0][0] == 0.0  # own home, not high risk: no policy applies
    assert table[village][1][0] == pytest.approx(0.05)
    assert table[village][0][1] == pytest.approx(0.10)
    assert table[village][1][1] == pytest.approx(1 - 0.95 * 0.90)
    others = [row for i, row in enumerate(table) if i != village]
    assert all(row == ((0.0, 0.0), (0.0, 0.0)) for row in others)
