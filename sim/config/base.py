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


class Frozen(BaseModel):
    """Immutable model that rejects unknown keys, infinities and NaN in any number, and
    ``true``/``false`` where a number is expected (YAML reads ``yes`` as true, and pydantic
    would take it as 1)."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    @field_validator("*", mode="before")
    @classmethod
    def _no_boolean_numbers(cls, value: Any, info: ValidationInfo) -> Any:
        field = cls.model_fields.get(info.field_name or "")
        if field is not None and not _admits_bool(field.annotation) and _holds_bool(value):
            raise ValueError("expected a number, got true/false")
        return value


def _admits_bool(annotation: Any) -> bool:
    """Could a boolean be meant somewhere inside ``annotation``? A model or ``Any`` is given
    the benefit of the doubt: a model checks its own fields."""
    if annotation is bool or annotation is Any:
        return True
    if isinstance(annotation, type):
        return issubclass(annotation, BaseModel)
    origin = get_origin(annotation)
    if origin is Annotated:
        return _admits_bool(get_args(annotation)[0])
    if origin is Literal:
        return any(isinstance(arg, bool) for arg in get_args(annotation))
    if origin is None and not isinstance(annotation, types.UnionType):
        return True  # a forward reference or a type this check does not read: leave it
    return any(_admits_bool(arg) for arg in get_args(annotation))


def _holds_bool(value: Any) -> bool:
    """Is ``value``, or anything in the lists and mappings it holds, a boolean?"""
    if isinstance(value, bool):
        return True
    if isinstance(value, dict):
        return any(_holds_bool(item) for item in value.values())
    if isinstance(value, (list, tuple)):
        return any(_holds_bool(item) for item in value)
    return False


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
        Union[tagged],  # type: ignore[valid-type]
        Discriminator(
            discriminate, custom_error_type="invalid_choice", custom_error_message=expected
        ),
    ]


def key_or_attr(value: Any, name: str) -> Any:
    """Read ``name`` from a mapping (raw input) or an object (already validated)."""
    if isinstance(value, dict):
        return value.get(name)
    return getattr(value, name, None)
