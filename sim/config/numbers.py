"""The number rules every input file follows: scenarios, capacity targets, sweep files, costs
(and calibration targets as they join).

A number in an input must be finite (no ``.inf``, ``.nan``), at most ``MAX_MAGNITUDE`` in
size, and never ``true``/``false`` (YAML reads ``yes`` as true, and pydantic would take it
as 1). ``Checked`` is the pydantic base that applies them to every field of a model;
``number_problem`` says the same of one value checked by hand, in the same words.
"""

from __future__ import annotations

import math
import types
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel, ConfigDict, ValidationInfo, field_validator

# No input needs a number above a billion (days are at most 36,525, costs are pounds per
# unit); 1e308 would overflow the arithmetic of arrivals and capacities.
MAX_MAGNITUDE = 1e9
NOT_A_BOOLEAN = "expected a number, got true/false"
NOT_FINITE = "expected a finite number"


def too_big(value: float) -> str:
    return f"expected a number of at most {MAX_MAGNITUDE:.0e} in size, got {value:g}"


def number_problem(value: Any) -> str | None:
    """What is wrong with ``value`` as a number of an input file, or None if nothing is."""
    if isinstance(value, bool):
        return NOT_A_BOOLEAN
    if not isinstance(value, (int, float)):
        return f"expected a number, got {value!r}"
    if not math.isfinite(value):
        return f"{NOT_FINITE}, got {value!r}"
    if abs(value) > MAX_MAGNITUDE:
        return too_big(value)
    return None


class Checked(BaseModel):
    """Immutable model that rejects unknown keys, infinities and NaN in any number, numbers
    above ``MAX_MAGNITUDE`` in size, and ``true``/``false`` where a number is expected."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    @field_validator("*", mode="before")
    @classmethod
    def _no_boolean_numbers(cls, value: Any, info: ValidationInfo) -> Any:
        field = cls.model_fields.get(info.field_name or "")
        if field is None:
            return value
        leaves = _leaves(field.annotation)
        if any(leaf is bool or leaf is Any for leaf in leaves):
            return value
        if not isinstance(value, (dict, list, tuple)):
            scalars = [value]
        elif not any(_is_model(leaf) for leaf in leaves):
            scalars = _scalars(value)
        elif _is_container(field.annotation):
            # a mapping or list of models or numbers ({ucr: 5, ic: {by_unit: ...}}): its own
            # items here, what is meant for a model by that model's fields
            items = value.values() if isinstance(value, dict) else value
            scalars = [v for v in items if not isinstance(v, (dict, list, tuple))]
        else:  # a mapping meant for a model: checked by the model's own fields
            scalars = []
        if any(isinstance(v, bool) for v in scalars):
            raise ValueError(NOT_A_BOOLEAN)
        return value

    @field_validator("*", mode="after")
    @classmethod
    def _no_huge_numbers(cls, value: Any) -> Any:
        """Checked once validated, so that a number YAML read as text ("1e100") is caught."""
        huge = [v for v in _scalars(value) if isinstance(v, float) and abs(v) > MAX_MAGNITUDE]
        if huge:
            raise ValueError(too_big(huge[0]))
        return value


def _leaves(annotation: Any) -> list[Any]:
    """The types (and Literal values) ``annotation`` is made of, through ``Annotated``,
    unions, ``Literal`` and the arguments of containers, without entering models."""
    origin = get_origin(annotation)
    if origin is Annotated:
        return _leaves(get_args(annotation)[0])
    if origin is Literal:
        return [type(arg) for arg in get_args(annotation)]
    if origin is None and not isinstance(annotation, types.UnionType):
        return [annotation]
    return [leaf for arg in get_args(annotation) for leaf in _leaves(arg)]


def _is_container(annotation: Any) -> bool:
    """A list or mapping (optionally None), through ``Annotated``."""
    while get_origin(annotation) is Annotated:
        annotation = get_args(annotation)[0]
    if get_origin(annotation) in (Union, types.UnionType):
        members = [m for m in get_args(annotation) if m is not type(None)]
        return len(members) == 1 and _is_container(members[0])
    return get_origin(annotation) in (dict, list, tuple)


def _is_model(leaf: Any) -> bool:
    """A model, or something this check cannot read (a forward reference): left to it."""
    return not isinstance(leaf, type) or issubclass(leaf, BaseModel)


def _scalars(value: Any) -> list[Any]:
    """Every value inside the lists and mappings of ``value``."""
    if isinstance(value, dict):
        return [v for item in value.values() for v in _scalars(item)]
    if isinstance(value, (list, tuple)):
        return [v for item in value for v in _scalars(item)]
    return [value]
