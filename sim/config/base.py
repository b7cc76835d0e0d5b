"""Building blocks shared by every scenario model: an immutable base and tagged unions.

Tagged unions pick their member from the input's shape before validating, so a bad value
gets one clear error from the member it was meant for, not one error per possible member.
Tags are written in square brackets and dropped from the field path shown to the user.
"""

from __future__ import annotations

from typing import Annotated, Any, Callable, Literal, Union

from pydantic import Discriminator, Field, Tag

from sim.config.numbers import Checked

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


class Frozen(Checked):
    """A scenario model: immutable, unknown keys rejected, numbers by ``sim.config.numbers``'
    rules. Every scenario model derives from it (the loader's "did you mean" hints list their
    fields)."""


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
