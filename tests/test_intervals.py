"""Intervals of bounded metrics stay inside the possible range; paired differences keep the
paired t-interval; the registry knows every metric the shipped scenarios produce."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from helpers import SCENARIOS, shipped_scenarios
from scipy import stats

from sim.analysis.intervals import bounded_interval, t_interval
from sim.analysis.registry import metric_info
from sim.analysis.summary import compare, summarise
from sim.compile import load_scenario
from sim.runner import run_scenario

# short enough to run every shipped scenario in the suite: 3 replications of 3 weeks
BRIEF = {"time.run_days": 21, "time.warmup_days": 14, "time.follow_up_days": 30,
         "time.replications": 3}


def test_a_count_near_zero_keeps_a_positive_interval_that_covers_the_mean():
    values = np.array([0.0, 0.0, 0.1, 2.0])  # the t-interval is -1.04 to 2.09
    assert t_interval(values)[1] < 0
    mean, low, high = bounded_interval(values, 0.0, None)
    assert 0 < low < mean < high


def test_a_share_near_100_stays_below_100():
    values = np.array([96.0, 99.0, 100.0, 100.0, 92.0])
    assert t_interval(values)[2] > 100
    mean, low, high = bounded_interval(values, 0.0, 100.0)
    assert 0 < low < mean < high < 100


def test_far_from_its_bound_the_interval_is_the_t_interval():
    values = np.array([12_000.0, 12_100.0, 11_900.0, 12_050.0])
    _, t_low, t_high = t_interval(values)
    _, low, high = bounded_interval(values, 0.0, None)
    assert low == pytest.approx(t_low, rel=1e-4) and high == pytest.approx(t_high, rel=1e-4)


def test_identical_values_give_that_value_and_one_value_no_interval():
    assert bounded_interval(np.array([0.0, 0.0, 0.0]), 0.0, None) == (0.0, 0.0, 0.0)
    assert bounded_interval(np.array([100.0, 100.0]), 0.0, 100.0) == (100.0, 100.0, 100.0)
    mean, low, high = bounded_interval(np.array([3.0, np.nan]), 0.0, None)
    assert mean == 3.0 and math.isnan(low) and math.isnan(high)


def test_the_log_interval_covers_a_skewed_mean_at_least_as_often_as_the_t_interval():
    """Coverage by simulation: 10 replications of a skewed non-negative quantity, mostly
    zero with occasional long values, as ED boarding hours are (true mean 0.6)."""
    rng = np.random.default_rng(7)
    samples = rng.binomial(1, 0.3, size=(4000, 10)) * rng.exponential(2.0, size=(4000, 10))

    def coverage(low: float | None) -> float:
        ends = np.array([bounded_interval(s, low, None)[1:] for s in samples])
        return float(np.mean((ends[:, 0] <= 0.6) & (0.6 <= ends[:, 1])))

    assert coverage(0.0) >= coverage(None) + 0.05  # measured 0.88 against 0.78
    assert coverage(0.0) >= 0.85


def test_values_outside_the_range_name_the_metric():
    reps = pd.DataFrame({"replication": [0, 1], "metric": "ucr_within_target_pct",
                         "locality": "all", "value": [101.0, 99.0]})
    with pytest.raises(ValueError, match="ucr_within_target_pct.*registry"):
        summarise(reps)


def test_paired_differences_keep_the_paired_t_interval():
    a = pd.DataFrame({"replication": range(4), "metric": "ed_boarding_hours_mean",
                      "locality": "all", "value": [0.5, 0.0, 1.0, 0.2]})
    b = a.assign(value=[0.1, 0.3, 0.2, 0.0])
    row = compare(a, b).iloc[0]
    diffs = b["value"] - a["value"]
    half = stats.t.ppf(0.975, 3) * diffs.std(ddof=1) / 2
    assert row["diff_ci_low"] == pytest.approx(diffs.mean() - half)
    assert row["diff_ci_high"] == pytest.approx(diffs.mean() + half)
    assert row["diff_ci_low"] < 0  # a difference may be negative


@pytest.fixture(scope="module")
def shipped_summaries() -> dict[str, pd.DataFrame]:
    """summary.csv of every shipped scenario, 3 replications of 3 weeks."""
    out = {}
    for path in shipped_scenarios():
        changes = dict(BRIEF)
        scenario = load_scenario(path)
        if scenario.census is not None:  # starts from today's patients: no warm-up
            changes.pop("time.warmup_days")
        result = run_scenario(load_scenario(path, changes), progress=False, cache=None)
        out[str(path.relative_to(SCENARIOS))] = result.summary()
    return out


def test_a_count_of_days_stays_within_the_period():
    values = np.array([0.0, 0.0, 18.0])  # days above 95% in a 21-day period
    mean, low, high = summarise(pd.DataFrame({
        "replication": range(3), "metric": "acute_days_above_95pct", "locality": "all",
        "value": values}), run_days=21).iloc[0][["mean", "ci_low", "ci_high"]]
    assert t_interval(values)[2] > 21 and 0 < low < mean < high < 21


@pytest.mark.slow
def test_no_interval_of_a_bounded_metric_leaves_its_range(shipped_summaries):
    """The property the issue asks for, over every shipped scenario: no interval of a
    non-negative metric has a negative end, no share goes above 100%."""
    checked = 0
    for name, summary in shipped_summaries.items():
        for row in summary.itertuples():
            info = metric_info(row.metric)
            for end in (row.ci_low, row.ci_high):
                assert info.within(end, BRIEF["time.run_days"]), \
                    f"{name}: {row.metric} ({row.locality}) {end}"
            if info.low == 0 and not math.isnan(row.ci_low):
                checked += 1
    assert checked > 1000


@pytest.mark.slow
def test_the_registry_documents_every_metric_produced(shipped_summaries):
    """Every metric of summary.csv has an entry in a table of docs/metrics.md (generated from
    the registry: tests/test_metric_docs.py)."""
    produced = {m for s in shipped_summaries.values() for m in s["metric"]
                if not m.startswith("parameter:")}
    unknown = sorted(m for m in produced if not metric_info(m).unit)
    assert not unknown, f"metrics not in sim/analysis/catalogue.py: {unknown}"
    undocumented = sorted(m for m in produced if not metric_info(m).group)
    assert not undocumented, f"metrics in no table of docs/metrics.md: {undocumented}"
