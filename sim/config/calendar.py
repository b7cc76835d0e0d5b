"""Simulated time and the calendar: day 0 of the clock is the start of warm-up and
``results_start`` (days) is 00:00 on the scenario's ``start_date``."""

from __future__ import annotations

import datetime as dt
import math
from functools import cached_property

import holidays


class SimCalendar:
    def __init__(self, start_date: dt.date, results_start: float):
        self.start_date = start_date
        self.results_start = results_start

    def time_of(self, date: dt.date) -> float:
        """Simulated time (days) of 00:00 on ``date``."""
        return self.results_start + (date - self.start_date).days

    def date_of(self, t: float) -> dt.date:
        """Calendar date at simulated time ``t`` (days)."""
        return self.start_date + dt.timedelta(days=math.floor(t - self.results_start))

    def dates(self, horizon: float) -> list[dt.date]:
        """Every date the clock passes through in [0, horizon), first to last."""
        first, last = self.date_of(0.0), self.date_of(max(horizon - 1e-9, 0.0))
        return [first + dt.timedelta(days=d) for d in range((last - first).days + 1)]

    @cached_property
    def bank_holidays(self) -> holidays.HolidayBase:
        """England's bank holidays (the ``holidays`` package's UK calendar for England)."""
        return holidays.country_holidays("GB", subdiv="ENG")
