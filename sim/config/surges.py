"""Surges: named events (a flu wave, a COVID wave, norovirus, a cold snap) that raise demand
for a while and may change other things during their window.

```yaml
surges:
  flu:
    start: 2025-12-08          # 00:00 on this date
    end: 2026-02-09            # over at 00:00 on this date
    shape: peaked              # or step (the multiplier throughout)
    peak: 2026-01-05
    multiplier: 1.25           # demand x 1.25 at the peak
    streams: [ed_attendance, direct_admission]   # default: every stream
    age_bands: ["75-84", "85+"]                  # default: every age band
    localities: [north]                          # default: every locality
    effects:
      stay_multiplier: {acute: 1.3}   # surge patients stay 1.3x as long (respiratory cases)
      absence_pct: {ucr: 10}          # extra staff off sick at the peak, % of staff
      closed_beds: {acute: 12}        # beds closed for infection control at the peak
```

A peaked surge rises from nothing at ``start`` to its full size at ``peak`` and falls back to
nothing at ``end`` along half-cosines (smooth, no kink at the ends); a step surge is at full
size throughout. The demand multiplier at time t is ``1 + (multiplier - 1) x intensity(t)``,
and absence and closed beds are their peak values times the intensity. Overlapping surges
add: each adds ``base rate x (its multiplier - 1)``, and their absence and closures add.

The patients a surge adds are its *surge patients*, generated as a Poisson process of their
own (with a random stream of their own, so a scenario with a surge has exactly the arrivals
of the one without it, plus the surge's: comparisons stay paired). ``stay_multiplier``
stretches their time in the named services, which is how "longer acute stays for
respiratory cases" is written.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import Field, model_validator

from sim.config.base import Frozen, Positive, Units

Percent = Annotated[float, Field(ge=0.0, le=100.0)]
Names = Annotated[list[str], Field(min_length=1)]


class SurgeEffects(Frozen):
    stay_multiplier: dict[str, Positive] = Field(
        default_factory=dict, description="service -> multiplier of surge patients' time in it")
    absence_pct: dict[str, Percent] = Field(
        default_factory=dict, description="team or caseload -> extra % of staff absent at the peak")
    closed_beds: dict[str, Units] = Field(
        default_factory=dict, description="ward -> beds closed at the peak (all its units)")


class Surge(Frozen):
    start: dt.date = Field(description="first day of the surge (from 00:00)")
    end: dt.date = Field(description="the day the surge is over (at 00:00)")
    shape: Literal["step", "peaked"] = "step"
    peak: dt.date | None = Field(None, description="peaked surges: day of the largest effect")
    multiplier: Annotated[float, Field(ge=1.0)] = Field(
        1.0, description="demand multiplier at the peak (step: throughout); 1 for effects only")
    streams: Names | None = Field(None, description="demand streams raised; default all")
    age_bands: Names | None = Field(None, description="age bands raised; default all")
    localities: Names | None = Field(None, description="localities raised; default all")
    effects: SurgeEffects = SurgeEffects()

    @model_validator(mode="after")
    def _window(self) -> Surge:
        if self.end <= self.start:
            raise ValueError(f"end ({self.end}) must be after start ({self.start})")
        if self.shape == "peaked" and (self.peak is None or not self.start < self.peak < self.end):
            raise ValueError("a peaked surge needs a 'peak' date after its start and before its end")
        if self.shape == "step" and self.peak is not None:
            raise ValueError("'peak' applies to peaked surges only; add shape: peaked")
        if self.effects.stay_multiplier and self.multiplier <= 1:
            raise ValueError("effects.stay_multiplier stretches the stays of the patients the "
                             "surge adds; give a multiplier above 1")
        return self
