"""Building blocks shared by every scenario model: an immutable base and tagged unions.

Tagged unions pick their member from the input's shape before validating, so a bad value
gets one clear error from the member it was meant for, not one error per possible member.
Tags are written in square brackets and dropped from the field path shown to the user.
"""

from __future__ import annotations

import types
from typing import Annotated, Any, Callable, Literal, Union, get_args, get_origin

from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag, ValidationInfo, field_validator

Fraction = Annotated[float, Field(ge=0.0, le=1.0)]
NonNegative = Annotated[float, Field(ge=0.0)]
Positive = Annotated[float, Field(gt=0.0)]
Level = Literal["locality", "partnership", "system"]
# Beds, staff, caseload slots: a whole English region has about 100,000 beds, and a count
# near 1e308 would overflow the arithmetic that shares capacity among localities.
MAX_UNITS = 1_000_000
Units = Annotated[int, Field(ge=0, le=MAX_UNITS)]
Residents = Annotated[int, Field(ge=0, le=100_000_000)]  # England has about 57 million
# A name chosen by the scenario's author that may end up in a file name (sim/output/paths.py
# makes it safe there); control characters such as NUL are refused outright.
Name = Annotated[str, Field(min_length=1, max_length=200, pattern=r"^[^\x00-\x1f\x7f]+$")]


# No input needs a number above a billion (days are at most 36,525, costs are pounds per
# unit); 1e308 would overflow the arithmetic of arrivals and capacities.
MAX_MAGNITUDE = 1e9


class Frozen(BaseModel):
    """Immutable model that rejects unknown keys, infinities and NaN in any number, numbers
    above ``MAX_MAGNITUDE`` in size, and ``true``/``false`` where a number is expected (YAML
    reads ``yes`` as true, and pydantic would take it as 1)."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    @field_validator("*", mode="before")
    @classmethod
    def _no_boolean_numbers(cls, value: Any, info: ValidationInfo) -> Any:
        field = cls.model_fields.get(info.field_name or "")
        if field is None:
            return value
        leaves = _leaves(field.annotation)
        # a mapping or list meant for a model is checked by that model's own fields
        scalars = [value] if not isinstance(value, (dict, list, tuple)) else \
            [] if any(_is_model(leaf) for leaf in leaves) else _scalars(value)
        if not any(leaf is bool or leaf is Any for leaf in leaves) and \
                any(isinstance(v, bool) for v in scalars):
            raise ValueError("expected a number, got true/false")
        return value

    @field_validator("*", mode="after")
    @classmethod
    def _no_huge_numbers(cls, value: Any) -> Any:
        """Checked once validated, so that a number YAML read as text ("1e100") is caught."""
        huge = [v for v in _scalars(value) if isinstance(v, float) and abs(v) > MAX_MAGNITUDE]
        if huge:
            raise ValueError(f"expected a number of at most {MAX_MAGNITUDE:.0e} in size, "
                             f"got {huge[0]:g}")
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


def tagged_union(
    members: dict[str, Any], pick: Callable[[Any], str | None], expected: str
) -> Any:
    """A union whose member is chosen by ``pick(value)``, which returns a key of ``members``.

    ``expected`` is the message shown when ``pick`` finds no member.
    """
    tagged = tuple(Annotated[member, Tag(f"[{key}]")] for key, member in members.items())

    def discriminate(value: Any) -> str | None:
        key = pick(value)
        return f"[{key}]" if isinstance(key, str) and key in members else None  # [1, 2]: no member

    return Annotated[
        Union[tagged],
        Discriminator(
            discriminate, custom_error_type="invalid_choice", custom_error_message=expected
        ),
    ]


def key_or_attr(value: Any, name: str) -> Any:
    """Read ``name`` from a mapping (raw input) or an object (already validated)."""
    if isinstance(value, dict):
        return value.get(name)
    return getattr(value, name, None)
