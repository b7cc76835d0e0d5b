"""Clocks the engine reads at simulated times: a demand profile's rate multiplier and a
surge's intensity, both compiled from their configuration against the scenario's calendar
(day 0 is the start of warm-up, ``results_start`` 00:00 on the first day of results)."""

from __future__ import annotations

import calendar
import datetime as dt
import math

from sim.config.calendar import SimCalendar
from sim.config.profile import MONTHS, WEEKDAYS, DemandProfile
from sim.config.surges import Surge


class RateProfile:
    """The multiplier of a stream's average rate at any simulated time.

    Simulated time ``results_start`` (days from the start of warm-up) is 00:00 on
    ``start_date``, the first day of results; the trend counts from there.
    """

    def __init__(self, profile: DemandProfile, start_date: dt.date, results_start: float):
        self.start_date = start_date
        self.results_start = results_start
        self.growth = math.log1p(profile.trend_pct_per_year / 100) / 365.25  # per day
        days = [calendar.monthrange(start_date.year, m)[1] for m in range(1, 13)]
        self.monthly = _normalised([profile.monthly.get(m, 1.0) for m in MONTHS], days)
        self.weekday = _normalised([profile.weekday.get(d, 1.0) for d in WEEKDAYS], [1] * 7)
        self.hourly = _normalised(profile.hourly or [1.0] * 24, [1] * 24)

    def at(self, t: float) -> float:
        """Multiplier at simulated time ``t`` (days from the start of warm-up)."""
        since = t - self.results_start
        day = math.floor(since)
        date = self.start_date + dt.timedelta(days=day)
        hour = min(int((since - day) * 24), 23)
        return (self.monthly[date.month - 1] * self.weekday[date.weekday()]
                * self.hourly[hour] * math.exp(self.growth * since))

    def ceiling(self, horizon: float) -> float:
        """An upper bound of ``at`` over [0, horizon] (the thinning envelope)."""
        trend = math.exp(max(self.growth * -self.results_start,
                             self.growth * (horizon - self.results_start)))
        return max(self.monthly) * max(self.weekday) * max(self.hourly) * trend



class SurgeClock:
    """One surge's intensity (0 outside the window, 1 at full size) at simulated times, and
    its window: ``start`` and ``end`` (days), ``peak`` (days, None for a step surge) and its
    demand ``multiplier`` at full size."""

    def __init__(self, surge: Surge, calendar: SimCalendar):
        self.multiplier = surge.multiplier
        self.start = calendar.time_of(surge.start)
        self.end = calendar.time_of(surge.end)
        self.peak = calendar.time_of(surge.peak) if surge.peak is not None else None

    def intensity(self, t: float) -> float:
        if not self.start <= t < self.end:
            return 0.0
        if self.peak is None:
            return 1.0
        if t < self.peak:
            phase = (t - self.start) / (self.peak - self.start)
        else:
            phase = (self.end - t) / (self.end - self.peak)
        return (1 - math.cos(math.pi * phase)) / 2


def _normalised(values: list[float], weights: list[int]) -> list[float]:
    mean = sum(v * w for v, w in zip(values, weights)) / sum(weights)
    return [v / mean for v in values]
