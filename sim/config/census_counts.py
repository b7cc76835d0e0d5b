"""A census count split across a scenario's localities (``census:``, docs/census.md).

Apart from ``sim.config.census`` because it reads the whole scenario, whose schema imports
that module: kept here, neither imports the other's importer.
"""

from __future__ import annotations

from typing import Any

from sim.config.capacity import split_capacity
from sim.config.schema import Scenario


def locality_counts(counts: Any, scenario: Scenario) -> dict[str, int]:
    """A count by locality, in the scenario's order of localities: a total is split in
    proportion to population by largest remainder; a mapping lists the localities it has
    (localities it leaves out have none; unknown ones are ignored, see sim.config.census_checks)."""
    localities = scenario.geography.localities
    if isinstance(counts, dict):
        return {name: counts.get(name, 0) for name in localities}
    shares = split_capacity(counts, [loc.total_population for loc in localities.values()])
    return dict(zip(localities, shares))
