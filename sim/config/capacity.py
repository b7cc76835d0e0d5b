"""How a service's capacity is shared among the units (localities, partnerships, systems)
of the level it is organised at."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sim.config.schema import CapacitatedService, Scenario


def split_capacity(total: int, weights: list[float]) -> list[int]:
    """Share ``total`` units in proportion to ``weights`` by largest remainder (sums to total)."""
    weight_sum = sum(weights)
    if weight_sum <= 0:
        weights, weight_sum = [1.0] * len(weights), float(len(weights))
    exact = [total * w / weight_sum for w in weights]
    shares = [math.floor(x) for x in exact]
    by_remainder = sorted(range(len(weights)), key=lambda i: exact[i] - shares[i], reverse=True)
    for i in by_remainder[: total - sum(shares)]:
        shares[i] += 1
    return shares


def unit_capacities(scenario: Scenario, service: CapacitatedService) -> dict[str, int | None]:
    """Capacity of each unit (locality, partnership or system) of a service; None = unlimited."""
    geo = scenario.geography
    units = geo.units(service.level)
    if service.capacity_by_unit is not None:
        return {unit: service.capacity_by_unit[unit] for unit in units}
    if service.capacity == "unlimited":
        return dict.fromkeys(units)
    weights = dict.fromkeys(units, 0.0)
    for name, loc in geo.localities.items():
        need = loc.need_index if service.split == "need_weighted_population" else 1.0
        weights[geo.unit_of(name, service.level)] += loc.total_population * need
    assert isinstance(service.capacity, int)
    return dict(zip(units, split_capacity(service.capacity, list(weights.values()))))
