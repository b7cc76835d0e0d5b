"""Write notebooks/04_rotherham_health_village.ipynb from the cells below (see notebook_builder.py):

    python notebooks/make_rotherham_health_village.py
"""

from __future__ import annotations

from pathlib import Path

from notebook_builder import Cells, write

TARGET = Path(__file__).resolve().parent / "04_rotherham_health_village.ipynb"

CELLS: Cells = [
    ("md", """\
# The Rotherham Health Village: what the model predicts, and what it would take to match

Between 2015/16 and 2016/17 emergency admissions **fell 2.1%** in Rotherham's Health Village
pilot locality (2 GP practices, ~36,000 residents) while they **rose 0.7%** across the other
localities (`docs/domain.md`, "Real systems", 4):

| residents | Health Village | other localities | gap (Health Village minus others) |
| --- | --- | --- | --- |
| all ages | -2.1% | +0.7% | -2.8 points |
| aged 65+ | +1.8% | +3.5% | -1.7 points |
| aged 85+ | +9.5% | +11% | -1.5 points |

This notebook asks three questions of the simulator:

1. **What gap does the model predict** when the pilot's services (MDT case management of
   high-risk patients, enhanced care home support) are given effect sizes from the published
   literature?
2. **Which effect sizes would reproduce the observed gap**, overall and for the 65+ and 85+,
   and are they plausible?
3. **How much of a 2.8-point gap could chance alone produce** in one year in a population of
   36,000, and what else (regression to the mean) could explain it?

The scenarios: *before* is `scenarios/places/rotherham.yaml` (today's organisation, seven
localities); *after* is `scenarios/places/rotherham_health_village.yaml`, which extends it and
switches on MDT case management and care home support in the `health_village` locality only.
Both are run with the same seed, so replication *r* of each sees the same patients (common
random numbers) and the difference is the pilot's effect, not noise.

**Run time.** Runs are shortened so the notebook executes in about two minutes on two cores:
90 days of warm-up, one results year (365 days), 6 paired replications for question 1 and a
grid of 8 effect-size combinations x 3 replications for question 2. For a report, set
`WARMUP = 180` (the files' own warm-up; check it with `python -m sim warmup
scenarios/places/rotherham.yaml`: 90 days may leave beds still filling)
and `REPS = 20`, `SWEEP_REPS = 10` in the next cell
(about 5 minutes on two idle cores), or from the command line: `python -m sim compare
scenarios/places/rotherham.yaml scenarios/places/rotherham_health_village.yaml --reps 20` and
`python -m sim sweep scenarios/places/rotherham_health_village.yaml --vary
policies.mdt_case_management.crisis_reduction.health_village=0:0.3:0.1 --vary
policies.care_home_support.crisis_reduction.health_village=0,0.2`."""),
    ("code", """\
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from scipy import stats

import sim
from sim.analysis.summary import t_interval
from sim.sweep import Sweep, run_sweep

pd.set_option("display.width", 120)
pd.set_option("display.float_format", "{:,.2f}".format)

PLACES = Path("..") / "scenarios" / "places"  # this notebook runs from notebooks/
BEFORE_FILE = PLACES / "rotherham.yaml"
AFTER_FILE = PLACES / "rotherham_health_village.yaml"
PILOT = "health_village"

WARMUP, REPS, SWEEP_REPS = 90, 6, 3  # full length: 180, 20, 10
SHORT = {"time.warmup_days": WARMUP, "time.run_days": 365}
SWEEP_SEED = 7  # the sweep uses other seeds: its "before" years are new, independent years

# Observed change 2015/16 -> 2016/17, % (docs/domain.md): (Health Village, other localities)
OBSERVED = {"all ages": (-2.1, 0.7), "65+": (1.8, 3.5), "85+": (9.5, 11.0)}
OBSERVED_GAP = {group: pilot - rest for group, (pilot, rest) in OBSERVED.items()}
GROUPS = list(OBSERVED)
OBSERVED_GAP"""),
    ("md", """\
## What the pilot scenario switches on

The pilot in the model is **prevention only**: services stay borough-wide in both files, and
in `health_village` a share of crises never happens:

- `mdt_case_management.crisis_reduction`: the share of crises of *high-risk* patients (the frail
  cohort a locality MDT case-manages: 5% of under-65s' crises up to 45% of the 85+'s, by stream,
  from the baseline's `high_risk_share`) that case management prevents;
- `care_home_support.crisis_reduction`: the share of crises of *care home residents* that
  enhanced care home support prevents.

A prevented crisis takes with it every admission of that patient's journey (the admission
itself and any readmission). Below, the values each file sets."""),
    ("code", """\
before = sim.load_scenario(BEFORE_FILE, SHORT)
pilot_file = sim.load_scenario(AFTER_FILE, SHORT)
pd.DataFrame({
    name: {policy: getattr(s.policies, policy).crisis_reduction
           for policy in ("mdt_case_management", "care_home_support")}
    for name, s in [("before (rotherham.yaml)", before),
                    ("after (rotherham_health_village.yaml)", pilot_file)]
})"""),
    ("md", """\
## 1. The gap the model predicts with literature effect sizes

**Effect sizes** (docs/domain.md, "Effects of integration"):

- *Enhanced care home support*: the Improvement Analytics Unit found **-18% to -23%** emergency
  admissions of care home residents (2017-2019). We use **20%** of care home residents' crises
  prevented, assuming the whole of the pilot's care home population was covered (the shipped
  file uses 10% "for partial coverage").
- *MDT case management*: the IAU evaluations found **no reduction in the first years** (some
  areas rose). The observed change is the pilot's first year, so we use **0%**.
- *Encompass* (east Kent vanguard): **-7.3%** of the emergency admission rate over ~3 years, about
  2.5% a year. It is a whole-system figure for a multi-part programme, not the effect of one
  service, so it is not a parameter here; we use it below as a yardstick.

**How the gap is measured.** The observed figures are year-on-year changes in real places with a
background trend (+0.7% elsewhere, and much faster growth among the 85+). The model's *before*
and *after* are the **same year** with and without the pilot, so the model's change in the other
localities is about zero: it has no trend. What can be compared is the **gap**: the change in
`health_village` minus the change in the other six localities, in percentage points. The
comparison assumes the trend would have been the same in the pilot locality without the pilot.

The metrics give admissions by locality but not by age within a locality, so both runs keep
their event log and we count admissions (acute `queue` events in the results year, as the
`emergency_admissions` metric does) by locality, age band, and whether the patient was
high-risk or a care home resident."""),
    ("code", """\
def admission_table(result):
    \"\"\"One row per (replication, patient) admitted in the results year: where they live,
    their age band, care home / high-risk flags and their number of admissions ``n``.\"\"\"
    t = result.scenario.time
    frames = []
    for rep in result.replications:
        ev = rep.events
        admitted = ev[(ev["service"] == "acute") & (ev["event"] == "queue")
                      & (ev["time_days"] >= t.warmup_days)
                      & (ev["time_days"] < t.warmup_days + t.run_days)]
        per_patient = admitted.groupby("patient", observed=True).agg(
            locality=("locality", "first"), age_band=("age_band", "first"),
            residence=("residence", "first"), high_risk=("high_risk", "first"),
            n=("patient", "size")).reset_index()
        frames.append(per_patient.assign(replication=rep.replication))
    table = pd.concat(frames, ignore_index=True)
    table["pilot"] = table["locality"].astype(str) == PILOT
    table["care_home"] = table["residence"].astype(str) == "care_home"
    return table


def in_group(table, group):
    age = table["age_band"].astype(str)
    return {"all ages": age == age, "65+": age != "0-64", "85+": age == "85+"}[group]


def counts(table):
    \"\"\"Admissions per replication, group and side (pilot / rest).\"\"\"
    rows = []
    for group in GROUPS:
        part = table[in_group(table, group)]
        by = part.groupby(["replication", "pilot"])["n"].sum().unstack("pilot")
        rows.append(pd.DataFrame({"group": group, "pilot": by[True], "rest": by[False]}))
    return pd.concat(rows).reset_index().set_index(["group", "replication"])


def paired_gap(before_counts, after_counts):
    \"\"\"Per replication and group: % change in the pilot, elsewhere, and the gap (points).\"\"\"
    change = 100 * (after_counts / before_counts - 1)
    change["gap"] = change["pilot"] - change["rest"]
    return change


def with_interval(frame, columns):
    rows = {}
    for group, part in frame.groupby(level="group", sort=False):
        row = {}
        for column in columns:
            mean, low, high = t_interval(part[column].to_numpy())
            row |= {f"{column}": mean, f"{column}_ci_low": low, f"{column}_ci_high": high}
        rows[group] = row
    return pd.DataFrame(rows).T.loc[GROUPS]


LITERATURE = {"policies.mdt_case_management.crisis_reduction.health_village": 0.0,
              "policies.care_home_support.crisis_reduction.health_village": 0.20}
literature = sim.with_changes(pilot_file, LITERATURE)

runs = {}
for name, scenario in [("before", before), ("literature", literature)]:
    result = sim.run_scenario(scenario, REPS, keep_events=True, progress=False)
    runs[name] = {"metrics": result.metrics, "admissions": admission_table(result),
                  "seconds": result.wall_seconds}
    del result  # the event logs are large; keep only the admission tables
print({name: f"{run['seconds']:.0f} s" for name, run in runs.items()})

before_counts = counts(runs["before"]["admissions"])
lit_gap = paired_gap(before_counts, counts(runs["literature"]["admissions"]))
predicted = with_interval(lit_gap, ["pilot", "rest", "gap"])
predicted["observed_gap"] = pd.Series(OBSERVED_GAP)
predicted[["pilot", "rest", "gap", "gap_ci_low", "gap_ci_high", "observed_gap"]].round(2)"""),
    ("code", """\
per_year = before_counts.groupby(level="group").mean()
hv_all = per_year.loc["all ages", "pilot"]
residents = before.geography.localities[PILOT].total_population
lit = predicted.loc["all ages"]
print(f"Health Village, before: {hv_all:,.0f} emergency admissions a year in the model "
      f"({per_year.loc['65+', 'pilot']:,.0f} aged 65+, {per_year.loc['85+', 'pilot']:,.0f} "
      f"aged 85+), {hv_all / residents * 1000:.0f} per 1,000 of its {residents:,.0f} residents")
print(f"Predicted gap with literature effects (care home support 20%, MDT 0%): "
      f"{lit['gap']:.2f} points (95% interval {lit['gap_ci_low']:.2f} to "
      f"{lit['gap_ci_high']:.2f}); observed {OBSERVED_GAP['all ages']:.1f}: the model "
      f"accounts for {100 * lit['gap'] / OBSERVED_GAP['all ages']:.0f}% of it")
for group in ["65+", "85+"]:
    row = predicted.loc[group]
    print(f"  {group}: predicted {row['gap']:.2f} ({row['gap_ci_low']:.2f} to "
          f"{row['gap_ci_high']:.2f}), observed {OBSERVED_GAP[group]:.1f}")
encompass_a_year = 100 * ((1 - 0.073) ** (1 / 3) - 1)
print(f"Yardstick: Encompass's -7.3% over ~3 years is {encompass_a_year:.1f}% a year for a "
      f"whole multi-part programme.")"""),
    ("md", """\
**Reading the interval.** The 95% interval is across paired replications: it says how precisely
the model's *expected* effect is known, and it is narrow because both runs see the same
patients and differ only by the crises prevented. It is **not** the range one real year would
show: a real year's count also carries the chance variation of section 3, which is far
larger. The change in the other localities is zero to rounding: the pilot prevents crises only
in its own locality, and in this model bed queues change waits, not who is admitted.

## 2. Which effect sizes would reproduce the observed gap?

Because a prevented crisis removes exactly that patient's admissions, the expected change in
the pilot locality's admissions of a group (all ages, 65+, 85+) with MDT reduction *m* and care
home reduction *c* is

    change = -(m x H + c x C - m x c x HC)

where *H*, *C* and *HC* are the shares of the group's admissions (in the *before* run) made by
high-risk patients, by care home residents, and by high-risk care home residents. The table
gives these shares, and checks the formula against the simulated literature run."""),
    ("code", """\
def shares(table):
    pilot = table[table["pilot"]]
    rows = {}
    for group in GROUPS:
        part = pilot[in_group(pilot, group)]
        total = part["n"].sum()
        rows[group] = {
            "H": part.loc[part["high_risk"], "n"].sum() / total,
            "C": part.loc[part["care_home"], "n"].sum() / total,
            "HC": part.loc[part["high_risk"] & part["care_home"], "n"].sum() / total,
        }
    return pd.DataFrame(rows).T


def expected_gap(share, m, c):
    \"\"\"Expected gap (points) for MDT reduction m and care home reduction c.\"\"\"
    return -100 * (m * share["H"] + c * share["C"] - m * c * share["HC"])


S = shares(runs["before"]["admissions"])
check = S.mul(100).rename(columns=lambda c: f"{c} (% of admissions)")
check["formula: literature gap"] = [expected_gap(S.loc[g], 0.0, 0.20) for g in GROUPS]
check["simulated: literature gap"] = predicted["gap"]
check["formula: shipped file (MDT 5%, care home 10%)"] = [
    expected_gap(S.loc[g], 0.05, 0.10) for g in GROUPS]
check.round(2)"""),
    ("md", """\
Now a **sweep**: the pilot file run at MDT reductions of 0, 10, 20 and 30% of high-risk crises,
each with care home support at 0% and at the literature's 20%, all in one `run_sweep` call
(every point with the same seeds, so each point is paired with the 0%/0% point, which is the
*before* scenario). The sweep uses a different seed from section 1, so its *before* years are
new, independent years used again in section 3. The metrics give admissions by locality, so
the sweep measures the all-ages gap; the 65+ and 85+ gaps come from the formula."""),
    ("code", """\
MDT = "policies.mdt_case_management.crisis_reduction.health_village"
CARE_HOME = "policies.care_home_support.crisis_reduction.health_village"
sweep = Sweep({MDT: [0.0, 0.1, 0.2, 0.3], CARE_HOME: [0.0, 0.2]}, replications=SWEEP_REPS)
swept = run_sweep(AFTER_FILE, sweep, {**SHORT, "time.seed": SWEEP_SEED}, progress=False)

reps = swept.replications_table().query("metric == 'emergency_admissions'")
wide = reps.pivot_table(index=["point", "replication"], columns="locality", values="value")
wide = pd.DataFrame({"pilot": wide[PILOT], "rest": wide["all"] - wide[PILOT]})
points = swept.points_table().set_index("point")
base_point = points.index[(points[MDT] == 0) & (points[CARE_HOME] == 0)][0]
base = wide.xs(base_point, level="point")
rows = []
for point, values in points.iterrows():
    change = 100 * (wide.xs(point, level="point") / base - 1)
    gap, low, high = t_interval((change["pilot"] - change["rest"]).to_numpy())
    rows.append({"mdt_reduction": values[MDT], "care_home_reduction": values[CARE_HOME],
                 "simulated_gap": gap, "ci_low": low, "ci_high": high,
                 "formula_gap": expected_gap(S.loc["all ages"], values[MDT], values[CARE_HOME])})
grid = pd.DataFrame(rows)
grid.round(2)"""),
    ("md", """\
**Effect sizes that reproduce each observed gap.** Solving the formula for the MDT reduction
*m* at several care home reductions *c* (0%, the shipped file's 10%, and the literature's 18%,
20% and 23%), separately for each age group. A negative *m* means care home support alone
already gives a larger gap than was observed; the last row is the care home reduction needed
with no MDT effect (above 100% means impossible)."""),
    ("code", """\
def mdt_needed(share, gap, c):
    return (-gap / 100 - c * share["C"]) / (share["H"] - c * share["HC"])


needed = pd.DataFrame({
    group: {f"MDT reduction needed, care home {c:.0%}": mdt_needed(S.loc[group], OBSERVED_GAP[group], c)
            for c in (0.0, 0.10, 0.18, 0.20, 0.23)}
    for group in GROUPS}).T
needed["care home reduction needed, MDT 0%"] = [
    -OBSERVED_GAP[g] / 100 / S.loc[g, "C"] for g in GROUPS]
(100 * needed).T.round(1).rename(index=lambda c: c + " (%)")"""),
    ("code", """\
fig, (left, right) = plt.subplots(1, 2, figsize=(12, 4.5))
m_line = np.linspace(0, 0.3, 31)
for c, colour in [(0.0, "tab:blue"), (0.2, "tab:orange")]:
    part = grid[grid["care_home_reduction"] == c]
    left.errorbar(100 * part["mdt_reduction"], part["simulated_gap"],
                  yerr=[part["simulated_gap"] - part["ci_low"],
                        part["ci_high"] - part["simulated_gap"]],
                  fmt="o", capsize=3, color=colour,
                  label=f"simulated (sweep), care home support {c:.0%}")
    left.plot(100 * m_line, expected_gap(S.loc["all ages"], m_line, c), color=colour, lw=1)
left.axhline(OBSERVED_GAP["all ages"], color="black", ls="--", label="observed gap (-2.8)")
left.plot(0, predicted.loc["all ages", "gap"], "*", color="red", ms=14,
          label="literature effects (section 1)")
left.set_title("All ages: predicted gap against MDT effect")
left.set_xlabel("MDT case management: % of high-risk crises prevented")
left.set_ylabel("gap: Health Village minus other localities (points)")
left.legend(fontsize="small")

for group, colour in [("all ages", "black"), ("65+", "tab:green"), ("85+", "tab:purple")]:
    right.plot(100 * m_line, expected_gap(S.loc[group], m_line, 0.2), color=colour,
               label=f"{group}: model (care home support 20%)")
    right.axhline(OBSERVED_GAP[group], color=colour, ls="--", lw=1,
                  label=f"{group}: observed ({OBSERVED_GAP[group]:.1f})")
right.set_title("By age group (formula), care home support at 20%")
right.set_xlabel("MDT case management: % of high-risk crises prevented")
right.set_ylabel("gap (points)")
right.legend(fontsize="small")
fig.tight_layout()"""),
    ("code", """\
m_all = needed.loc["all ages", "MDT reduction needed, care home 20%"]
m_65 = needed.loc["65+", "MDT reduction needed, care home 20%"]
m_85 = needed.loc["85+", "MDT reduction needed, care home 20%"]
print(f"With care home support at the literature's 20%, the all-ages gap needs MDT case "
      f"management to prevent {m_all:.0%} of high-risk crises in its first year; the IAU "
      f"found no reduction in the first years, and the shipped locality files assume 5%.")
print(f"At that value the model's gaps would be "
      f"{expected_gap(S.loc['65+'], m_all, 0.2):.1f} points for the 65+ and "
      f"{expected_gap(S.loc['85+'], m_all, 0.2):.1f} for the 85+, against "
      f"{OBSERVED_GAP['65+']:.1f} and {OBSERVED_GAP['85+']:.1f} observed.")
for group, m in [("65+", m_65), ("85+", m_85)]:
    if m < 0:
        print(f"The {group} gap needs no MDT effect at all: care home support at 20% alone "
              f"gives {expected_gap(S.loc[group], 0.0, 0.2):.1f} points, already more than the "
              f"{OBSERVED_GAP[group]:.1f} observed.")
    else:
        print(f"The {group} gap alone needs an MDT reduction of {m:.0%} (with care home 20%).")
share_65 = per_year.loc["65+", "pilot"] / per_year.loc["all ages", "pilot"]
under_65_gap = (OBSERVED_GAP["all ages"] - share_65 * OBSERVED_GAP["65+"]) / (1 - share_65)
print(f"In the model {share_65:.0%} of the pilot's admissions are of people aged 65+. If the "
      f"real share was similar, the observed figures imply a gap of about {under_65_gap:.1f} "
      f"points among the under-65s, a group the two services barely reach (high-risk "
      f"{S.loc['all ages', 'H']:.0%} of all admissions against {S.loc['65+', 'H']:.0%} of "
      f"the 65+'s).")

# the pair (m, c) that comes closest to all three observed gaps at once (least squares)
m_grid, c_grid = np.meshgrid(np.linspace(0, 0.5, 101), np.linspace(0, 0.5, 101))
misfit = sum((expected_gap(S.loc[g], m_grid, c_grid) - OBSERVED_GAP[g]) ** 2 for g in GROUPS)
best = np.unravel_index(misfit.argmin(), misfit.shape)
m_best, c_best = m_grid[best], c_grid[best]
fits = {g: expected_gap(S.loc[g], m_best, c_best) for g in GROUPS}
print(f"Closest to all three at once: MDT {m_best:.1%}, care home {c_best:.1%}, giving "
      + ", ".join(f"{g} {fits[g]:.1f} (observed {OBSERVED_GAP[g]:.1f})" for g in GROUPS)
      + f"; largest miss {max(abs(fits[g] - OBSERVED_GAP[g]) for g in GROUPS):.1f} points.")"""),
    ("md", """\
The observed gap is *larger* for all ages than for the 65+ and 85+, so much of it would have
to come from younger people, whereas case management and care home support act mostly on the
oldest. So in the model, effect sizes that match the all-ages gap overshoot the older groups'
gaps, and effect sizes that match the older groups leave most of the all-ages gap unexplained;
the closest compromise (last line above) shows how far apart they are. Section 3 shows why this
should not be over-read: at this population size the older groups' gaps are mostly noise.

## 3. How much could chance alone produce?

**Poisson noise of one year's count.** Crises arrive as a Poisson process, and each crisis
brings one admission or several (readmissions), so the variance of a year's count is the sum
over patients of their number of admissions squared (a compound Poisson count), slightly more
than the count itself. From it, the standard deviation of a year-on-year change in the pilot's
count, of the change elsewhere, and of the gap between them (two independent years, no
intervention):"""),
    ("code", """\
def noise(table):
    \"\"\"Per group: mean count a year (pilot, rest) and sd (points) of a year-on-year change
    and of the gap, from the compound Poisson variance (sum of n squared).\"\"\"
    rows = {}
    for group in GROUPS:
        part = table[in_group(table, group)]
        by = part.assign(n2=part["n"] ** 2).groupby(["replication", "pilot"])[["n", "n2"]].sum()
        mean = by.groupby(level="pilot").mean()
        sd_change = {side: 100 * np.sqrt(2 * mean.loc[side, "n2"]) / mean.loc[side, "n"]
                     for side in (True, False)}
        rows[group] = {
            "admissions a year, pilot": mean.loc[True, "n"],
            "sd of one year, pilot (%)": sd_change[True] / np.sqrt(2),
            "sd of a year-on-year change, pilot (points)": sd_change[True],
            "sd of a change, other localities (points)": sd_change[False],
            "sd of the gap (points)": np.hypot(sd_change[True], sd_change[False]),
        }
    return pd.DataFrame(rows).T


chance = noise(runs["before"]["admissions"])
chance["observed gap"] = pd.Series(OBSERVED_GAP)
chance["observed gap / sd"] = chance["observed gap"] / chance["sd of the gap (points)"]
chance["P(chance gap at least as favourable)"] = stats.norm.cdf(chance["observed gap / sd"])
chance["P(chance gap at least as large either way)"] = 2 * stats.norm.cdf(
    -chance["observed gap / sd"].abs())
chance.T.round(3)"""),
    ("md", """\
**Checked by simulation: independent years with no intervention.** Each *before* replication is
an independent year of the same borough with nothing changed: section 1 ran replications with
the file's seed and the sweep's 0%/0% point ran more with another seed. Between any two such
years the pilot's admissions change relative to the others' by chance alone; the spread of the
pilot's share of the borough's admissions across these years gives the simulated sd of the
gap, to compare with the formula (with this few years the simulated sd is itself uncertain:
its 95% interval is printed)."""),
    ("code", """\
years = pd.concat([
    before_counts.loc["all ages"],
    base.rename_axis("replication"),
], keys=["section 1 seed", "sweep seed"], names=["seed", "replication"])
# year-on-year gap between independent years y1, y2: 100 x (pilot2/pilot1 - rest2/rest1),
# close to 100 x the change in log(pilot / rest)
log_ratio = np.log(years["pilot"] / years["rest"])
simulated_sd = 100 * np.sqrt(2) * log_ratio.std(ddof=1)
pairs = [(a, b) for i, a in enumerate(years.index) for b in years.index[i + 1:]]
placebo = np.array([100 * (years.loc[b, "pilot"] / years.loc[a, "pilot"]
                           - years.loc[b, "rest"] / years.loc[a, "rest"]) for a, b in pairs])
formula_sd = chance.loc["all ages", "sd of the gap (points)"]
print(f"{len(years)} independent simulated years, {len(pairs)} pairs of years")
df = len(years) - 1
sd_low, sd_high = (simulated_sd * np.sqrt(df / stats.chi2.ppf(q, df)) for q in (0.975, 0.025))
print(f"sd of the all-ages gap between two years with no intervention: simulated "
      f"{simulated_sd:.2f} points (95% interval {sd_low:.2f} to {sd_high:.2f}), formula "
      f"{formula_sd:.2f} points")
print(f"placebo gaps between pairs of simulated years range from {placebo.min():.1f} to "
      f"{placebo.max():.1f} points; {np.mean(np.abs(placebo) >= abs(OBSERVED_GAP['all ages'])):.0%} "
      f"are at least {abs(OBSERVED_GAP['all ages']):.1f} points either way")
years.assign(pilot_share_pct=100 * years["pilot"] / (years["pilot"] + years["rest"])).round(1)"""),
    ("code", """\
sd_gap = chance.loc["all ages", "sd of the gap (points)"]
lit_all = predicted.loc["all ages", "gap"]
print(f"The pilot's admissions in one year vary by chance with an sd of about "
      f"{chance.loc['all ages', 'sd of one year, pilot (%)']:.1f}%; a year-on-year gap with "
      f"the other localities, with no intervention at all, has an sd of about {sd_gap:.1f} "
      f"points (95% of such gaps within +/-{1.96 * sd_gap:.1f}).")
print(f"The observed gap of {OBSERVED_GAP['all ages']:.1f} points is "
      f"{abs(OBSERVED_GAP['all ages']) / sd_gap:.1f} sd: chance alone gives a gap at least "
      f"that favourable in {stats.norm.cdf(OBSERVED_GAP['all ages'] / sd_gap):.0%} of years.")
low, high = OBSERVED_GAP["all ages"] - 1.96 * sd_gap, OBSERVED_GAP["all ages"] + 1.96 * sd_gap
def inside(x):
    return "inside" if low <= x <= high else "outside"


print(f"Effects consistent with the observation (observed gap +/- 1.96 sd): {low:.1f} to "
      f"{high:.1f} points; no effect (0) is {inside(0)} it, the literature prediction "
      f"({lit_all:.2f}) {inside(lit_all)}.")
m_lo = max(mdt_needed(S.loc["all ages"], high, 0.2), 0.0)
m_hi = mdt_needed(S.loc["all ages"], low, 0.2)
print(f"In effect sizes (care home support 20%): MDT reductions from {m_lo:.0%} to {m_hi:.0%} "
      f"of high-risk crises are all consistent with the observed year.")
lit_range = [expected_gap(S.loc["all ages"], 0.0, c) for c in (0.18, 0.23)]
print(f"Literature care home range 18-23% (MDT 0%): a predicted gap of {lit_range[0]:.2f} to "
      f"{lit_range[1]:.2f} points; a single real year would show that +/- {1.96 * sd_gap:.1f}.")"""),
    ("md", """\
The same comparison as a picture: the model's all-ages gap against the MDT effect (lines, from
the formula of section 2) and the band of true gaps consistent with the one observed year
(observed gap +/- 1.96 sd of chance)."""),
    ("code", """\
fig, ax = plt.subplots(figsize=(7, 4.5))
m_line = np.linspace(0, 0.6, 61)
ax.axhspan(low, high, color="grey", alpha=0.2, label="consistent with the observed year (95%)")
ax.axhline(OBSERVED_GAP["all ages"], color="black", ls="--", label="observed gap")
for c, colour in [(0.0, "tab:blue"), (0.2, "tab:orange")]:
    ax.plot(100 * m_line, expected_gap(S.loc["all ages"], m_line, c), color=colour,
            label=f"model, care home support {c:.0%}")
ax.plot(0, lit_all, "*", color="red", ms=14, label="literature effects")
ax.set_xlabel("MDT case management: % of high-risk crises prevented")
ax.set_ylabel("all-ages gap (points)")
ax.set_title("Model gap against the range consistent with one observed year")
ax.legend(fontsize="small")
fig.tight_layout()"""),
    ("md", """\
**Regression to the mean** (Roland et al., BMJ 2005). People chosen because they had many
emergency admissions have far fewer the next year with no intervention at all. The same holds
for places: if the pilot locality was chosen, or its year was chosen for reporting, because its
admissions had been high, they would tend to fall back the next year whatever the service did.
We do not know how the pilot was chosen. As an illustration only: if it had been picked as the
highest of the seven localities in the previous year *by chance* (all seven having the same
underlying rate relative to expectation), the expected fall back the following year is the
expected maximum of seven standard normal draws times the sd of one year's count (a locality
of the pilot's size; the other localities' own fall back is diluted among six):"""),
    ("code", """\
rng = np.random.default_rng(1)
expected_max_of_7 = rng.standard_normal((200_000, 7)).max(axis=1).mean()
sd_level = chance.loc["all ages", "sd of one year, pilot (%)"]
print(f"expected maximum of 7 standard normals: {expected_max_of_7:.2f}; sd of one year's "
      f"count in the pilot: {sd_level:.1f}%; expected fall back the next year: about "
      f"{expected_max_of_7 * sd_level:.1f} points of gap, against {abs(OBSERVED_GAP['all ages']):.1f} "
      f"observed")"""),
    ("md", """\
The model cannot tell such a fall from an effect of the service: its *before* and *after* years
start from the same expected rates, so it has no regression to the mean in it. A real
evaluation needs several years before the pilot, a comparison group matched on its earlier
trend (as the IAU evaluations do), or several pilot sites.

## The figures in one place"""),
    ("code", """\
summary = pd.DataFrame({
    "observed gap": pd.Series(OBSERVED_GAP),
    "predicted gap, literature effects": predicted["gap"],
    "95% interval (model)": [f"{lo:.2f} to {hi:.2f}" for lo, hi in
                             zip(predicted["gap_ci_low"], predicted["gap_ci_high"])],
    "chance sd of a one-year gap": chance["sd of the gap (points)"],
    "MDT reduction to match, care home 20% (%; < 0: none needed)": 100 * needed[
        "MDT reduction needed, care home 20%"],
}).loc[GROUPS]
summary["observed within chance of the prediction"] = (
    (summary["observed gap"] - summary["predicted gap, literature effects"]).abs()
    <= 1.96 * summary["chance sd of a one-year gap"])
summary.round(2)"""),
    ("md", """\
## What this does and does not show

**Does show**

- With effect sizes from the literature (care home support preventing 20% of care home
  residents' crises, MDT case management nothing in its first year), the model predicts an
  all-ages gap well short of the observed 2.8 points, with a narrow model interval (table
  above); the oldest residents, where care home support acts, carry most of the predicted
  effect.
- To reproduce the all-ages gap, MDT case management would have to prevent a share of
  high-risk crises far above the literature's "no reduction in the first years" (and above the
  5% the shipped locality files assume), and those effect sizes would give 65+ and 85+ gaps
  much larger than observed. The observed pattern (a larger gap overall than among older
  people) points to falls among younger people, whom neither modelled service reaches, or to
  chance.
- The chance variation of one year's gap in a locality of ~36,000 residents is of the same
  order as the 2.8-point gap itself, and larger than the 65+ and 85+ gaps themselves
  (section 3). The last column of the table says whether each observed gap is within the
  chance range of the model's prediction.

**Does not show**

- That the Health Village had, or had no, effect: one locality and one year cannot separate an
  effect of the literature's size from no effect or from a larger one (section 3 gives the
  range of effects consistent with the observed year).
- Anything about trends: the model has no year-on-year growth; we compared gaps, assuming the
  pilot locality would otherwise have followed the other localities' trend.
- Effects the scenario does not represent: the pilot's other changes (access, GP working,
  social prescribing), effects on under-65s who are not high-risk, extra-Poisson variation
  between real years (epidemics, coding changes, which make chance gaps larger still), and
  regression to the mean.
- The real population: the pilot's age mix, need index and care home residents in
  `rotherham.yaml` are assumptions (docs/places.md), and so are the high-risk shares; with the
  real admission counts, recompute the noise figures (sd of a year-on-year change is about
  100 x sqrt(2 / admissions) points, a little more with readmissions)."""),
]

if __name__ == "__main__":
    write(CELLS, TARGET)
