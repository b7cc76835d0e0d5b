"""Building blocks shared by every scenario model: an immutable base and tagged unions.

Tagged unions pick their member from the input's shape before validating, so a bad value
gets one clear error from the member it was meant for, not one error per possible member.
Tags are written in square brackets and dropped from the field path shown to the user.
"""

from __future__ import annotations

from typing import Annotated, Any, Callable, Literal, Union

from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag

Fraction = Annotated[float, Field(ge=0.0, le=1.0)]
NonNegative = Annotated[float, Field(ge=0.0)]
Positive = Annotated[float, Field(gt=0.0)]
Level = Literal["locality", "partnership", "system"]


class Frozen(BaseModel):
    """Immutable model that rejects unknown keys."""

    model_config = ConfigDict(extra="forbid", frozen=True)


def tagged_union(
    members: dict[str, Any], pick: Callable[[Any], str | None], expected: str
) -> Any:
    """A union whose member is chosen by ``pick(value)``, which returns a key of ``members``.

    ``expected`` is the message shown when ``pick`` finds no member.
    """
    tagged = tuple(Annotated[member, Tag(f"[{key}]")] for key, member in members.items())

    def discriminate(value: Any) -> str | None:
        key = pick(value)
        return f"[{key}]" if key in members else None

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
