"""How every page prints a figure: thousands separated, decimals by size, money in pounds."""

from __future__ import annotations

import math
from typing import Callable

MONEY = "GBP"  # the unit of money metrics in the registry

Format = Callable[[float], str]  # a figure (int or float, never NaN) -> its text


def number(value: float, unit: str = "") -> str:
    """A figure as a board paper prints it: thousands separated, decimals by size; ``unit``
    "GBP" prints pounds, a unit starting with "%" appends %. "n/a" for None or NaN."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    if unit == MONEY:
        return f"-£{-value:,.0f}" if value < 0 else f"£{value:,.0f}"
    size = abs(value)
    text = (f"{value:,.0f}" if size >= 100 or float(value).is_integer()
            or (size >= 10 and not unit.startswith("%"))
            else f"{value:,.1f}" if size >= 1 else f"{value:,.2f}")
    if text in ("-0", "-0.0", "-0.00"):
        text = text[1:]
    return f"{text}%" if unit.startswith("%") else text


def fixed(spec: str) -> Format:
    """A format for tables of fitted parameters: floats by the format ``spec`` (``".4f"``,
    ``",.3g"``), whole numbers as they are."""
    return lambda value: f"{value:{spec}}" if isinstance(value, float) else str(value)
