"""Write notebooks/02_capacity_planning.ipynb from the cells below (see notebook_builder.py):

    python notebooks/make_capacity_planning.py
"""

from __future__ import annotations

from pathlib import Path

from notebook_builder import Cells, write

TARGET = Path(__file__).resolve().parent / "02_capacity_planning.ipynb"

CELLS: Cells = [
    ("md", """\
# Capacity planning: how many beds, slots and staff, and what-if grids

The board's question is not only "what happens with the capacity we have?" but "how many beds,
home care slots and staff do we need, per locality and per month, to hit our targets?" and
"what if we had 20 more beds?". This notebook answers both ways:

1. **Occupancy with capacity unlimited**: how many units patients would use if none were ever
   short, as a distribution, so you can read the chance that *n* units are not enough;
2. **Capacity needed** under the usual planning criteria, with intervals across replications;
3. the same **per locality and per month** for a locality-based service;
4. a **sweep**: the constrained model run at several bed numbers with the same random numbers,
   to read the trade-off between beds, occupancy and ED boarding.

Runs are shortened (90 days warm-up, 180 days of results, 4 replications) so the notebook runs
in about a minute; for a board paper use the shipped lengths and at least 10 replications
(`python -m sim capacity scenarios/baseline.yaml`). The 90 days are shorter than the 140
that `python -m sim warmup scenarios/baseline.yaml` recommends (acute beds are still filling,
a few percent below where they settle), which is why these numbers are only for learning the
method. Definitions: `docs/capacity.md`."""),
    ("code", """\
from pathlib import Path

import pandas as pd

import sim
from sim.capacity.criteria import Criteria, capacity_table
from sim.capacity.occupancy import distribution_table, simulate_occupancy
from sim.capacity.plots import occupancy_plot
from sim.output.plots import sweep_plot
from sim.sweep import Sweep, run_sweep

SCENARIOS = Path("..") / "scenarios"
SHORT = {"time.warmup_days": 90, "time.run_days": 180, "time.replications": 4}
base = sim.load_scenario(SCENARIOS / "baseline.yaml", SHORT)
locality = sim.load_scenario(SCENARIOS / "locality.yaml", SHORT)
pd.options.display.float_format = "{:,.2f}".format"""),
    ("md", """\
## 1. Occupancy with capacity unlimited

Acute beds and both kinds of intermediate care are made unlimited; everything else stays as in
the baseline. Occupancy counts every patient holding a unit, including a delayed discharge
still in its bed. `fraction_of_time_above` at *n* is the share of time more than *n* units
were in use: the chance that *n* would not have been enough."""),
    ("code", """\
services = ["acute", "ic_home", "ic_beds"]
histograms = simulate_occupancy(base, services, base.time.replications, progress=False)
distribution = distribution_table(histograms)
acute = distribution.query("service == 'acute' and locality == 'all' and period == 'all'")
acute.set_index("occupancy").loc[360:420:10, ["fraction_of_time", "fraction_of_time_above"]]"""),
    ("md", """\
## 2. Capacity needed under each criterion

For each service, the smallest capacity such that:

- `all_busy`: an arriving patient finds every unit busy at most 5% of the time, if patients
  who find none were turned away (Erlang's loss formula applied to the distribution above);
- `all_busy_queue`: the same when patients wait for a unit instead (Erlang's delay formula),
  the criterion to read for beds and caseloads, where nobody is turned away;
- `mean_occupancy`: mean occupancy at most 92% for acute beds, 85% for community services;
- `percentile`: the 95th percentile of occupancy.

`capacity` comes from the distribution pooled over replications; `mean`, `ci_low`, `ci_high`
are across replications. `current_capacity` is the baseline's."""),
    ("code", """\
capacity = capacity_table(histograms, base, Criteria())
whole = capacity.query("locality == 'all' and period == 'all'")
whole.pivot(index="service", columns="criterion", values="capacity").join(
    whole.groupby("service")[["occupancy_mean", "current_capacity"]].first())"""),
    ("code", """\
occupancy_plot(distribution, capacity, "acute")"""),
    ("md", """\
## 3. Per locality and per month

In the locality configuration home intermediate care is run by three locality teams. Each
team's capacity needs reading on its own: a team cannot borrow another's slots, so three small
teams need more in total than one borough team for the same patients (pooling). In the
table, `all` is what the three teams need together and `pooled` what one shared team would
need."""),
    ("code", """\
local = simulate_occupancy(locality, ["ic_home"], locality.time.replications, progress=False)
by_locality = capacity_table(local, locality, Criteria()).query(
    "criterion == 'all_busy_queue'")
by_locality.pivot(index="locality", columns="period", values="capacity")"""),
    ("code", """\
whole_year = by_locality.query("period == 'all'").set_index("locality")["capacity"]
teams, one_team = whole_year["all"], whole_year["pooled"]
print(f"three locality teams need {teams} slots in total; one borough team would need "
      f"{one_team} for the same patients")"""),
    ("md", """\
## 4. A sweep: acute beds against occupancy and ED boarding

The constrained model is run at 385, 405 and 425 acute beds. Every grid point uses the same
seeds, so patient *k* arrives at the same moment with the same needs at every bed number, and
the differences between points are the effect of the beds, not noise. From the command line:
`python -m sim sweep scenarios/baseline.yaml --vary services.acute.capacity=385:425:20`."""),
    ("code", """\
sweep = Sweep({"services.acute.capacity": [385, 405, 425]})
result = run_sweep(SCENARIOS / "baseline.yaml", sweep, SHORT, progress=False)
summary = result.summary()
wanted = ["acute_occupancy_pct_mean", "ed_boarding_hours_mean", "ed_boarding_over_12h",
          "delayed_discharge_bed_days", "emergency_admissions"]
summary.query("locality == 'all' and metric in @wanted").pivot(
    index="services.acute.capacity", columns="metric", values="mean")[wanted]"""),
    ("code", """\
sweep_plot(summary, ["services.acute.capacity"], "ed_boarding_hours_mean")"""),
    ("md", """\
## 5. Reading the trade-off

- The unlimited-capacity distribution says how often a given number of beds would be short;
  the criteria turn that into a number per service, locality and month. They size each
  service on its own demand.
- The sweep shows what the constrained system does around today's capacity: occupancy falls
  steadily with beds, while ED boarding falls steeply at first and then flattens: the point
  where more beds buy little is where the board's money is better spent elsewhere (for
  example on home care slots, which free acute beds held by delayed discharges).
- Services interact, so a plan that changes several at once should be checked in the full
  model: `python -m sim capacity scenarios/baseline.yaml --search
  scenarios/targets/baseline_targets.yaml` finds the smallest set of capacities meeting
  several targets together and confirms it on fresh replications."""),
]

if __name__ == "__main__":
    write(CELLS, TARGET)
