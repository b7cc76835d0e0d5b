"""The values uncertain fields take in one replication (``sim.config.uncertainty``)."""

from __future__ import annotations

from sim.compile.scenario import validate
from sim.config.loader import apply_changes
from sim.config.schema import Scenario
from sim.config.uncertainty import as_field_type, field_value
from sim.engine.streams import named_stream


def draw_parameters(scenario: Scenario, replication: int) -> tuple[Scenario, dict[str, float]]:
    """``scenario`` with each uncertain field set to its value in ``replication`` (and no
    ``uncertain`` section left), and the values drawn, by field path."""
    if not scenario.uncertain:
        return scenario, {}
    data = scenario.model_dump(mode="json")
    del data["uncertain"]
    drawn: dict[str, float] = {}
    for path, distribution in scenario.uncertain.items():
        u = float(named_stream(scenario.time.seed, replication, f"parameter.{path}").random())
        drawn[path] = as_field_type(distribution.value_at(u), field_value(data, path))
    return validate(apply_changes(data, drawn), {}, f"scenario '{scenario.name}'"), drawn
