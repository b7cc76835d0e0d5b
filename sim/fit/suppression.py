"""Small-number disclosure control: no figure built from fewer than 5 patients goes out as is.

NHS practice suppresses (or flags) cells of 1-4 patients so that no individual can be
recognised from a published aggregate. The fit pools such cells with their neighbours (a
locality's rate from fewer than 5 patients becomes the borough rate of the age band), and
the layer, report and backtest show their counts as "<5".
"""

from __future__ import annotations

import math

MIN_PATIENTS = 5


def small(patients: float) -> bool:
    """Whether a cell of ``patients`` (distinct patients) must be suppressed: 1 to 4."""
    return 0 < patients < MIN_PATIENTS


def shown(count: float) -> str:
    """A count as it may be published: "<5" for 1 to 4, else the whole number."""
    if small(count):
        return f"<{MIN_PATIENTS}"
    return f"{count:,.0f}" if math.isfinite(count) else "-"
