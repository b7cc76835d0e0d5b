"""The shipped scenarios: the baseline's plausibility against published figures
(docs/domain.md), and the runs on which conservation is checked (sim.verify.analytic).

Each plausibility check names its published figure and source, the range accepted and why,
and how the model's measure differs from the published one. They report "within range" or
"outside range" and never fail the command: the baseline is a hypothetical borough whose
inputs are mostly estimates (confidence L), so a figure outside its range is a finding to
explain (docs/validation.md), not a bug. Rates are per year over the results period.
"""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

from sim.config.schema import Scenario
from sim.verify.analytic import conservation_check
from sim.verify.checks import PerReplication, RangeCheck
from sim.verify.experiment import Budget, Experiment, shipped_scenario
from sim.verify.measure import Measures

PLAUSIBLE = "Plausibility (baseline)"
OLDER_BANDS = ("65-74", "75-84", "85+")  # docs/domain.md's age bands; the baseline's too

# (band, published per 1,000 a year): docs/domain.md, "by age band (estimate)", confidence L
ADMISSIONS_BY_AGE = (("65-74", 150.0), ("75-84", 280.0), ("85+", 480.0))
ADMISSIONS_OLDER = 250.0  # all 65+, Hansard 2012 (2010/11 data), confidence M
AGE_RANGE = 0.2  # +-20% accepted around the admissions figures


def shipped_experiments(budget: Budget, baseline: Path, locality: Path,
                        seed: int | None = None) -> list[Experiment]:
    """The shipped baseline (conservation and plausibility) and locality (conservation)
    scenarios, as shipped for the full budget, shortened for a quick one; with their own
    seed unless ``seed`` is given."""
    base = shipped_scenario(baseline, budget, seed)
    local = shipped_scenario(locality, budget, seed)
    return [
        Experiment(base.name, base, base.time.replications,
                   (conservation_check(base), *plausibility_checks(base))),
        Experiment(local.name, local, local.time.replications, (conservation_check(local),)),
    ]


# --- plausibility --------------------------------------------------------------------------------

def _metric(name: str) -> PerReplication:
    def value(m: Measures) -> float:
        return m.metrics.get(name, float("nan"))
    return value


def _admissions_per_1000(scenario: Scenario, bands: Sequence[str]) -> PerReplication:
    localities = scenario.geography.localities.values()
    population = sum(loc.population.get(band, 0) for loc in localities for band in bands)

    def rate(m: Measures) -> float:
        count = sum(m.admissions_by_age.get(band, 0) for band in bands)
        return count / population * 1000 / (m.run_days / 365)
    return rate


def _starts_per_100k(scenario: Scenario, services: Sequence[str]) -> PerReplication:
    population = scenario.geography.population

    def rate(m: Measures) -> float:
        count = sum(m.services[s].starts for s in services)
        return count / population * 1e5 / (m.run_days / 365)
    return rate


def _around(value: float, share: float) -> tuple[float, float]:
    return value * (1 - share), value * (1 + share)


def plausibility_checks(scenario: Scenario) -> list[RangeCheck]:
    """The baseline against docs/domain.md's published figures, with the ranges accepted."""
    report = scenario.reporting
    t = scenario.time
    run = f"{scenario.name}, {t.run_days:g} results days"
    admissions_note = ("+-20%: docs/domain.md's by-band figures are estimates (L), to be checked "
                       "against HES, and a borough differs from England")
    checks = [
        RangeCheck(PLAUSIBLE, f"emergency admissions per 1,000 a year, {band}", run,
                   published, *_around(published, AGE_RANGE),
                   _admissions_per_1000(scenario, [band]),
                   "docs/domain.md estimate by age band (L)", admissions_note)
        for band, published in ADMISSIONS_BY_AGE]
    checks.append(RangeCheck(
        PLAUSIBLE, "emergency admissions per 1,000 a year, 65+", run, ADMISSIONS_OLDER,
        *_around(ADMISSIONS_OLDER, AGE_RANGE), _admissions_per_1000(scenario, OLDER_BANDS),
        "Hansard 2012, 2010/11 data (M)",
        "+-20%: national and a decade old; depends on the borough's mix within 65+"))
    checks += [
        RangeCheck(PLAUSIBLE, "acute occupancy, mean % of beds", run, 92.0, 88.0, 95.0,
                   _metric("acute_occupancy_pct_mean"),
                   "NHS planning guidance (target <= 92%, H); NHS England statistics (winter "
                   "peaks 93-95%, L); NHS Improvement 2017 (88%, M)",
                   "88-95%: below 88% A&E performance no longer depends on occupancy, a level "
                   "English hospitals rarely reach; a year-round mean above the winter peaks "
                   "is implausible"),
        RangeCheck(PLAUSIBLE, "delayed discharges per 100,000 residents", run, 23.0, 11.5,
                   30.0, _metric("nctr_patients_per_100k"),
                   "House of Commons Library 2023: ~13,400 a day not meeting criteria to "
                   "reside, winter 2022/23 (H)",
                   "judgement, half to 1.3 times the figure: it is a winter peak and the model "
                   "has no winter, so a year-round mean should sit below it"),
        RangeCheck(PLAUSIBLE, "P1 patients delayed, %", run, 23.6, 13.6, 33.6,
                   _metric("waited_for_capacity_pct_P1"), "Health Foundation 2024 (H)",
                   "+-10 points; the model counts P1 patients who found no home IC slot free "
                   "(waited_for_capacity_pct_P1), the published figure also delays for "
                   "assessment"),
        RangeCheck(PLAUSIBLE, "P2 patients delayed, %", run, 42.1, 32.1, 52.1,
                   _metric("waited_for_capacity_pct_P2"), "Health Foundation 2024 (H)",
                   "+-10 points; as P1, for a bedded IC place"),
        RangeCheck(PLAUSIBLE, "mean days from ready to discharge", run, 1.3, 1.0, 2.1,
                   _metric("ready_to_discharge_days_mean"),
                   "Health Foundation, Dec 2022 (H)",
                   "the published regional range 1.0-2.1; the model's mean covers P0-P3 "
                   "discharges including those with no delay (ready_to_discharge_days_mean)"),
        RangeCheck(PLAUSIBLE, "UCR referrals reached within 2 hours, %", run, 76.5, 70.0,
                   85.0, _metric("ucr_within_target_pct"),
                   "NHS England planning guidance (standard >= 70%, H); NHS Confederation "
                   "(~75-78% achieved, M; 76.5 the midpoint)",
                   "from the national standard to a little above national achievement"),
        RangeCheck(PLAUSIBLE, "UCR patients managed at home, %", run, 76.0, 66.0, 86.0,
                   _metric("ucr_managed_at_home_pct"),
                   "inner-city UCR cohort, Age and Ageing 2023 (M)",
                   "+-10 points (one site); the model counts conveyance to ED as not at home "
                   "even when ED sends the patient home"),
    ]
    step = "step-up and step-down patients given"
    starts = (
        ("bed-based IC", report.ic_beds, 240.0, "bed-based ~240", f"{step} a bed"),
        ("home-based IC and reablement", report.ic_home, 1400.0,
         "home-based ~1,060 + reablement ~340", f"{step} a caseload slot"),
        ("crisis response (UCR)", [report.ucr] if report.ucr else [], 940.0,
         "crisis response ~940", "referrals allocated a UCR clinician"),
    )
    checks += [
        RangeCheck(PLAUSIBLE, f"{label} starts per 100,000 a year", run, published,
                   *_around(published, 0.25), _starts_per_100k(scenario, services),
                   f"Health Foundation 2024, from NHS Benchmarking IC 2022/23: {figure} (M-H)",
                   f"+-25%: national averages, local rates vary widely; counts {what} "
                   f"({', '.join(services)})")
        for label, services, published, figure, what in starts if services]
    return checks
