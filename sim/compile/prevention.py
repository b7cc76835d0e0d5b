"""Per-patient tables compiled from the scenario's policies and surges: the chance that a
crisis is prevented, and how much longer a surge's patients stay."""

from __future__ import annotations

from sim.config.schema import Scenario

# chance that a crisis is prevented, by [locality][high risk 0/1][residence 0/1]
PreventionTable = tuple[tuple[tuple[float, float], tuple[float, float]], ...]


def prevention_table(scenario: Scenario) -> PreventionTable:
    """Chance that a crisis does not happen, by [locality][high risk][residence], given the
    scenario's policies (case management for the high-risk, care home support)."""
    policies = scenario.policies
    table = []
    for locality in scenario.geography.localities:
        case_management = policies.mdt_case_management.reduction(locality)
        care_home = policies.care_home_support.reduction(locality)
        by_risk = []
        for high_risk in (0, 1):
            by_residence = []
            for residence in (0, 1):
                kept = 1.0
                if high_risk:
                    kept *= 1 - case_management
                if residence == 1:
                    kept *= 1 - care_home
                by_residence.append(1 - kept)
            by_risk.append((by_residence[0], by_residence[1]))
        table.append((by_risk[0], by_risk[1]))
    return tuple(table)


def stretch_tables(scenario: Scenario) -> tuple[tuple[float, ...] | None, ...]:
    """Per surge (in the scenario's order), the multiplier of its patients' time in each
    service (by service index; 1 where it has none), or None if it stretches nothing."""
    names = list(scenario.services)
    return tuple(
        tuple(surge.effects.stay_multiplier.get(name, 1.0) for name in names)
        if surge.effects.stay_multiplier else None
        for surge in scenario.surges.values())
