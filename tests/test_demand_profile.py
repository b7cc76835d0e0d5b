"""Time-varying demand: realised arrivals by month, weekday and hour follow the profile
(non-homogeneous Poisson by thinning), the trend compounds, and a flat or missing profile
leaves a scenario's numbers exactly as they were."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from helpers import baseline, days, one_service_scenario

from sim.compile import validate, with_changes
from sim.compile.clocks import RateProfile
from sim.config import ScenarioError
from sim.config.profile import MONTHS, WEEKDAYS, DemandProfile
from sim.engine.eventlog import Event
from sim.engine.model import run_replication
from sim.runner import simulate

# docs/domain.md's monthly index of emergency admissions (one English trust, 2015-2020)
MONTHLY = dict(zip(MONTHS, [1.02, 1.02, 1.03, 1.00, 0.99, 1.01, 0.98, 0.99, 0.97, 0.99, 1.04,
                            1.03]))
# exaggerated shapes so that a two-year run can tell them apart from flat
WEEKDAY = dict(zip(WEEKDAYS, [1.6, 1.2, 1.0, 1.0, 1.0, 0.6, 0.6]))
HOURLY = [0.2] * 8 + [2.0] * 10 + [0.6] * 6  # busy 08:00-18:00
RATE = 40.0  # arrivals a day
# saved figures of the shortened baseline (regenerate.py beside them writes them)
EXPECTED = Path(__file__).parent / "data" / "expected" / "baseline_replication0.json"


def arrivals(profile: dict, run_days: float = 730) -> pd.Series:
    """Arrival times (days from the first results day) of a one-service run with ``profile``."""
    scenario = one_service_scenario("unlimited", days(0.01), RATE, run_days=run_days)
    data = scenario.model_dump(mode="json")
    data["demand"]["arrivals"]["profile"] = profile
    scenario = validate(data)
    log = run_replication(scenario, 0)
    times = log.events["time"][log.events["event"] == Event.ARRIVE]
    return pd.Series(times[times < run_days] - log.results_start)


def timestamps(times: pd.Series) -> pd.DatetimeIndex:
    return pd.Timestamp("2025-01-01") + pd.to_timedelta(times.to_numpy(), unit="D")


def assert_close(observed: np.ndarray, expected: np.ndarray) -> None:
    """Counts within 4 Poisson standard deviations of what the profile implies."""
    assert np.all(np.abs(observed - expected) <= 4 * np.sqrt(expected) + 1), (observed, expected)


def test_weekday_and_hour_counts_follow_the_profile():
    when = timestamps(arrivals({"weekday": WEEKDAY, "hourly": HOURLY}))
    total = len(when)
    assert total == pytest.approx(RATE * 730, rel=0.03)  # indices average 1: rate kept
    weekday = np.bincount(when.day_of_week, minlength=7)
    share = np.array(list(WEEKDAY.values())) / sum(WEEKDAY.values())
    assert_close(weekday, total * share)
    hour = np.bincount(when.hour, minlength=24)
    assert_close(hour, total * np.array(HOURLY) / sum(HOURLY))


def test_month_counts_follow_the_seasonal_index_and_the_trend():
    when = timestamps(arrivals({"monthly": MONTHLY, "trend_pct_per_year": 10.0}))
    profile = RateProfile(DemandProfile(monthly=MONTHLY, trend_pct_per_year=10.0),
                          dt.date(2025, 1, 1), 0.0)
    grid = np.arange(0, 730, 1 / 24) + 1 / 48  # hourly midpoints over the two years
    expected = pd.Series([profile.at(t) for t in grid], index=timestamps(pd.Series(grid)))
    expected = expected.groupby(expected.index.to_period("M")).sum() * RATE / 24
    observed = pd.Series(1, index=when).groupby(when.to_period("M")).sum()
    assert_close(observed.reindex(expected.index, fill_value=0).to_numpy(), expected.to_numpy())
    first, second = observed.iloc[:12].sum(), observed.iloc[12:].sum()
    assert second / first == pytest.approx(1.10, abs=0.03)


def test_without_a_profile_the_numbers_are_those_from_before_profiles_existed():
    """Regression: replication 0 of the shortened baseline gives the figures saved when
    patience and balking were added (no profile draws no extra random numbers), kept in
    tests/data/expected/ with the script that regenerates them."""
    expected = json.loads(EXPECTED.read_text(encoding="utf-8"))
    metrics = simulate(baseline(), 0).metrics.set_index(["metric", "locality"])["value"]
    for name, value in expected.items():
        assert metrics.loc[(name, "all")] == pytest.approx(value, rel=1e-12), name


def test_a_flat_profile_is_the_same_process():
    """A profile with every index flat thins nothing: other draws, the same demand."""
    plain = baseline()
    stream = next(iter(plain.demand))
    flat = with_changes(plain, {f"demand.{stream}.profile": {"trend_pct_per_year": 0.0}})
    counts = [simulate(s, 0).metrics.set_index(["metric", "locality"])["value"]
              .loc[(f"arrivals:{plain.demand[stream].entry}", "all")] for s in (plain, flat)]
    assert counts[1] == pytest.approx(counts[0], rel=4 / np.sqrt(counts[0]))


@pytest.mark.parametrize("profile, message", [
    ({"monthly": {"Jan": 1.1}}, "missing Feb"),
    ({"weekday": {**{d: 1 for d in WEEKDAYS[1:]}, "Monday": 1}}, "missing Mon; unknown Monday"),
    ({"hourly": [1.0] * 23}, "at least 24"),
    ({"hourly": [0.0] * 24}, "at least one value"),
    ({"trend_pct_per_year": -100}, "greater than -100"),
])
def test_bad_profiles_are_rejected(profile, message):
    data = baseline().model_dump(mode="json")
    stream = next(iter(data["demand"]))
    data["demand"][stream]["profile"] = profile
    with pytest.raises(ScenarioError) as error:
        validate(data, {}, "x.yaml")
    assert message in str(error.value)
