"""Write notebooks/01_quickstart.ipynb from the cells below (see notebook_builder.py):

    python notebooks/make_quickstart.py
"""

from __future__ import annotations

from pathlib import Path

from notebook_builder import Cells, write

HERE = Path(__file__).resolve().parent
TARGET = HERE / "01_quickstart.ipynb"

CELLS: Cells = [
    ("md", """\
# Quick start: run a scenario, read the results, compare two configurations

This notebook walks through the steps an analyst takes with the simulator:

1. load a scenario file (the **baseline**: today's borough-wide organisation);
2. shorten it so that the notebook runs in seconds;
3. run it and read the summary table of headline measures;
4. plot daily acute bed occupancy and emergency admissions by locality;
5. run a second scenario (the **locality** model) with the same random numbers and read the
   paired comparison.

All the modelling is in the scenario files under `scenarios/` and in the `sim` package; this
notebook only runs them and shows the results. The measures are defined in
`docs/metrics.md`."""),
    ("code", """\
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd

import sim
from sim.output.plots import admissions_by_locality, occupancy_band

pd.set_option("display.width", 120)
pd.set_option("display.float_format", "{:,.2f}".format)

SCENARIOS = Path("..") / "scenarios"  # this notebook runs from the notebooks/ folder"""),
    ("md", """\
## 1. Load the baseline scenario

A scenario file describes the population (localities and their age mix), demand, the services
with their capacities and routes between them, and how long to simulate. `sim.load_scenario`
reads and checks it: a mistake in the file stops here with a message naming the file and the
field."""),
    ("code", """\
baseline = sim.load_scenario(SCENARIOS / "baseline.yaml")
print(baseline.name, "-", baseline.description)
t = baseline.time
print(f"warm-up {t.warmup_days:g} days, results {t.run_days:g} days from {t.start_date}, "
      f"{t.replications} replications, seed {t.seed}")"""),
    ("md", """\
## 2. Shorten the run for this notebook

The baseline file asks for a warm-up (to fill the beds from empty), a results year and about
ten replications (printed above). Here we keep a 140-day warm-up, the one
`python -m sim warmup scenarios/baseline.yaml` recommends (MSER-5: acute beds fill from empty
in about 140 days; a shorter warm-up measures beds still filling and biases the comparison),
but cut the results period to 120 days and the replications to 4 so that the notebook runs in
seconds. `with_changes` returns a checked copy; the file itself is not changed.

**The numbers below are therefore rough.** For figures you report, run the scenario as
written (e.g. `python -m sim run scenarios/baseline.yaml`)."""),
    ("code", """\
QUICK = {"time.warmup_days": 140, "time.run_days": 120, "time.replications": 4}
baseline = sim.with_changes(baseline, QUICK)
t = baseline.time
print(f"warm-up {t.warmup_days:g} days, results {t.run_days:g} days from {t.start_date}, "
      f"{t.replications} replications, seed {t.seed}")"""),
    ("md", """\
## 3. Run it

Each replication simulates the same borough with different random numbers (different
patients arriving at different times). `jobs=2` runs two replications at a time. The result
holds, for every replication, the measures and a day-by-day table of every service."""),
    ("code", """\
result_a = sim.run_scenario(baseline, jobs=2, progress=False)
print(f"{len(result_a.replications)} replications in {result_a.wall_seconds:.1f} s")"""),
    ("md", """\
## 4. The summary table

`summary()` gives one row per measure and locality: the **mean across replications** and a
**95% confidence interval** for that mean (`ci_low` to `ci_high`). The interval shows how
much the mean would move with other random numbers; it narrows with more replications and a
longer run. `locality` is a locality's residents, or `all` for everyone.

A few headline measures for the whole borough:"""),
    ("code", """\
HEADLINE = [
    "emergency_admissions_per_1000",
    "acute_occupancy_mean",
    "acute_occupancy_pct_mean",
    "ed_boarding_hours_mean",
    "nctr_patients_per_100k",
    "ready_to_discharge_days_mean",
    "ucr_within_target_pct",
    "ic_wait_days_mean",
    "readmission_rate_30d_pct",
]

summary = result_a.summary()
borough = summary[summary["locality"] == "all"].set_index("metric")
borough.loc[HEADLINE, ["mean", "ci_low", "ci_high", "n_reps"]]"""),
    ("md", """\
One measure for each locality: emergency admissions per 1,000 residents a year. Localities
differ in age mix and need, so their rates differ:"""),
    ("code", """\
summary[summary["metric"] == "emergency_admissions_per_1000"].set_index("locality")[
    ["mean", "ci_low", "ci_high"]
]"""),
    ("md", """\
## 5. Plots

**Daily acute bed occupancy.** The line is the mean across replications of each day's
average number of beds in use; the shaded band covers the middle 90% of replications (5th to
95th percentile), so it shows how much a single day can vary. The dashed line is the number
of beds."""),
    ("code", """\
ax = occupancy_band(result_a.daily, baseline, baseline.reporting.acute)
ax.figure.autofmt_xdate()  # slant the date labels so they do not overlap
plt.show()"""),
    ("md", """\
**Emergency admissions by locality**, per 1,000 residents a year, with the 95% interval of
each mean (`all` is the whole borough)."""),
    ("code", """\
ax = admissions_by_locality(summary)
plt.show()"""),
    ("md", """\
## 6. Compare with the locality model

`scenarios/locality.yaml` starts from the baseline (`extends: baseline.yaml`) and changes only
how services are organised and what they achieve: locality teams, trusted assessment,
case management and care home support. We shorten it in the same way and make sure it uses
the **same seed** as the baseline, so that each replication of the locality model faces the
same stream of crises as the baseline replication with the same number; the differences
between the two are then due to the change, not to chance."""),
    ("code", """\
locality = sim.with_changes(sim.load_scenario(SCENARIOS / "locality.yaml"),
    {**QUICK, "time.seed": baseline.time.seed}
)
result_b = sim.run_scenario(locality, jobs=2, progress=False)
print(f"{locality.name}: {len(result_b.replications)} replications "
      f"in {result_b.wall_seconds:.1f} s")"""),
    ("md", """\
`sim.compare(a, b)` pairs each baseline replication with the locality replication of the
same number, and summarises the differences **locality minus baseline**
(`b - a`): `a_mean` and `b_mean` are the two scenarios' means, `diff_mean` the mean
difference and `diff_ci_low` to `diff_ci_high` its 95% interval."""),
    ("code", """\
comparison = sim.compare(result_a.metrics, result_b.metrics)
paired = (comparison[comparison["locality"] == "all"].set_index("metric")
          .loc[HEADLINE].drop(columns="locality"))
paired.assign(clear_difference=(paired["diff_ci_low"] > 0) | (paired["diff_ci_high"] < 0))"""),
    ("md", """\
### How to read a paired interval

- **The interval is for the difference**, locality minus baseline. A negative `diff_mean`
  for delayed discharges means fewer delayed patients in the locality model.
- **If the interval excludes zero** (`clear_difference` is `True`), the change made a
  difference in this direction beyond what the replications' randomness explains. If it
  contains zero, the simulation cannot tell the two apart with this many replications: more
  replications or a longer run narrow the interval, but the true effect may also be small.
- **A clear difference is not necessarily an important one.** Look at its size as well: a
  difference of a fraction of a percentage point can be clear and still not matter to a
  board.
- **Pairing makes the interval narrower** than comparing the two summary tables: the same
  busy weeks happen in both runs, so their effect cancels in the difference. This is why
  both scenarios must use the same seed; do not judge a change by whether the two scenarios'
  own intervals overlap.
- **The interval covers simulation noise only.** It does not include uncertainty in the
  inputs (the effect sizes marked L in the scenario files are estimates): vary those inputs
  in further scenarios to see how much the conclusion depends on them.
- With 4 short replications, as here, intervals are wide; use the full scenario for
  figures you report."""),
    ("md", """\
## Next steps

- Run a scenario in full and keep the results folder (summary, replications, daily tables,
  plots): `python -m sim run scenarios/baseline.yaml`
- Compare two scenarios in full: `python -m sim compare scenarios/baseline.yaml
  scenarios/locality.yaml`
- Make your own configuration: copy `scenarios/locality.yaml`, change a few values, and
  check it with `python -m sim validate my_scenario.yaml`.
- What each measure means and which published figure it compares with: `docs/metrics.md`.
- Every results folder holds `report.html`, a board paper to open in a browser, and
  `results.xlsx` for Excel."""),
]


if __name__ == "__main__":
    write(CELLS, TARGET)
