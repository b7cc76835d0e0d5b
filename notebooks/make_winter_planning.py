"""Write notebooks/03_winter_planning.ipynb from the cells below (see notebook_builder.py):

    python notebooks/make_winter_planning.py
"""

from __future__ import annotations

from pathlib import Path

from notebook_builder import Cells, write

TARGET = Path(__file__).resolve().parent / "03_winter_planning.ipynb"

CELLS: Cells = [
    ("md", """\
# Winter planning: a flu wave, staff off sick and escalation beds, week by week

"What if a flu wave peaks in the first week of January while 10% of community staff are off
sick, and we open 20 escalation beds?" This notebook builds that what-if from the shipped
winter files, runs it against the plain winter, and reads the answer week by week:

1. start from **today's census** (the beds and caseloads occupied on 1 November) instead of a
   warm-up;
2. add a **flu wave** (more demand, longer stays for its patients, staff off sick, beds
   closed), **extra absence**, and **escalation beds** that open above 95% occupancy;
3. read the **weekly picture**: occupancy with its band, days above 92/95/100%, delayed
   discharges, UCR response, the **peak week**, and what escalation did.

Runs use 4 replications so the notebook runs in about a minute; for a board paper use at
least 10 (`python -m sim run scenarios/winter/flu_wave.yaml`). How a winter is written:
`docs/winter.md`; the census: `docs/census.md`."""),
    ("code", """\
from pathlib import Path

import pandas as pd

import sim
from sim.analysis.winter import peak_week
from sim.output.plots import weekly_plots

WINTER = Path("..") / "scenarios" / "winter"
REPS = 4
winter = sim.load_scenario(WINTER / "baseline_winter_from_census.yaml")
pd.options.display.float_format = "{:,.1f}".format
print(winter.time, winter.census, sep="\\n")"""),
    ("md", """\
## 1. The what-if, in a few changes

The plain winter (`baseline_winter_from_census.yaml`) already has the seasonal, weekday and
hourly pattern of demand, rostered SPA and UCR staff (08:00-20:00 with thinner cover at
night, bank holidays staffed as Sundays) and 5% sickness absence. The what-if adds:

- the shipped flu wave (`layers/flu_wave.yaml`): demand up to 6% higher at its peak on
  5 January, its patients staying 25% longer in acute beds, 5% more staff off at the peak and
  10 beds closed for infection control;
- 10% of UCR and home IC staff off sick all winter instead of 5%;
- 20 escalation beds opened at a bed meeting (every 4 hours) when acute occupancy is above
  95%, closed when it is back under 90%."""),
    ("code", """\
flu = sim.load_scenario(WINTER / "flu_wave.yaml")
flu_and_absence = sim.with_changes(winter, {
    "name": "flu_and_absence",
    "surges": {name: surge.model_dump(mode="json") for name, surge in flu.surges.items()},
    "staffing.absence_pct.ucr": 10,
    "staffing.absence_pct.ic_home": 10,
})
what_if = sim.with_changes(flu_and_absence, {
    "name": "with_escalation",
    "escalation": {"escalation_beds": {
        "service": "acute", "capacity": 20, "open_above": 95, "close_below": 90,
        "check_every_hours": 4}},
})
what_if.surges["flu"]"""),
    ("md", """\
## 2. Run all three with the same random numbers

The plain winter, the flu wave with extra absence, and the same with escalation beds, so the
effect of the beds can be read on its own. All three see the same patients (common random
numbers; the flu wave's extra patients come from a stream of their own), so the differences
are the changes', not noise."""),
    ("code", """\
results = {s.name: sim.run_scenario(s, REPS, progress=False)
           for s in (winter, flu_and_absence, what_if)}
headline = ["emergency_admissions", "acute_occupancy_pct_mean", "peak_week_acute_occupancy_pct",
            "acute_days_above_92pct", "acute_days_above_95pct", "acute_days_above_100pct",
            "delayed_discharge_bed_days", "ed_boarding_hours_mean", "ucr_within_target_pct",
            "escalation_days"]
summary = pd.concat({name: r.summary().query("locality == 'all'").set_index("metric")
                     for name, r in results.items()}, names=["scenario"])
summary = summary.reset_index().query("metric in @headline")
summary.pivot(index="metric", columns="scenario", values="mean").loc[headline]"""),
    ("md", """\
Each figure is a mean over the replications; the intervals are in the same table
(`ci_low`, `ci_high`). Days above a threshold count the days whose mean occupancy was above
that share of the core beds (without escalation): above 100% only escalation beds make
possible."""),
    ("code", """\
summary.query("metric in ['peak_week_acute_occupancy_pct', 'acute_days_above_95pct']")[
    ["scenario", "metric", "mean", "ci_low", "ci_high"]]"""),
    ("md", """\
## 3. The weekly picture

`weekly_summary()` holds every weekly metric with its interval, one row per week, metric and
locality, the same table `python -m sim run` writes as `weekly.csv`."""),
    ("code", """\
weekly = {name: r.weekly_summary() for name, r in results.items()}
columns = ["emergency_admissions", "acute_occupancy_pct_mean", "acute_days_above_95pct",
           "delayed_discharge_bed_days", "ucr_within_target_pct"]
weekly[what_if.name].query("locality == 'all' and metric in @columns").pivot(
    index="period", columns="metric", values="mean")[columns]"""),
    ("code", """\
figures = weekly_plots(weekly[what_if.name], what_if)
figures["weekly_acute_occupancy.png"]"""),
    ("md", """\
### The peak week

The full week with the highest mean acute occupancy, and everything else that week."""),
    ("code", """\
pd.DataFrame({name: peak_week(table) for name, table in weekly.items()}).loc[
    ["period", "period_start", "acute_occupancy_pct_mean", "acute_occupancy_pct_mean_ci_low",
     "acute_occupancy_pct_mean_ci_high", "emergency_admissions", "delayed_discharge_bed_days",
     "ed_boarding_hours_mean"]]"""),
    ("md", """\
## 4. What escalation did

Every spell the escalation beds were open: when, for how long, how many were in use at most,
and how many patients were admitted to a bed beyond the core capacity while they were open."""),
    ("code", """\
episodes = results[what_if.name].escalation
print(f"{len(episodes) / REPS:.1f} spells a winter, open {episodes.hours_open.sum() / REPS:,.0f} "
      f"hours and taking {episodes.patients_taken.sum() / REPS:,.0f} patients on average")
episodes.head(10)"""),
    ("md", """\
## 5. Reading it

- **Flu wave and absence** (first two columns): the wave's patients arrive from December and
  stay longer, and with fewer home IC staff more patients wait in acute beds for pathway 1.
  Delayed bed-days rise, the hospital stays near 100% of its core beds from late December,
  and the patients who cannot get a bed wait in ED: boarding hours rise many times over.
  Fewer UCR staff shows in the 2-hour response, worst in the week of the New Year bank
  holiday at the flu peak.
- **Escalation beds** (last two columns): boarding falls back, because patients wait in an
  escalation bed instead of ED; bed occupancy goes *up* (days above 100% of the core beds are
  days with patients in escalation beds), and delayed bed-days rise a little, since more of
  the patients waiting for care at home now wait in a bed.
- **How long the beds are open**: with a close threshold of 90% that the hospital seldom gets
  back under, beds opened around Christmas tend to stay open until March (section 4): budget
  for months, not weeks, or lower the threshold at which they close.
- To change the what-if, change the numbers in the cell that builds it; to make it a file,
  write the same changes under `extends: [baseline_winter.yaml, layers/flu_wave.yaml]`."""),
]

if __name__ == "__main__":
    write(CELLS, TARGET)
