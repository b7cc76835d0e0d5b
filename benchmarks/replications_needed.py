"""Replications needed to know the locality-versus-baseline difference in emergency admissions
to +-1%, with common random numbers (CRN) and with independent streams.

Definition. A pilot of n0 replications of each scenario gives, per replication r, the
baseline's emergency admissions a_r and the locality's b_r. The target half-width is 1% of
the baseline mean of a_r. The replications needed are the smallest n (per scenario) whose
95% interval for the mean difference is no wider than the target:

- CRN (locality run with the baseline's seed, so replication r of both sees the same
  arrivals and patient draws): paired differences d_r = b_r - a_r, sd s_d, and
  t_{0.975, n-1} * s_d / sqrt(n) <= target;
- independent streams (locality run with a different seed): an unpaired (Welch) difference of
  means, s = sqrt(s_a^2 + s_b^2), Welch degrees of freedom for n replications of each, and
  t_{0.975, df} * s / sqrt(n) <= target.
"""

from __future__ import annotations

import math
from typing import Callable

import numpy as np
from scipy.special import stdtrit

from benchmarks.figures import Figure
from sim.compile import with_changes
from sim.config.schema import Scenario
from sim.runner import ScenarioResult, run_scenario

SECTION = "replications"
METRIC = "emergency_admissions"
PRECISION = 0.01  # half-width as a share of the baseline mean
CRN_ADVANTAGE_GOAL = 3.0  # independent / CRN replications needed
N_MAX = 1_000_000


def paired_half_width(sd_difference: float, n: int, confidence: float = 0.95) -> float:
    """Half-width of the t interval for the mean of ``n`` paired differences."""
    return float(stdtrit(n - 1, (1 + confidence) / 2)) * sd_difference / math.sqrt(n)


def welch_half_width(sd_a: float, sd_b: float, n: int, confidence: float = 0.95) -> float:
    """Half-width of the Welch interval for a difference of two means of ``n`` each."""
    variance_sum = sd_a**2 + sd_b**2
    if variance_sum == 0:
        return 0.0
    df = (n - 1) * variance_sum**2 / (sd_a**4 + sd_b**4)
    return float(stdtrit(df, (1 + confidence) / 2)) * math.sqrt(variance_sum / n)


def smallest_n(half_width: Callable[[int], float], target: float, n_max: int = N_MAX) -> int:
    """The smallest n >= 2 with ``half_width(n) <= target`` (half-width falls as n grows)."""
    if half_width(n_max) > target:
        raise ValueError(f"more than {n_max:,} replications would be needed")
    low, high = 2, 2
    while half_width(high) > target:  # double up to a bracket, then bisect
        low, high = high + 1, high * 2
    high = min(high, n_max)
    while low < high:
        middle = (low + high) // 2
        if half_width(middle) <= target:
            high = middle
        else:
            low = middle + 1
    return low


def metric_by_replication(result: ScenarioResult, metric: str = METRIC) -> np.ndarray:
    """The metric's value for all localities, in replication order."""
    frame = result.metrics
    rows = frame[(frame["metric"] == metric) & (frame["locality"] == "all")]
    return rows.sort_values("replication")["value"].to_numpy(dtype=float)


def measure_replications_needed(baseline: Scenario, locality: Scenario, pilot: int, jobs: int,
                                baseline_result: ScenarioResult | None = None,
                                assessed: bool = True) -> list[Figure]:
    """Run the pilot (reusing ``baseline_result`` if it holds replications 0..pilot-1)."""
    def run(scenario: Scenario) -> ScenarioResult:
        return run_scenario(scenario, replications=pilot, jobs=jobs, progress=False,
                            executor="processes")

    numbers = [r.replication for r in baseline_result.replications] if baseline_result else []
    base = baseline_result if numbers == list(range(pilot)) else run(baseline)
    a = metric_by_replication(base)  # type: ignore[arg-type]
    b_paired = metric_by_replication(run(locality))
    other_seed = with_changes(locality, {"time.seed": locality.time.seed + 1})
    b_independent = metric_by_replication(run(other_seed))

    target = PRECISION * float(a.mean())
    sd_paired = float(np.std(b_paired - a, ddof=1))
    sd_a, sd_b = float(np.std(a, ddof=1)), float(np.std(b_independent, ddof=1))
    n_crn = smallest_n(lambda n: paired_half_width(sd_paired, n), target)
    n_independent = smallest_n(lambda n: welch_half_width(sd_a, sd_b, n), target)
    pilot_note = f"pilot of {pilot} replications of each"
    return [
        Figure(SECTION, "baseline emergency admissions (mean)", float(a.mean()), "",
               note=f"target half-width {target:.1f} (1%)"),
        Figure(SECTION, "locality - baseline, CRN (mean)", float((b_paired - a).mean()), "",
               note=f"sd of paired differences {sd_paired:.1f}"),
        Figure(SECTION, "locality - baseline, independent (mean)",
               float(b_independent.mean() - a.mean()), "",
               note=f"sd baseline {sd_a:.1f}, locality {sd_b:.1f}"),
        Figure(SECTION, "replications for +-1%, CRN (paired t)", n_crn, "", note=pilot_note),
        Figure(SECTION, "replications for +-1%, independent (Welch)", n_independent, "",
               note=pilot_note),
        Figure(SECTION, "independent / CRN replications", n_independent / n_crn,
               at_least=CRN_ADVANTAGE_GOAL, assessed=assessed),
    ]
