"""Every metric, declared once: label, unit, possible values, better direction, target, which
rows it has, what it means, and the function computing it.

``sim.analysis.registry`` looks names up here; the spreadsheet, the HTML report, the
intervals, the command line and the metric tables of ``docs/metrics.md`` and
``docs/winter.md`` (``python -m sim metrics --write-docs``) all come from these entries. A
name is a metric (``emergency_admissions``), a per-service pattern (``arrivals:<service>``)
or a per-pathway pattern (``readmissions_30d_<pathway>``, any tag the scenario's acute
routes give: ``P1``, ``ESD``). In the text, *acute*, *ED* etc. are the services in those
roles in the scenario's ``reporting`` section, and *the period* is the results period in
``summary.csv`` and, for the metrics also in ``weekly.csv`` and ``monthly.csv``
(``in_periods``), each week or month there: one definition serves both.
"""

from __future__ import annotations

from sim.analysis.metric_info import MetricInfo
from sim.analysis.metrics import FOLLOW_UP_DAYS
from sim.analysis.spells import OCCUPANCY_THRESHOLDS_PCT

SERVICE = "<service>"
RESPONSE_TARGET = "{response_target}"  # in a label: the scenario's UCR target ("2 hours")
PATHWAY = "<pathway>"
AGE_BAND = "<age_band>"

_LEVELS = (f"{', '.join(f'{level}%' for level in OCCUPANCY_THRESHOLDS_PCT[:-1])} or "
           f"{OCCUPANCY_THRESHOLDS_PCT[-1]}%")  # "92%, 95% or 100%"
_DAYS_ABOVE = (
    "days of the period whose time-weighted mean acute occupancy (`start` to `leave`, as "
    f"`acute_occupancy_mean`, over that calendar day) is strictly above {_LEVELS} of core "
    "capacity (a day exactly full is not above 100%); only when the acute capacity is finite "
    "and not zero. A last partial day counts as a day")
_AFTER_BUSY = (
    "emergency admissions (acute `queue` in the results period) whose patient's latest `balk` "
    "(or `renege`) at any service came after they last left the acute ward or ED: the chain of "
    "events that led to this admission began with a service being full (or slow)")
_ED_AFTER_BUSY = "as the admissions after balking or reneging, for ED `queue` events"

METRICS: dict[str, MetricInfo] = {
    # --- admissions and hospital ------------------------------------------------------------
    "emergency_admissions": MetricInfo(
        label="Emergency admissions", unit="admissions", better="lower", group="hospital",
        computed_by="measures.admissions",
        definition="number of `queue` events at acute in the period: every decision to admit from ED "
        "(counted at the decision, whether or not a bed was free), every direct admission, "
        "and every readmission. Same number as `arrivals:<acute>`",
        reading="depends on the length of the results period; use the rate below to compare "
        "with published figures",
        in_periods=True),
    "emergency_admissions_per_1000": MetricInfo(
        label="Emergency admissions per 1,000 residents", unit="per 1,000 a year",
        better="lower", group="hospital", computed_by="metrics._headline",
        definition="`emergency_admissions / population x 1000 / (run_days / 365)`",
        reading="all ages, so not comparable with domain.md's 65+ figures (~250 per 1,000; by "
        "band ~150 / ~280 / ~480, L): `emergency_admissions_per_1000_<age_band>` is; for a "
        "B - A comparison, relative changes from "
        "integration were modest: Encompass -7.3% over ~3 years, Rotherham's pilot locality "
        "-2.1% against +0.7% elsewhere, pioneers' growth 1.9% vs 4.8% (not significant)"),
    f"emergency_admissions_per_1000_{AGE_BAND}": MetricInfo(
        label="Emergency admissions per 1,000 residents aged {age_band}",
        unit="per 1,000 a year", better="lower", group="hospital",
        computed_by="metrics._admissions_by_age",
        definition="for each age band of the scenario's geography (`65-74`, `75-84`, `85+`, "
        "`0-64`), and for `65+` (every band starting at 65 or over): acute `queue` events in "
        "the results period of patients in that band `/ residents of the band x 1000 / "
        "(run_days / 365)`; NaN where the band has no residents. A patient's band is the one "
        "they arrived in (no ageing during a run)",
        reading="England 65+ ~250 per 1,000 a year (Hansard 2012, M); by band ~150 / ~280 / "
        "~480 (65-74 / 75-84 / 85+, estimates, L)"),
    "acute_occupancy_mean": MetricInfo(
        label="Acute beds occupied (mean)", unit="beds", better="lower", group="hospital",
        computed_by="measures.acute_occupancy",
        definition="time-weighted mean number of acute beds held (from `start` to `leave`, so including "
        "patients ready to leave but waiting) over the period",
        reading="compare with the number of beds; per locality, the beds its residents occupy",
        in_periods=True),
    "acute_occupancy_p95": MetricInfo(
        label="Acute beds occupied (95th percentile)", unit="beds", better="lower",
        group="hospital", computed_by="metrics._acute_occupancy",
        definition="the number of beds in use that is not exceeded for 95% of the results "
        "period (time-weighted)",
        reading="how close the hospital comes to full on busy days; compare with the number "
        "of beds"),
    "acute_occupancy_pct_mean": MetricInfo(
        label="Acute bed occupancy", unit="% of core beds", better="lower", target=92.0,
        target_source="NHS planning guidance: at most 92%", scope="all", group="hospital",
        computed_by="measures.acute_occupancy",
        definition="`100 x acute_occupancy_mean / core capacity` (the beds the scenario gives acute, "
        "without escalation beds, rosters or closures); only when the acute capacity is "
        "finite and not zero (as all % of core capacity metrics)",
        reading="NHS target <= 92%; winter peaks ~93-95% (H / L). A&E 4-hour performance falls "
        "~3 points from <88% to 88-92% and up to ~8 at 100% (M)",
        in_periods=True),
    "acute_occupancy_max_day": MetricInfo(
        label="Acute beds occupied (busiest day)", unit="beds", better="lower", scope="all",
        computed_by="measures.acute_occupancy",
        definition="the highest of the period's **daily** means: each day's time-weighted mean "
        "occupancy, then the largest in the period (not the highest moment)",
        in_periods=True),
    "acute_occupancy_pct_max_day": MetricInfo(
        label="Acute occupancy (busiest day)", unit="% of core beds", better="lower",
        scope="all", computed_by="measures.acute_occupancy",
        definition="`acute_occupancy_max_day` as % of core capacity",
        in_periods=True),
    "ed_boarding_mean": MetricInfo(
        label="Patients waiting in ED for a bed (mean)", unit="patients", better="lower",
        scope="all", computed_by="measures.ed_boarding",
        definition="time-weighted mean number of patients waiting in ED for an acute bed (from the "
        "decision to admit, an acute `queue` straight after ED, to the acute `start`)",
        in_periods=True),
    "ed_boarding_hours_mean": MetricInfo(
        label="Wait in ED for a bed (mean)", unit="hours", better="lower", group="hospital",
        computed_by="measures.ed_boarding",
        definition="patients whose acute `queue` in the period came straight from ED (the previous event "
        "of the patient is at ED): mean hours from the decision to admit to getting a bed "
        "(acute `start`); still waiting at the horizon: counted to the horizon. Includes "
        "those admitted at once (0 hours). Direct admissions and readmissions are excluded; "
        "missing when there were none",
        reading="time spent boarding in ED (\"trolley wait\"); rises steeply as acute "
        "occupancy approaches 100%. No figure in domain.md",
        in_periods=True),
    "ed_boarding_over_12h": MetricInfo(
        label="ED waits for a bed over 12 hours", unit="admissions", better="lower",
        group="hospital", computed_by="metrics._boarding",
        definition="number of the same admissions whose wait for a bed exceeded 12 hours",
        reading="counts 12-hour trolley waits (decision to admit to admission)"),
    "ed_attendances": MetricInfo(
        label="ED attendances", unit="attendances", better="lower", group="hospital",
        computed_by="metrics._headline",
        definition="number of `queue` events at ED in the results period: walk-in and "
        "ambulance attendances, SPA referrals sent to ED, UCR patients conveyed",
        reading="~300 type-1 attendances per 1,000 a year is the calibration target (see "
        "`docs/calibration.md`); the share admitted compares with 47% of attenders aged 65+ "
        "(HES 2015, M)"),
    # --- winter pressure ----------------------------------------------------------------------
    **{f"acute_days_above_{level}pct": MetricInfo(
        label=f"Days above {level}% acute occupancy", unit="days", kind="days", better="lower",
        scope="all", group="winter", computed_by="measures.acute_occupancy",
        definition=_DAYS_ABOVE, in_periods=True,
        reading="NHS target <= 92%; winter peaks ~93-95% (H / L). Above 100% needs escalation "
        "beds open")
       for level in OCCUPANCY_THRESHOLDS_PCT},
    "peak_week_acute_occupancy_pct": MetricInfo(
        label="Acute occupancy in the peak week", unit="% of core beds", better="lower",
        scope="all", group="winter", computed_by="metrics._acute_pressure",
        definition="the highest mean acute occupancy of any **full** ISO week (Monday to "
        "Sunday, all 7 days in the results period), as % of core capacity; missing when there "
        "is no full week; only when the acute capacity is finite and not zero",
        reading="how bad the worst week gets; each replication's busiest week may differ, so "
        "this is at least the occupancy of the busiest week of the mean profile (the peak week "
        "of `winter.md`)"),
    "escalation_days": MetricInfo(
        label="Days with escalation beds open", unit="days", kind="days", better="lower",
        scope="all", group="winter", computed_by="metrics._acute_pressure",
        definition="days of the results period on which any escalation capacity of the acute "
        "service was open (at any unit, at any time of the day; capacity borrowed by mutual "
        "aid counts), from the capacity log; 0 without escalation",
        reading="how often escalation beds are needed; see `escalation.csv` for the episodes"),
    # --- discharge and delays -----------------------------------------------------------------
    "delayed_discharges_mean": MetricInfo(
        label="Delayed discharges in hospital (mean)", unit="patients", better="lower",
        scope="all", computed_by="measures.delayed_discharges",
        definition="time-weighted mean number of patients in an acute bed after `ready` (medically "
        "optimised) and before `leave`: the average number delayed on a day of the period",
        in_periods=True),
    "delayed_discharge_bed_days": MetricInfo(
        label="Delayed discharge bed-days", unit="bed-days", better="lower", group="discharge",
        computed_by="measures.delayed_discharges",
        definition="for every acute stay, the time from `ready` (medically optimised, no criteria to "
        "reside) to `leave` (the bed is given back), clipped to the period and summed "
        "(`delayed_discharges_mean x days`), so the weeks' and months' bed-days add up to the "
        "results period's. Counts the part inside the period of delays that began before it "
        "(in the warm-up too) or run past its end; a delay not ended by the horizon runs to "
        "the horizon (then clipped). Includes the hand-off delay (assessments, medicines, "
        "transport) and the wait for P1-P3 capacity, for every pathway including P0; deaths "
        "in hospital add nothing unless the route to `died` has a hand-off delay",
        reading="bed-days lost to delayed discharge; x GBP 346 per delayed acute bed-day "
        "(BNSSG 2022, M) gives a cost",
        in_periods=True),
    f"delayed_discharges_mean_{PATHWAY}": MetricInfo(
        label="Delayed discharges in hospital (mean), {pathway}", unit="patients",
        better="lower", scope="all", computed_by="measures.delayed_discharges",
        definition="`delayed_discharges_mean` for stays discharged on that pathway (P0-P3 in the shipped "
        "scenarios; deaths are in the totals only, as in `summary.csv`)",
        in_periods=True),
    f"delayed_discharge_bed_days_{PATHWAY}": MetricInfo(
        label="Delayed discharge bed-days, {pathway}", unit="bed-days", better="lower",
        group="discharge", computed_by="measures.delayed_discharges",
        definition="`delayed_discharge_bed_days` for stays discharged on that pathway (deaths are in the "
        "totals only)",
        reading="where the delay sits: assessment (all pathways) or waiting for community "
        "capacity (P1-P3)",
        in_periods=True),
    "nctr_patients_per_100k": MetricInfo(
        label="Patients no longer meeting the criteria to reside, per 100,000 residents",
        unit="patients per 100,000",
        better="lower", group="discharge", computed_by="metrics._delayed_discharges",
        definition="`delayed_discharge_bed_days / run_days / population x 100000`: the average "
        "number of patients in an acute bed who were ready to leave, per 100,000 residents",
        reading="~13,400 a day not meeting criteria to reside in England in winter 2022/23, "
        "~23 per 100k (House of Commons Library 2023, H), and above 13,000 a day all year since "
        "2022, so not only a winter figure; the NHS count covers every pathway, like this one"),
    "ready_to_discharge_days_mean": MetricInfo(
        label="Ready to discharge to discharge (mean)", unit="days", better="lower",
        group="discharge", computed_by="metrics._delayed_discharges",
        definition="acute stays that became `ready` in the results period and leave on a "
        "discharge pathway (P0-P3; deaths excluded): mean days from `ready` to `leave`; still "
        "in the bed at the horizon: counted to the horizon",
        reading="mean wait from fit-for-discharge to discharge: 1.3 days in England, regions "
        "1.0-2.1 (Health Foundation 2022, H). Includes patients who left without delay"),
    f"waited_for_capacity_pct_{PATHWAY}": MetricInfo(
        label="Discharges that waited for community capacity, {pathway}",
        unit="% of discharges", kind="share", better="lower", group="discharge",
        computed_by="metrics._waited_for_capacity",
        definition="for each pathway tag on an acute route into a team, ward or caseload "
        "(baseline: P1 into `ic_home`, P2 into `ic_beds`): of the patients asking for that "
        "service straight from the acute ward on that pathway in the results period (its "
        "`queue` event follows their acute `ready`), the share whose `start` came later than "
        "their `queue`, i.e. who found no free unit; still waiting at the horizon counts as "
        "waited",
        reading="P1 / P2 patients delayed in hospital: 23.6% / 42.1% (Health Foundation 2024, "
        "H). The published figure also counts delays for assessments, which here are the "
        "hand-off delay, not a wait for capacity"),
    "readmissions_30d": MetricInfo(
        label="Readmissions within 30 days", unit="readmissions", better="lower",
        group="discharge", computed_by="metrics._readmissions",
        definition="acute discharges (`leave` on a discharge pathway, P0-P3) in the results "
        f"period followed by an acute `queue` of the same patient within {FOLLOW_UP_DAYS:g} "
        "days (strictly after the discharge; the admission may fall in the follow-up period). "
        "Counted per discharge, so at most one per discharge",
        reading="emergency readmissions within 30 days; in the shipped scenarios they return "
        "through ED (tagged pathway `readmission`), so they count in `ed_attendances` and can "
        "board in ED"),
    "readmission_rate_30d_pct": MetricInfo(
        label="30-day readmission rate", unit="% of discharges", kind="share", better="lower",
        group="discharge", computed_by="metrics._readmissions",
        definition="`100 x readmissions_30d / discharges` (same discharges)",
        reading="England ~14% all ages is the figure the baseline file cites (estimate); not "
        "in domain.md"),
    f"readmissions_30d_{PATHWAY}": MetricInfo(
        label="Readmissions within 30 days, {pathway}", unit="readmissions", better="lower",
        group="discharge", computed_by="metrics._readmissions",
        definition="`readmissions_30d` for discharges on that pathway (a readmission from home "
        "IC counts against P1)",
        reading="P3 (care home placement) is never readmitted in the shipped scenarios"),
    # --- single point of access and urgent community response --------------------------------
    "spa_referrals": MetricInfo(
        label="SPA referrals", unit="referrals", group="community_response",
        computed_by="metrics._headline",
        definition="number of `queue` events at the SPA in the results period",
        reading="demand on the single point of access"),
    "ucr_referrals": MetricInfo(
        label="UCR referrals", unit="referrals", group="community_response",
        computed_by="measures.ucr_responses_in_time",
        definition="number of `queue` events at UCR in the period (after SPA triage)",
        reading="crisis response IC starts ~940 per 100,000 a year (Health Foundation 2024, "
        "M-H): `ucr_referrals / population x 100000 / (run_days / 365)`",
        in_periods=True),
    "ucr_within_target_pct": MetricInfo(
        label=f"UCR reached within {RESPONSE_TARGET}", unit="% of referrals", kind="share",
        better="higher", target=70.0, target_source="national UCR standard: at least 70%",
        group="community_response", computed_by="measures.ucr_responses_in_time",
        definition="UCR referrals (`queue`) in the period: share whose clinician reached the patient "
        "(`visit`; a referrer who gave up, `renege`, was not reached) within the service's "
        "`response_target_hours` (2 hours in the shipped scenarios; the label names the "
        "scenario's target) of the referral. The clock starts when the referral reaches UCR "
        "(SPA triage time not included) and includes the wait for a free clinician and the "
        "travel. A referral not reached by the horizon counts as missed if the target had "
        "passed by the horizon (always, with a follow-up of 30 days), otherwise it is left "
        "out; missing when there were none",
        reading="national standard >= 70% (H); 85% achieved nationally in Sep 2024 (NHS England, H)",
        in_periods=True),
    "ucr_response_hours_mean": MetricInfo(
        label="UCR response time (mean)", unit="hours", better="lower",
        group="community_response", computed_by="metrics._ucr",
        definition="mean hours from referral to `visit` for the same referrals, leaving out "
        "those not reached by the horizon",
        reading="average response time"),
    "ucr_managed_at_home_pct": MetricInfo(
        label="UCR episodes managed at home", unit="% of episodes", kind="share",
        better="higher", group="community_response", computed_by="metrics._ucr",
        definition="UCR episodes that ended (`leave`) in the results period: share whose next "
        "service is neither ED nor acute (home, step-up IC or any other service)",
        reading="67% managed at home nationally (NHS England, Dec 2024, H); ~76% at one inner-city "
        "service (Age and Ageing 2023, M); here conveyance "
        "to ED counts as not at home even when ED sends the patient home, so expect a figure "
        "at or below a \"not admitted\" share"),
    # --- intermediate care --------------------------------------------------------------------
    "ic_bed_occupancy_mean": MetricInfo(
        label="IC beds occupied (mean)", unit="beds", group="intermediate_care",
        computed_by="metrics._ic",
        definition="time-weighted mean number of bedded IC places held over the results "
        "period, summed over the `ic_beds` services; includes patients keeping the bed while "
        "waiting for a care home",
        reading="D2A capacity in one system: P2 ~19 beds per 100k (BNSSG 2022, M); see "
        "`occupancy_pct_mean:<service>` for the share of beds used"),
    "ic_home_caseload_mean": MetricInfo(
        label="Home IC caseload (mean)", unit="people", group="intermediate_care",
        computed_by="metrics._ic",
        definition="the same for the `ic_home` services (slots held)",
        reading="P1 caseload ~23 per 100k (BNSSG 2022, M)"),
    "ic_bed_starts_per_100k": MetricInfo(
        label="IC bed starts per 100,000 residents", unit="per 100,000 a year",
        group="intermediate_care", computed_by="metrics._ic",
        definition="`start` events at the IC bed services (reporting role `ic_beds`) in the "
        "results period, step-up and step-down, `/ population x 100000 / (run_days / 365)`",
        reading="bed-based intermediate care admissions; compare with the National Audit of "
        "IC's bed-based starts per 100,000 (H)"),
    "ic_home_starts_per_100k": MetricInfo(
        label="Home IC starts per 100,000 residents", unit="per 100,000 a year",
        group="intermediate_care", computed_by="metrics._ic",
        definition="`start` events at the home IC services (reporting role `ic_home`) in the "
        "results period, `/ population x 100000 / (run_days / 365)`",
        reading="home-based intermediate care and reablement starts: about 1,400 per 100,000 "
        "a year in England (Health Foundation 2024, H)"),
    "ic_wait_days_mean": MetricInfo(
        label="Wait to start intermediate care (mean)", unit="days", better="lower",
        group="intermediate_care", computed_by="metrics._ic",
        definition="every `queue` at an IC service (beds and home together) in the results "
        "period: mean days to `start`; not started by the horizon: counted to the horizon. "
        "Step-down patients wait in their acute bed, step-up patients at home. The acute "
        "assessment hand-off comes before the `queue`, so it is not part of this wait",
        reading="wait to start IC: bed 3.0 d, home 6.3 d, reablement 8.7 d (National Audit of "
        "IC 2015, H); NICE QS173 target for bed-based: 2 d. Use `wait_days_mean:<service>` to "
        "compare beds and home separately. The audit measures from referral, so includes "
        "assessment time this excludes"),
    # --- community alternatives and prevention ------------------------------------------------
    "community_episodes": MetricInfo(
        label="Step-up community episodes", unit="patients", group="prevention",
        computed_by="metrics._community_episodes",
        definition="patients with a step-up community episode starting in the results period: "
        "a `start` at UCR or an IC service before the patient's first acute `start` (if any). "
        "One per patient, their first such start",
        reading="volume of crises handled first in the community"),
    "community_episodes_without_admission": MetricInfo(
        label="Community episodes not admitted within 30 days", unit="patients",
        group="prevention", computed_by="metrics._community_episodes",
        definition="those patients with no acute `queue` within 30 days after that start",
        reading="**not a causal estimate.** Many of these patients would not have been "
        "admitted anyway, and people in crisis recover without intervention (regression to "
        "the mean, Roland et al. 2005). To credit a configuration with avoided admissions, "
        "compare `emergency_admissions` between scenarios (B - A)"),
    "crises_prevented": MetricInfo(
        label="Crises prevented by policies", unit="crises", better="higher", group="prevention",
        computed_by="metrics._headline",
        definition="number of crises that a policy prevented (`prevented` events, at the time "
        "the crisis would have arrived) in the results period, from MDT case management of the "
        "high-risk cohort and care home support",
        reading="the policies' assumed effect, as set in the scenario: enhanced care home "
        "support -18% to -23% of care home residents' admissions (IAU 2017-2019, M); MDT case "
        "management: no reduction in the first years (IAU)"),
    # --- when a service is busy (docs/patience.md) --------------------------------------------
    f"balked:{SERVICE}": MetricInfo(
        label="{service}: patients turned away when full", unit="patients", better="lower",
        group="busy", computed_by="patience.when_busy_rows",
        definition="`balk` events at the service in the results period: patients who found it "
        "busy on asking (no unit free, and the queue and expected-wait conditions met) and "
        "went to its alternative at once",
        reading="e.g. step-up bed patients admitted to acute because every IC bed was taken"),
    f"balked_pct:{SERVICE}": MetricInfo(
        label="{service}: turned away when full, of all requests", unit="% of all requests",
        kind="share", better="lower", group="busy", computed_by="patience.when_busy_rows",
        definition="`100 x balked / (queue + balk events)` in the results period: every "
        "request, step-down transfers included, who may never balk (a blocking route from "
        "acute waits in the bed)",
        reading="the loss probability; Erlang B(c, a) when every patient balks on finding all "
        "c units busy (checked in `python -m sim verify`). Where step-down transfers do not "
        "balk, read `balked_pct_step_up:<service>` for the share of referrals refused"),
    f"balked_pct_step_up:{SERVICE}": MetricInfo(
        label="{service}: step-up referrals turned away when full",
        unit="% of step-up referrals", kind="share", better="lower", group="busy",
        computed_by="patience.when_busy_rows",
        definition="for services an acute route leads to: `100 x balked / (queue + balk)` of "
        "the requests in the results period that are step-up referrals: the patient's latest "
        "`ready` or `leave` before asking (the end of the visit they come from) was not at "
        "acute (UCR, SPA, home IC, or on arrival)",
        reading="the share of community referrals refused a place; the baseline's IC beds "
        "refuse ~40% of step-up referrals while `balked_pct:ic_beds` reads ~10%"),
    f"balked_pct_step_down:{SERVICE}": MetricInfo(
        label="{service}: step-down transfers turned away when full",
        unit="% of step-down transfers", kind="share", better="lower", group="busy",
        computed_by="patience.when_busy_rows",
        definition="as `balked_pct_step_up:<service>`, for the requests straight from the "
        "acute ward (the latest `ready` or `leave` before asking was at acute)",
        reading="0 where the acute route into the service is blocking with `when_busy: {}` "
        "(the patient waits in the acute bed: a delayed discharge)"),
    f"reneged:{SERVICE}": MetricInfo(
        label="{service}: patients who stopped waiting", unit="patients", better="lower",
        group="busy", computed_by="patience.when_busy_rows",
        definition="patients asking (`queue`) in the results period whose wait ended in "
        "`renege`: their patience ran out before a unit started on them",
        reading="e.g. UCR referrals whose referrer took the person to ED"),
    f"reneged_pct:{SERVICE}": MetricInfo(
        label="{service}: stopped waiting, of all who queued", unit="% of all who queued",
        kind="share", better="lower", group="busy", computed_by="patience.when_busy_rows",
        definition="`100 x reneged / queue events` in the results period, step-up and "
        "step-down together",
        reading="abandonment probability; Erlang A (M/M/c+M) with exponential patience "
        "(checked in `python -m sim verify`). NHS 111 aimed for < 5% of calls abandoned (M)"),
    f"reneged_pct_step_up:{SERVICE}": MetricInfo(
        label="{service}: step-up referrals who stopped waiting",
        unit="% of step-up referrals who queued", kind="share", better="lower", group="busy",
        computed_by="patience.when_busy_rows",
        definition="for services an acute route leads to: `100 x reneged / queue events` of "
        "the step-up referrals (as `balked_pct_step_up:<service>`) queueing in the results "
        "period",
        reading="community referrals whose patience ran out before a place"),
    f"reneged_pct_step_down:{SERVICE}": MetricInfo(
        label="{service}: step-down transfers who stopped waiting",
        unit="% of step-down transfers who queued", kind="share", better="lower",
        group="busy", computed_by="patience.when_busy_rows",
        definition="as `reneged_pct_step_up:<service>`, for the transfers straight from the "
        "acute ward",
        reading="0 where patients waiting in the acute bed wait as long as it takes"),
    f"renege_wait_hours_mean:{SERVICE}": MetricInfo(
        label="{service}: wait before giving up (mean)", unit="hours", scope="all",
        group="busy", computed_by="patience.when_busy_rows",
        definition="mean hours from `queue` to `renege` of the same patients",
        reading="how long people waited before giving up"),
    "admissions_after_balking": MetricInfo(
        label="Admissions after finding a service full", unit="admissions", better="lower",
        group="busy", computed_by="patience._put_down_to_busy", definition=_AFTER_BUSY,
        reading="admissions put down to community capacity; they fall as capacity rises. A "
        "B - A difference of `emergency_admissions` is the causal figure; these say where it "
        "comes from"),
    "admissions_after_reneging": MetricInfo(
        label="Admissions after giving up waiting for a service", unit="admissions",
        better="lower", group="busy", computed_by="patience._put_down_to_busy",
        definition=_AFTER_BUSY,
        reading="admissions put down to community capacity; they fall as capacity rises. A "
        "B - A difference of `emergency_admissions` is the causal figure; these say where it "
        "comes from"),
    f"admissions_after_balk:{SERVICE}": MetricInfo(
        label="Admissions after finding {service} full", unit="admissions", better="lower",
        group="busy", computed_by="patience._put_down_to_busy",
        definition="the same, by the service that was busy",
        reading="e.g. `admissions_after_renege:ucr`, `admissions_after_balk:ic_beds`"),
    f"admissions_after_renege:{SERVICE}": MetricInfo(
        label="Admissions after giving up on {service}", unit="admissions", better="lower",
        group="busy", computed_by="patience._put_down_to_busy",
        definition="the same, by the service that was busy",
        reading="e.g. `admissions_after_renege:ucr`, `admissions_after_balk:ic_beds`"),
    "ed_attendances_after_balking": MetricInfo(
        label="ED attendances after finding a service full", unit="attendances",
        better="lower", group="busy", computed_by="patience._put_down_to_busy",
        definition=_ED_AFTER_BUSY,
        reading="ED demand that community capacity could have absorbed"),
    "ed_attendances_after_reneging": MetricInfo(
        label="ED attendances after giving up waiting for a service", unit="attendances",
        better="lower", group="busy", computed_by="patience._put_down_to_busy",
        definition=_ED_AFTER_BUSY,
        reading="ED demand that community capacity could have absorbed"),
    f"ed_attendances_after_balk:{SERVICE}": MetricInfo(
        label="ED attendances after finding {service} full", unit="attendances",
        better="lower", group="busy", computed_by="patience._put_down_to_busy",
        definition=_ED_AFTER_BUSY + ", by the service that was busy",
        reading="ED demand that community capacity could have absorbed"),
    f"ed_attendances_after_renege:{SERVICE}": MetricInfo(
        label="ED attendances after giving up on {service}", unit="attendances",
        better="lower", group="busy", computed_by="patience._put_down_to_busy",
        definition=_ED_AFTER_BUSY + ", by the service that was busy",
        reading="ED demand that community capacity could have absorbed"),
    # --- costs, at the scenario's price year (sim.config.costs) -------------------------------
    f"cost:{SERVICE}": MetricInfo(
        label="{service}: cost", unit="GBP", better="lower", group="costs",
        computed_by="costs.cost_metrics",
        definition="for a service in `per_occupied_day`: unit-days occupied in the results "
        "period (sum of each day's time-weighted mean occupancy in `daily.csv`, i.e. "
        "`occupancy_mean:<service> x run_days`) x GBP per unit-day; for a team in "
        "`per_staff_hour`: busy staff-days x 24 x GBP per staff hour with patients",
        reading="what the capacity *used* costs, not the capacity provided: an empty bed costs "
        "nothing here. PSSRU prices community staff per hour of patient-related work, which "
        "already spreads the time not spent with patients"),
    "cost_total": MetricInfo(
        label="Cost of the care modelled", unit="GBP", better="lower", group="costs",
        computed_by="costs.cost_metrics",
        definition="sum of `cost:<service>` over the priced services",
        reading="compare B - A in `comparison.csv`; the localities add up to `all`"),
    "delayed_discharge_cost": MetricInfo(
        label="Cost of delayed discharge bed-days", unit="GBP", better="lower", group="costs",
        computed_by="costs.cost_metrics",
        definition="`delayed_discharge_bed_days x delayed_bed_day`",
        reading="not part of `cost_total`: those bed-days are already acute bed-days. BNSSG "
        "2022: GBP 346 per delayed acute bed-day (M)"),
    # --- per service: every team, ward and caseload -------------------------------------------
    f"arrivals:{SERVICE}": MetricInfo(
        label="Requests for {service}", unit="requests", scope="all", group="service",
        computed_by="metrics._per_service",
        definition="number of `queue` events at the service in the results period (a patient "
        "may ask more than once, e.g. readmissions at acute)",
        reading="IC starts per 100,000 a year: home-based ~1,060, bed-based ~240, reablement "
        "~340, crisis response ~940 (Health Foundation 2024, M-H): "
        "`arrivals / population x 100000 / (run_days / 365)`"),
    f"occupancy_mean:{SERVICE}": MetricInfo(
        label="{service}: units in use (mean)", unit="units", scope="all", group="service",
        computed_by="metrics._per_service",
        definition="time-weighted mean number of units (staff, beds, slots) held (`start` to "
        "`leave`) over the results period. A team's clinician is held while travelling, "
        "treating and handing off; an ED place is held while boarding",
        reading="busy units; with the capacity, how stretched the service is"),
    f"occupancy_pct_mean:{SERVICE}": MetricInfo(
        label="{service}: occupancy", unit="% of capacity", better="lower", scope="all",
        group="service", computed_by="metrics._per_service",
        definition="`100 x occupancy_mean / total capacity` over all units of the service; "
        "only when every unit's capacity is finite and the total is not zero (so no row for "
        "an `unlimited` ED)",
        reading="above ~85-90% queues grow quickly; acute target <= 92%"),
    f"wait_days_mean:{SERVICE}": MetricInfo(
        label="{service}: wait to start (mean)", unit="days", better="lower", scope="all",
        group="service", computed_by="metrics._per_service",
        definition="every `queue` at the service in the results period: mean days to `start` "
        "(for a team, to a clinician being allocated, before travel); not started by the "
        "horizon: counted to the horizon",
        reading="waits for capacity; for IC see `ic_wait_days_mean`"),
    # --- per service with an escalation -------------------------------------------------------
    f"referral_to_start_days_mean:{SERVICE}": MetricInfo(
        label="Referral to start of {service} (mean)", unit="days", better="lower",
        scope="all", group="intermediate_care", computed_by="metrics._ic",
        definition="for each IC service (reporting roles `ic_beds`, `ic_home`): patients whose "
        "`queue` there is in the results period and ended in a `start`: mean days from the "
        "referral to the `start`. A step-down transfer (the latest `ready` or `leave` before "
        "the `queue` is at acute) is referred at their acute `ready`, so the hand-off delay "
        "(assessments, medicines, transport) counts; a step-up referral at its `queue`. "
        "Patients who gave up, were turned away or still wait at the horizon are left out",
        reading="as the National Audit of Intermediate Care measures the wait (referral to "
        "admission, of those admitted): bed 3.0 d, home 6.3 d (2015, H). "
        "`wait_days_mean:<service>` is the wait for capacity alone, from the `queue`"),
    f"escalation_days:{SERVICE}": MetricInfo(
        label="{service}: days with escalation open", unit="days", kind="days", better="lower",
        scope="all", group="escalation", computed_by="measures.escalation",
        definition="days of the period with any escalation capacity of the service open at any of its "
        "units at any time of the day, as `escalation_days`",
        reading="for the acute service, the same as `escalation_days`",
        in_periods=True),
    f"escalation_units_mean:{SERVICE}": MetricInfo(
        label="{service}: escalation units open (mean)", unit="units", scope="all",
        group="escalation", computed_by="measures.escalation",
        definition="time-weighted mean units of escalation capacity open over the period, summed over "
        "the service's units (capacity borrowed by mutual aid counts, capacity lent does not)",
        reading="the average extra capacity in use or on standby",
        in_periods=True),
}
