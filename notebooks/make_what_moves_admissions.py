"""Write notebooks/05_what_moves_admissions.ipynb from the cells below (see notebook_builder.py):

    python notebooks/make_what_moves_admissions.py
"""

from __future__ import annotations

from pathlib import Path

from notebook_builder import Cells, write

TARGET = Path(__file__).resolve().parent / "05_what_moves_admissions.ipynb"

CELLS: Cells = [
    ("md", """\
# What moves emergency admissions: one more clinician, bed or home care slot

A board asks: *if we fund one more urgent community response (UCR) clinician, one more
step-up/intermediate care (IC) bed, or one more home IC slot, how many emergency admissions do
we avoid, and how many acute beds do we free?* In the shipped scenarios admissions respond to
community capacity (`docs/patience.md`):

- a **UCR** patient whose clinician has not set off within the referrer's patience (shorter
  for an ambulance crew on scene than for a GP or a family) is taken to ED;
- a **step-up home IC** patient whose care has not started within about a day and a half goes
  to ED;
- a **step-up IC bed** patient who finds every bed taken is admitted to acute;
- step-down patients (P1 to home IC, P2 to IC beds) wait in their acute bed, so short
  community capacity also holds acute beds (delayed discharges);
- readmissions come back through ED.

For the **baseline** (`scenarios/baseline.yaml`, community services borough-wide) and the
**locality** configuration (`scenarios/locality.yaml`, UCR and home IC in three locality
teams), this notebook adds a step of each capacity on its own, runs it with the **same seed
and replications** as the unchanged scenario (common random numbers: replication *r* of both
sees the same patients), and divides the paired difference by the step to get an effect **per
extra unit** with a 95% interval. It then asks what splitting the teams into localities costs
in admissions.

All modelling is in the scenario files and the `sim` package; this notebook only changes
capacities with `with_changes`, runs, and reads the metrics (`docs/metrics.md`,
`sim/analysis/patience.py`)."""),
    ("code", """\
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from IPython.display import Markdown, display

import sim
from sim.config.capacity import split_capacity, unit_capacities

pd.set_option("display.width", 140)
pd.set_option("display.float_format", "{:,.2f}".format)

SCENARIOS = Path("..") / "scenarios"  # this notebook runs from notebooks/
REPS, RUN_DAYS = 6, 180               # for a report: 20 and 365
PER_YEAR = 365 / RUN_DAYS             # counts over the results period -> a year
STEP = {"ucr": 1, "ic_beds": 5, "ic_home": 5}  # units added for each lever

shipped = sim.load_scenario(SCENARIOS / "baseline.yaml")
SHORT = {"time.run_days": RUN_DAYS, "time.replications": REPS}
base = sim.with_changes(shipped, SHORT)
loc = sim.load_scenario(SCENARIOS / "locality.yaml", {**SHORT, "time.seed": base.time.seed})
t = base.time
print(f"warm-up {t.warmup_days:g} days (as shipped), results {t.run_days:g} days "
      f"(shipped {shipped.time.run_days:g}), follow-up {t.follow_up_days:g} days, "
      f"{t.replications} replications (shipped {shipped.time.replications}), seed {t.seed}")"""),
    ("md", """\
**Run length.** The warm-up is the shipped one (printed above). The run starts empty and the
acute and IC beds, at 93-95% occupancy, settle slowly: with 90 days of warm-up mean acute
occupancy still rises by ~15 beds over the first four months of results, with 180 days it does
not (`docs/calibration.md`). A shorter warm-up would leave the beds less full than in the
calibrated model, so fewer step-up patients would find them full and the effects below would
be understated. What is shortened is the results period and the replications (printed above),
so that the notebook runs in about a minute on two idle cores (6 replications take no longer
than 5 there: three rounds of two). Counts are scaled to **a year** (x 365 / results days).
Because every comparison is paired, a few replications already separate most effects from
zero; for a board paper set `REPS, RUN_DAYS = 20, 365` below, or from the command line, e.g.
`python -m sim sweep scenarios/baseline.yaml --vary services.ucr.capacity=3,4 --reps 20`.

## 1. The levers and the steps

A step has to be large enough for its effect to stand out from the noise of a short run, and
small enough to stay near today's capacity: **+1 UCR clinician**, **+5 IC
beds** and **+5 home IC slots**; the effects are then divided by the step. In the locality
configuration the UCR total is shared among the three teams by need-weighted population
(`split: need_weighted_population`), so the extra clinician goes where that rule puts it, and
the 5 extra home IC slots are shared in proportion to the teams' current caseloads (the
package's largest-remainder split). IC beds are borough-wide in both."""),
    ("code", """\
def levers(scenario):
    \"\"\"Lever -> the changes that add STEP units of it to ``scenario``.\"\"\"
    services = scenario.services
    home = services["ic_home"]
    if home.capacity_by_unit is not None:  # locality teams with their own caseloads
        extra = split_capacity(STEP["ic_home"], list(home.capacity_by_unit.values()))
        home_changes = {f"services.ic_home.capacity_by_unit.{unit}": slots + add
                        for (unit, slots), add in zip(home.capacity_by_unit.items(), extra)}
    else:
        home_changes = {"services.ic_home.capacity": home.capacity + STEP["ic_home"]}
    return {
        "ucr": {"services.ucr.capacity": services["ucr"].capacity + STEP["ucr"]},
        "ic_beds": {"services.ic_beds.capacity": services["ic_beds"].capacity + STEP["ic_beds"]},
        "ic_home": home_changes,
    }


CONFIGS = {"baseline": base, "locality": loc}
VARIANTS = {(config, lever): sim.with_changes(scenario, changes)
            for config, scenario in CONFIGS.items()
            for lever, changes in levers(scenario).items()}

rows = []
for (config, lever), variant in VARIANTS.items():
    before = unit_capacities(CONFIGS[config], CONFIGS[config].services[lever])
    after = unit_capacities(variant, variant.services[lever])
    rows.append({"configuration": config, "lever": lever,
                 "units before": ", ".join(f"{u} {c}" for u, c in before.items()),
                 "units after": ", ".join(f"{u} {c}" for u, c in after.items()),
                 "total before": sum(before.values()), "total after": sum(after.values())})
pd.DataFrame(rows).set_index(["configuration", "lever"])"""),
    ("md", """\
To see what the locality configuration's **organisation** costs, apart from its prevention
and discharge effects (triage, trusted assessment, MDT case management, care home support), we
also run the baseline with only its UCR and home IC split into the locality teams exactly as
`locality.yaml` splits them (same totals, shorter journeys for locality teams). The settings
are read from the locality scenario, so they follow the file.

## 2. Run

The two configurations, the teams-only variant and each configuration with each lever's step
added; every one uses the baseline's seed and replications, so all comparisons are paired."""),
    ("code", """\
def teams_of(scenario, names=("ucr", "ic_home")):
    \"\"\"The changes that organise ``names`` as ``scenario`` does (level, split, capacities).\"\"\"
    changes = {}
    for name in names:
        spec = scenario.services[name]
        changes.update({f"services.{name}.level": spec.level, f"services.{name}.split": spec.split,
                        f"services.{name}.capacity": spec.capacity,
                        f"services.{name}.capacity_by_unit": spec.capacity_by_unit})
    return changes


split_only = sim.with_changes(base, teams_of(loc))
RUNS = {**CONFIGS, "split_only": split_only, **VARIANTS}
results = {key: sim.run_scenario(scenario, jobs=2, progress=False) for key, scenario in RUNS.items()}
print(f"{len(results)} scenarios x {REPS} replications in "
      f"{sum(r.wall_seconds for r in results.values()):.0f} s")"""),
    ("md", """\
## 3. Effect per extra unit

For each lever and configuration: the paired difference (with the step minus without),
divided by the step, with its 95% t-interval across replications. Admissions and ED
attendances are **a year**; acute occupancy is the **mean number of acute beds occupied**
(including patients ready to leave but waiting). Each cell is the mean with its 95% interval
in brackets. The last column is an elasticity: the % change in admissions for 1% more of that
capacity (a per-unit figure times today's capacity, over today's admissions), which compares
levers of very different sizes without comparing their units."""),
    ("code", """\
LABEL = {"ucr": "UCR clinician", "ic_beds": "IC bed", "ic_home": "home IC slot"}
COUNTS = {"emergency_admissions", "ed_attendances", "admissions_after_reneging",
          "admissions_after_balking", "admissions_after_renege:ucr",
          "admissions_after_renege:ic_home", "admissions_after_balk:ic_beds",
          "admissions_after_renege:spa"}
DIFFS = ["diff_mean", "diff_ci_low", "diff_ci_high"]


def paired(a, b, per=1.0):
    \"\"\"sim.compare(a, b) for the whole borough, counts scaled to a year; the difference and
    its interval divided by ``per`` (the step), so they are per extra unit.\"\"\"
    table = sim.compare(results[a].metrics, results[b].metrics)
    table = table[table["locality"] == "all"].set_index("metric").drop(columns="locality")
    table = table.mul(pd.Series(np.where(table.index.isin(COUNTS), PER_YEAR, 1.0),
                                table.index), axis=0)
    table[DIFFS] = table[DIFFS] / per
    return table


def total_capacity(scenario, service):
    return sum(unit_capacities(scenario, scenario.services[service]).values())


per_unit = {(config, lever): paired(config, (config, lever), STEP[lever])
            for (config, lever) in VARIANTS}
rows = []
for (config, lever), table in per_unit.items():
    for metric in ("emergency_admissions", "acute_occupancy_mean", "ed_attendances"):
        rows.append((config, lever, metric, *table.loc[metric, DIFFS]))
    # elasticity: % change in admissions for 1% more of this capacity
    adm = table.loc["emergency_admissions"]
    scale = total_capacity(CONFIGS[config], lever) / adm.a_mean
    rows.append((config, lever, "elasticity", *(adm[DIFFS] * scale)))
effects = pd.DataFrame(rows, columns=["configuration", "lever", "metric", "per_unit",
                                      "ci_low", "ci_high"])


def with_interval(row, digits):
    return (f"{row.per_unit:+,.{digits}f} ({row.ci_low:+,.{digits}f} to "
            f"{row.ci_high:+,.{digits}f})")


DIGITS = {"emergency_admissions": 1, "acute_occupancy_mean": 2, "ed_attendances": 1,
          "elasticity": 3}
COLUMNS = {"emergency_admissions": "admissions a year per extra unit",
           "acute_occupancy_mean": "acute beds occupied per extra unit",
           "ed_attendances": "ED attendances a year per extra unit",
           "elasticity": "% change in admissions per 1% more capacity"}
shown = effects.assign(value=[with_interval(row, DIGITS[row.metric])
                              for row in effects.itertuples()])
shown.pivot(index=["configuration", "lever"], columns="metric", values="value")[
    list(COLUMNS)].rename(columns=COLUMNS)"""),
    ("code", """\
def tornado(effects, metric, ax, xlabel, unit, digits):
    \"\"\"Horizontal bars (baseline and locality) per lever with 95% interval whiskers,
    levers ordered by the size of the baseline effect, largest on top.\"\"\"
    data = effects[effects["metric"] == metric].set_index(["lever", "configuration"])
    order = (data.xs("baseline", level="configuration")["per_unit"].abs()
             .sort_values().index.tolist())
    height = 0.38
    colours = {"baseline": "#4c72b0", "locality": "#dd8452"}
    span = max(data["ci_high"].abs().max(), data["ci_low"].abs().max())
    for k, config in enumerate(["baseline", "locality"]):
        y = np.arange(len(order)) + (0.5 - k) * height  # baseline above locality
        rows = data.xs(config, level="configuration").loc[order]
        whiskers = [rows["per_unit"] - rows["ci_low"], rows["ci_high"] - rows["per_unit"]]
        ax.barh(y, rows["per_unit"], height, color=colours[config], label=config,
                xerr=whiskers, capsize=3, error_kw={"elinewidth": 1})
        for yi, (_, row) in zip(y, rows.iterrows()):
            end = row["ci_low"] if row["per_unit"] < 0 else row["ci_high"]
            ax.text(end + np.sign(end or 1) * 0.03 * span, yi, f"{row['per_unit']:+,.{digits}f}",
                    va="center", ha="right" if end < 0 else "left", fontsize=8)
    ax.set_yticks(range(len(order)),
                  [f"{unit}\\nper extra {LABEL[lever]}\\n(tested as +{STEP[lever]})"
                   for lever in order])
    ax.axvline(0, color="black", linewidth=0.8)
    ax.set_xlim(-1.3 * span, max(0.35 * span, 1.3 * data["ci_high"].max()))
    ax.set_xlabel(xlabel)
    ax.grid(axis="x", alpha=0.3)


fig, axes = plt.subplots(1, 2, figsize=(12, 4.6))
tornado(effects, "emergency_admissions", axes[0],
        "change in emergency admissions a year, per extra unit", "admissions a year", 1)
tornado(effects, "acute_occupancy_mean", axes[1],
        "change in mean acute beds occupied, per extra unit", "acute beds occupied", 2)
axes[0].set_title("Emergency admissions a year per extra unit")
axes[1].set_title("Acute beds occupied per extra unit")
axes[1].legend(title="configuration", loc="lower left")
fig.suptitle(f"Effect of one more unit of community capacity (paired, {REPS} replications, "
             f"95% intervals; bar = mean, whisker = interval)", fontsize=10)
fig.tight_layout()
plt.show()"""),
    ("md", """\
## 4. Why: where the admissions come from

Each admission whose chain of events started with a patient giving up on a service
(reneging) or finding it full (balking) is put down to that service
(`admissions_after_renege:<service>`, `admissions_after_balk:<service>`); the rest are
`other` (walk-in and ambulance attendances admitted, direct admissions, readmissions). The
table splits each lever's admissions effect (a year, per extra unit) by cause, and shows the
change in delayed-discharge bed-days expressed as beds (bed-days / results days), the channel
through which IC capacity frees acute beds."""),
    ("code", """\
CAUSES = {"UCR patient gave up": "admissions_after_renege:ucr",
          "home IC step-up gave up": "admissions_after_renege:ic_home",
          "IC beds full": "admissions_after_balk:ic_beds",
          "SPA call unanswered": "admissions_after_renege:spa"}

rows = []
for (config, lever), table in per_unit.items():
    row = {"configuration": config, "lever": lever}
    for label, metric in CAUSES.items():
        row[label] = table.loc[metric, "diff_mean"]
    total = table.loc["emergency_admissions", "diff_mean"]
    row["other"] = total - sum(row[label] for label in CAUSES)
    row["all admissions"] = total
    row["delayed discharges (beds)"] = (table.loc["delayed_discharge_bed_days", "diff_mean"]
                                         / RUN_DAYS)
    row["acute beds occupied"] = table.loc["acute_occupancy_mean", "diff_mean"]
    rows.append(row)
causes = pd.DataFrame(rows).set_index(["configuration", "lever"])
causes"""),
    ("code", """\
def verdict(row, unit, fewer="fewer", more="more", digits=1):
    \"\"\"Words for a paired interval: clear direction or not distinguishable from zero.\"\"\"
    size = f"{abs(row.diff_mean):,.{digits}f} {unit}"
    span = f"95% interval {row.diff_ci_low:+,.{digits}f} to {row.diff_ci_high:+,.{digits}f}"
    if row.diff_ci_high < 0:
        return f"**{size} {fewer}** ({span})"
    if row.diff_ci_low > 0:
        return f"**{size} {more}** ({span})"
    return f"no change distinguishable from zero ({row.diff_mean:+,.{digits}f}; {span})"


def main_cause(config, lever):
    row = causes.loc[(config, lever), [*CAUSES, "other"]]
    label = row.abs().idxmax()
    return label, row[label]


lines = []
for config in CONFIGS:
    adm = {lever: per_unit[(config, lever)].loc["emergency_admissions"] for lever in STEP}
    beds = {lever: per_unit[(config, lever)].loc["acute_occupancy_mean"] for lever in STEP}
    ranked = sorted(STEP, key=lambda lever: adm[lever].diff_mean)
    lines.append(f"### {config.capitalize()}\\n")
    lines.append("Ranked by admissions avoided per extra unit: "
                 + ", then ".join(f"the {LABEL[lever]}" for lever in ranked) + ".\\n")
    for lever in ranked:
        label, size = main_cause(config, lever)
        elasticity = effects.query("configuration == @config and lever == @lever "
                                   "and metric == 'elasticity'")["per_unit"].iloc[0]
        delayed = causes.loc[(config, lever), "delayed discharges (beds)"]
        lines.append(
            f"- **One more {LABEL[lever]}**: {verdict(adm[lever], 'admissions a year')}; "
            f"acute beds occupied: {verdict(beds[lever], 'beds', digits=2)}. "
            f"Most of the admissions change is in *{label}* ({size:+,.1f} a year); "
            f"delayed discharges change by {delayed:+,.2f} beds. "
            f"A 1% increase in this capacity changes admissions by {elasticity:+.3f}%.")
    raised = [lever for lever in STEP if adm[lever].diff_ci_low > 0 or beds[lever].diff_ci_low > 0]
    if raised:
        lines.append(f"\\n**Warning:** more {', '.join(LABEL[name] for name in raised)} capacity "
                     "clearly *raised* admissions or occupancy here. More capacity should "
                     "never make things worse; this points to a fault in the model.")
    lines.append("")
display(Markdown("\\n".join(lines)))"""),
    ("md", """\
### Why the levers differ

How much one more unit buys depends on two things: how many patients it serves a year, and how
many of them would otherwise have ended in hospital. A UCR clinician is held for hours per
patient, an IC bed or home IC slot for weeks, so they differ in the first; patients who give
up on UCR or home IC go to ED, where many are admitted, and step-up patients who find the IC
beds full are admitted directly, so they differ in the second too. Beds and slots also take
step-down patients out of acute beds sooner (fewer delayed discharges), which changes acute
occupancy without changing admissions. The figures below are from the unchanged runs."""),
    ("code", """\
def rows_of(config):
    summary = results[config].summary()
    return summary[summary["locality"] == "all"].set_index("metric")["mean"]


SERVICE = {"ucr": "UCR", "ic_beds": "the IC beds", "ic_home": "home IC"}
BUSY = {"ucr": "admissions_after_renege:ucr", "ic_beds": "admissions_after_balk:ic_beds",
        "ic_home": "admissions_after_renege:ic_home"}
rows = []
for config, scenario in CONFIGS.items():
    mean = rows_of(config)
    for lever, metric in BUSY.items():
        capacity = total_capacity(scenario, lever)
        asked = mean[f"arrivals:{lever}"] * PER_YEAR
        rows.append({
            "configuration": config, "lever": lever, "units": capacity,
            "requests a year per unit": asked / capacity,
            # Little's law: units held on average = requests a day x days held per request
            "days held per request": mean[f"occupancy_mean:{lever}"] * RUN_DAYS
                                     / mean[f"arrivals:{lever}"],
            "units in use (%)": mean[f"occupancy_pct_mean:{lever}"],
            "admissions a year after it was busy": mean[metric] * PER_YEAR,
            "of requests (%)": 100 * mean[metric] / mean[f"arrivals:{lever}"],
        })
why = pd.DataFrame(rows).set_index(["configuration", "lever"])
why"""),
    ("code", """\
def held(days):
    return f"{24 * days:.1f} hours" if days < 1 else f"{days:.0f} days"


b = why.loc["baseline"]
order = b["admissions a year after it was busy"].sort_values(ascending=False).index
text = [
    "In the baseline, " + "; ".join(
        f"each {LABEL[lever]} is asked for by about "
        f"{b.loc[lever, 'requests a year per unit']:,.0f} patients a year "
        f"(held {held(b.loc[lever, 'days held per request'])} each, "
        f"{b.loc[lever, 'units in use (%)']:.0f}% in use)" for lever in STEP) + ".",
    "Admissions that followed the service being busy: " + "; ".join(
        f"{SERVICE[lever]} "
        f"{b.loc[lever, 'admissions a year after it was busy']:,.0f} a year "
        f"({b.loc[lever, 'of requests (%)']:.1f}% of its requests)" for lever in order) + ".",
    f"So {SERVICE[order[0]]} has the most admissions to win back. One more unit wins back "
    f"only part of them: section 3 says how much, with its interval.",
]
display(Markdown(" ".join(text)))"""),
    ("md", """\
The patience and balking parameters behind these figures are marked L (estimates) in
`scenarios/baseline.yaml`. A unit is not a cost: weigh the per-unit figures against what a
clinician, a bed and a slot cost a year.

## 5. What the locality split costs in admissions

The locality configuration changes two things: it **organises** UCR and home IC as three
locality teams (the same clinicians and slots shared among three teams, shorter journeys), and it adds
**prevention and discharge effects** (triage, trusted assessment, MDT case management, care
home support). The paired differences below separate them: *teams only* is the baseline with
only the split; *everything else* is the locality configuration minus that."""),
    ("code", """\
PARTS = {"locality minus baseline (all changes)": ("baseline", "locality"),
         "locality teams only (UCR and home IC split)": ("baseline", "split_only"),
         "everything else (triage, assessment, MDT, care homes)": ("split_only", "locality")}
WANTED = ["emergency_admissions", "admissions_after_reneging", "admissions_after_balking",
          "ed_attendances", "acute_occupancy_mean", "ucr_within_target_pct", "reneged_pct:ucr",
          "reneged_pct:ic_home"]
split_tables = {part: paired(a, b) for part, (a, b) in PARTS.items()}
pd.concat({part: table.loc[WANTED] for part, table in split_tables.items()},
          names=["comparison", "metric"])"""),
    ("code", """\
fig, axes = plt.subplots(1, 2, figsize=(12, 3.4))
names = list(PARTS)[::-1]
for ax, metric, xlabel in [
        (axes[0], "emergency_admissions", "change in emergency admissions a year"),
        (axes[1], "acute_occupancy_mean", "change in mean acute beds occupied")]:
    rows = pd.DataFrame([split_tables[name].loc[metric] for name in names], index=names)
    whiskers = [rows["diff_mean"] - rows["diff_ci_low"], rows["diff_ci_high"] - rows["diff_mean"]]
    colours = ["#8c8c8c" if "all changes" in name else "#c44e52" if diff > 0 else "#55a868"
               for name, diff in rows["diff_mean"].items()]  # grey: total; red: more; green: fewer
    ax.barh(range(len(names)), rows["diff_mean"], 0.6, xerr=whiskers, capsize=3,
            color=colours)
    span = max(rows["diff_ci_high"].abs().max(), rows["diff_ci_low"].abs().max())
    for y, (_, row) in enumerate(rows.iterrows()):
        end = row["diff_ci_low"] if row["diff_mean"] < 0 else row["diff_ci_high"]
        ax.text(end + np.sign(end or 1) * 0.03 * span, y, f"{row['diff_mean']:+,.1f}",
                va="center", ha="right" if end < 0 else "left", fontsize=8)
    ax.set_xlim(-1.35 * span, 1.35 * span)
    ax.axvline(0, color="black", linewidth=0.8)
    ax.set_xlabel(xlabel)
    ax.grid(axis="x", alpha=0.3)
axes[0].set_yticks(range(len(names)), names)
axes[1].set_yticks(range(len(names)), [""] * len(names))
axes[0].set_title("Emergency admissions a year")
axes[1].set_title("Acute beds occupied")
fig.suptitle(f"Locality configuration against baseline, split into its parts (paired, "
             f"{REPS} replications, 95% intervals)", fontsize=10)
fig.tight_layout()
plt.show()"""),
    ("code", """\
total, teams, rest = (split_tables[part].loc["emergency_admissions"] for part in PARTS)
after = split_tables["locality teams only (UCR and home IC split)"]
reneging = after.loc["admissions_after_reneging"]
ucr_2h = after.loc["ucr_within_target_pct"]
a_adm = total.a_mean
ucr_units = unit_capacities(loc, loc.services["ucr"])
lines = [
    f"- **Locality minus baseline, all changes:** {verdict(total, 'admissions a year')}, "
    f"{100 * total.diff_mean / a_adm:+.1f}% of the baseline's {a_adm:,.0f} a year.",
    f"- **The teams alone** (UCR split {', '.join(f'{u} {c}' for u, c in ucr_units.items())} "
    f"clinicians; home IC split by caseload): {verdict(teams, 'admissions a year')}. "
    f"Admissions after a patient gave up waiting change by "
    f"{verdict(reneging, 'a year')}, and UCR within 2 hours by "
    f"{verdict(ucr_2h, 'percentage points', fewer='lower', more='higher')}.",
    f"- **Everything else** (prevention and discharge effects): "
    f"{verdict(rest, 'admissions a year')}.",
]
if teams.diff_ci_low > 0:
    slope = -per_unit[("locality", "ucr")].loc["emergency_admissions", "diff_mean"]
    words = ("\\nSplitting the teams **costs** admissions: the pooling lost by small teams "
             "outweighs their shorter journeys.")
    if rest.diff_mean < 0:
        words += (f" It gives back {100 * teams.diff_mean / -rest.diff_mean:.0f}% of the "
                  f"{-rest.diff_mean:,.0f} admissions a year that the other changes avoid.")
    if slope > 0:
        words += (f" At the locality configuration's own rate per extra UCR clinician "
                  f"({slope:,.0f} admissions a year; a local slope, so a rough guide), winning "
                  f"the cost back would take about {teams.diff_mean / slope:.1f} more "
                  f"clinicians.")
    lines.append(words)
elif teams.diff_ci_high < 0:
    lines.append("\\nSplitting the teams *saves* admissions here: their shorter journeys "
                 "outweigh the pooling lost.")
else:
    lines.append("\\nWith this many replications the teams' own effect on admissions cannot "
                 "be told apart from zero.")
display(Markdown("\\n".join(lines)))"""),
    ("md", """\
## 6. Caveats and next steps

- Intervals cover simulation noise only, from the few short paired replications above. The patience
  times, the balking rule and the prevention effect sizes are estimates (L in the scenario
  files): vary them (e.g. `uncertain:` in a scenario, `docs/patience.md`) before quoting a
  figure.
- The per-unit figures are local slopes around today's capacity. They are not constant: a
  second extra clinician does less than the first once nearly every crisis is reached in
  time. Sweep a range to see the curve: `python -m sim sweep scenarios/baseline.yaml --vary
  services.ucr.capacity=3:6:1 --metrics emergency_admissions acute_occupancy_mean`.
- Adding capacity to one locality team rather than the total (e.g. the team with the
  longest waits) is a further what-if: change `services.ic_home.capacity_by_unit.<team>` or
  give UCR its own `capacity_by_unit`."""),
]

if __name__ == "__main__":
    write(CELLS, TARGET)
