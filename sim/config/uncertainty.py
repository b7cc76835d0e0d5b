"""Parameter uncertainty: a scenario field given as a distribution instead of a number.

```yaml
uncertain:
  policies.mdt_case_management.crisis_reduction: {uniform: [0.0, 0.10]}
  policies.care_home_support.crisis_reduction: {triangular: [0.10, 0.20, 0.25]}
```

Each replication draws every uncertain field once (``sim.engine.parameters``), from a
generator named after the field (``parameter.<path>``) and spawned from the seed and
replication number, so replication r of two scenarios that share an uncertain field uses the
same value in both: comparisons stay paired. Results then carry parameter as well as
stochastic uncertainty, and ``sim.analysis.uncertainty`` says which parameters drive the
spread.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from pydantic import model_validator

from sim.config.base import Frozen, key_or_attr, tagged_union


class UniformParameter(Frozen):
    """Equally likely anywhere in [low, high]."""

    uniform: tuple[float, float]

    @model_validator(mode="after")
    def _ordered(self) -> UniformParameter:
        if not self.uniform[0] <= self.uniform[1]:
            raise ValueError(f"expected [low, high] with low <= high, got {list(self.uniform)}")
        return self

    @property
    def support(self) -> tuple[float, float]:
        return self.uniform

    def value_at(self, u: float) -> float:
        low, high = self.uniform
        return low + u * (high - low)


class TriangularParameter(Frozen):
    """Most likely at ``mode``, falling linearly to zero at ``low`` and ``high``."""

    triangular: tuple[float, float, float]

    @model_validator(mode="after")
    def _ordered(self) -> TriangularParameter:
        low, mode, high = self.triangular
        if not (low <= mode <= high and low < high):
            raise ValueError(f"expected [low, mode, high] with low <= mode <= high and "
                             f"low < high, got {list(self.triangular)}")
        return self

    @property
    def support(self) -> tuple[float, float]:
        return self.triangular[0], self.triangular[2]

    def value_at(self, u: float) -> float:
        """Inverse of the triangular distribution function at ``u``."""
        low, mode, high = self.triangular
        split = (mode - low) / (high - low)
        if u < split:
            return low + math.sqrt(u * (high - low) * (mode - low))
        return high - math.sqrt((1 - u) * (high - low) * (high - mode))


if TYPE_CHECKING:  # what the tagged union holds, for a type checker
    UncertainParameter = UniformParameter | TriangularParameter
else:
    UncertainParameter = tagged_union(
        {"uniform": UniformParameter, "triangular": TriangularParameter},
        lambda v: next((k for k in ("uniform", "triangular") if key_or_attr(v, k) is not None),
                       None),
        "expected {uniform: [low, high]} or {triangular: [low, mode, high]}",
    )


def field_value(data: dict[str, Any], path: str) -> Any:
    """The value at a dotted ``path`` of plain scenario data, or None if there is none."""
    node: Any = data
    for key in path.split("."):
        node = node.get(key) if isinstance(node, dict) else None
    return node


def as_field_type(value: float, current: Any) -> float:
    """``value`` as the field holds it: a count (beds, staff) is rounded half up to a whole
    number, so each whole number gets its full share of the distribution."""
    return math.floor(value + 0.5) if isinstance(current, int) else value
