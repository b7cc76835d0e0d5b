"""Every metric's human label, unit, possible range and better direction, declared once.

The intervals (``sim.analysis.intervals``), the spreadsheet, the HTML report and the test that
``docs/metrics.md`` documents every metric all read this registry. A metric name is looked up
in three ways, in order:

1. exactly (``emergency_admissions``);
2. as a per-service family ``<family>:<service>`` (``arrivals:ucr``);
3. as a per-pathway variant ``<metric>_<pathway>`` (``readmissions_30d_P1``) of one of
   ``PER_PATHWAY`` (any tag the scenario's routes give: ``P1``, ``ESD``).

A metric the registry does not know (a new one not declared yet) gets its own name as label,
no unit and no bounds, so its interval stays the plain t-interval.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Literal

from sim.analysis.metrics import PARAMETER

Better = Literal["lower", "higher"] | None


@dataclass(frozen=True)
class MetricInfo:
    """What a metric is: ``low``/``high`` are the ends of its possible range (None: none)."""

    label: str
    unit: str
    low: float | None = 0.0
    high: float | None = None
    better: Better = None  # which direction a board would call an improvement
    target: float | None = None  # a published standard or planning rule, in the metric's unit
    target_source: str = ""
    days_in_period: bool = False  # counts days of the results period: at most its length

    @property
    def bounded(self) -> bool:
        return self.low is not None or self.high is not None

    def bounds(self, days: float | None = None) -> tuple[float | None, float | None]:
        """``(low, high)``; a count of days is at most the days the period touches (a last
        partial day counts as a day)."""
        return (self.low, math.ceil(days) if self.days_in_period and days else self.high)

    def within(self, value: float, days: float | None = None) -> bool:
        """Whether ``value`` lies in the possible range (NaN counts as within: no value)."""
        low, high = self.bounds(days)
        if math.isnan(value):
            return True
        return (low is None or value >= low) and (high is None or value <= high)


def _count(label: str, unit: str, better: Better = None) -> MetricInfo:
    return MetricInfo(label, unit, 0.0, None, better)


def _days(label: str) -> MetricInfo:
    """A number of days of the results period (or of a week or month): 0 to its length."""
    return MetricInfo(label, "days", 0.0, None, "lower", days_in_period=True)


def _share(label: str, unit: str, better: Better = None) -> MetricInfo:
    """A percentage of a group of patients: 0 to 100."""
    return MetricInfo(label, unit, 0.0, 100.0, better)


# Occupancy as a percentage of *core* capacity is not capped at 100: escalation beds opened
# above core capacity take it higher (docs/metrics.md, "Winter pressure").
METRICS: dict[str, MetricInfo] = {
    "emergency_admissions": _count("Emergency admissions", "admissions", "lower"),
    "emergency_admissions_per_1000": _count("Emergency admissions per 1,000 residents",
                                            "per 1,000 a year", "lower"),
    "acute_occupancy_mean": _count("Acute beds occupied (mean)", "beds", "lower"),
    "acute_occupancy_p95": _count("Acute beds occupied (95th percentile)", "beds", "lower"),
    "acute_occupancy_pct_mean": replace(
        _count("Acute bed occupancy", "% of beds", "lower"), target=92.0,
        target_source="NHS planning guidance: at most 92%"),
    "ed_boarding_hours_mean": _count("Wait in ED for a bed (mean)", "hours", "lower"),
    "ed_boarding_over_12h": _count("ED waits for a bed over 12 hours", "admissions", "lower"),
    "ed_attendances": _count("ED attendances", "attendances", "lower"),
    "acute_days_above_92pct": _days("Days above 92% acute occupancy"),
    "acute_days_above_95pct": _days("Days above 95% acute occupancy"),
    "acute_days_above_100pct": _days("Days above 100% acute occupancy"),
    "peak_week_acute_occupancy_pct": _count("Acute occupancy in the peak week",
                                            "% of core beds", "lower"),
    "escalation_days": _days("Days with escalation beds open"),
    "delayed_discharge_bed_days": _count("Delayed discharge bed-days", "bed-days", "lower"),
    "delayed_discharges_per_100k": _count("Delayed discharges per 100,000 residents",
                                          "patients per 100,000", "lower"),
    "ready_to_discharge_days_mean": _count("Ready to discharge to discharge (mean)", "days",
                                           "lower"),
    "waited_for_capacity_pct": _share("Discharges that waited for community capacity",
                                      "% of discharges", "lower"),
    "readmissions_30d": _count("Readmissions within 30 days", "readmissions", "lower"),
    "readmission_rate_30d_pct": _share("30-day readmission rate", "% of discharges", "lower"),
    "spa_referrals": _count("SPA referrals", "referrals"),
    "ucr_referrals": _count("UCR referrals", "referrals"),
    "ucr_within_2h_pct": replace(
        _share("UCR reached within 2 hours", "% of referrals", "higher"), target=70.0,
        target_source="national UCR standard: at least 70%"),
    "ucr_response_hours_mean": _count("UCR response time (mean)", "hours", "lower"),
    "ucr_managed_at_home_pct": _share("UCR episodes managed at home", "% of episodes",
                                      "higher"),
    "ic_bed_occupancy_mean": _count("IC beds occupied (mean)", "beds"),
    "ic_home_caseload_mean": _count("Home IC caseload (mean)", "people"),
    "ic_wait_days_mean": _count("Wait to start intermediate care (mean)", "days", "lower"),
    "community_episodes": _count("Step-up community episodes", "patients"),
    "admissions_avoided": _count("Community episodes not admitted within 30 days",
                                 "patients"),
    "crises_prevented": _count("Crises prevented by policies", "crises", "higher"),
    # week-by-week and month-by-month tables only (docs/winter.md)
    "acute_occupancy_max_day": _count("Acute beds occupied (busiest day)", "beds", "lower"),
    "acute_occupancy_pct_max_day": _count("Acute occupancy (busiest day)", "% of core beds",
                                          "lower"),
    "ed_boarding_mean": _count("Patients waiting in ED for a bed (mean)", "patients", "lower"),
    "delayed_discharges_mean": _count("Delayed discharges in hospital (mean)", "patients",
                                      "lower"),
    # patients who give up or are turned away when capacity runs short (docs/patience.md)
    "admissions_after_reneging": _count("Admissions after giving up waiting for a service",
                                        "admissions", "lower"),
    "admissions_after_balking": _count("Admissions after finding a service full",
                                       "admissions", "lower"),
    "ed_attendances_after_reneging": _count("ED attendances after giving up waiting for a "
                                            "service", "attendances", "lower"),
    "ed_attendances_after_balking": _count("ED attendances after finding a service full",
                                           "attendances", "lower"),
    # money, at the scenario's price year (sim.config.costs, sim.analysis.costs)
    "cost_total": _count("Cost of the care modelled", "GBP", "lower"),
    "delayed_discharge_cost": _count("Cost of delayed discharge bed-days", "GBP", "lower"),
}

# metrics also reported per discharge pathway tag, "<metric>_<pathway>"
PER_PATHWAY = ("delayed_discharge_bed_days", "delayed_discharges_mean", "readmissions_30d",
               "waited_for_capacity_pct")

# per-service families, "<family>:<service>"; {service} is filled in
FAMILIES: dict[str, MetricInfo] = {
    "arrivals": _count("Requests for {service}", "requests"),
    "occupancy_mean": _count("{service}: units in use (mean)", "units"),
    "occupancy_pct_mean": _count("{service}: occupancy", "% of capacity", "lower"),
    "wait_days_mean": _count("{service}: wait to start (mean)", "days", "lower"),
    "escalation_days": _days("{service}: days with escalation open"),
    "escalation_units_mean": _count("{service}: escalation units open (mean)", "units"),
    "reneged": _count("{service}: patients who stopped waiting", "patients", "lower"),
    "reneged_pct": _share("{service}: patients who stopped waiting", "% of patients asking",
                          "lower"),
    "renege_wait_hours_mean": _count("{service}: wait before giving up (mean)", "hours"),
    "balked": _count("{service}: patients turned away when full", "patients", "lower"),
    "balked_pct": _share("{service}: patients turned away when full", "% of patients asking",
                         "lower"),
    "admissions_after_renege": _count("Admissions after giving up on {service}",
                                      "admissions", "lower"),
    "admissions_after_balk": _count("Admissions after finding {service} full", "admissions",
                                    "lower"),
    "ed_attendances_after_renege": _count("ED attendances after giving up on {service}",
                                          "attendances", "lower"),
    "ed_attendances_after_balk": _count("ED attendances after finding {service} full",
                                        "attendances", "lower"),
    "cost": _count("{service}: cost", "GBP", "lower"),
}

# the measures a board reads first, in this order (console tables, report page one)
HEADLINE = [
    "emergency_admissions",
    "emergency_admissions_per_1000",
    "acute_occupancy_mean",
    "acute_occupancy_pct_mean",
    "acute_days_above_95pct",
    "peak_week_acute_occupancy_pct",
    "ed_boarding_hours_mean",
    "delayed_discharge_bed_days",
    "delayed_discharges_per_100k",
    "ucr_within_2h_pct",
    "ic_wait_days_mean",
    "readmissions_30d",
    "admissions_after_reneging",
    "admissions_after_balking",
    "admissions_avoided",
    "crises_prevented",
]

# page one of the board report: the few that fit on one printed page, in this order
BOARD_SUMMARY = [
    "emergency_admissions",
    "acute_occupancy_pct_mean",
    "acute_days_above_95pct",
    "ed_boarding_hours_mean",
    "delayed_discharge_bed_days",
    "ucr_within_2h_pct",
    "ic_wait_days_mean",
    "readmissions_30d",
]
BOARD_COSTS = ["cost_total", "delayed_discharge_cost"]

UNKNOWN = MetricInfo("", "", None, None, None)  # also an uncertain field's drawn value


def metric_info(name: str) -> MetricInfo:
    """The registry's entry for ``name`` (see the module docstring for the lookup)."""
    if name in METRICS:
        return METRICS[name]
    family, _, service = name.partition(":")
    if service and family in FAMILIES and not name.startswith(PARAMETER):
        info = FAMILIES[family]
        return replace(info, label=info.label.format(service=service_label(service)))
    for base in PER_PATHWAY:
        if name.startswith(base + "_"):
            return replace(METRICS[base], label=f"{METRICS[base].label}, {name[len(base) + 1:]}")
    return replace(UNKNOWN, label=name)


def label(name: str) -> str:
    """``Label (unit)`` for axes and column headers."""
    info = metric_info(name)
    return f"{info.label} ({info.unit})" if info.unit else info.label


SERVICE_LABELS = {
    "spa": "SPA", "ucr": "UCR", "ed": "ED", "acute": "Acute", "ic_beds": "IC beds",
    "ic_home": "Home IC", "after_discharge": "After discharge",
}


def service_label(service: str) -> str:
    """A readable service name: the usual abbreviations, else words from the identifier."""
    return SERVICE_LABELS.get(service, service.replace("_", " ").capitalize())


def field_label(path: str) -> str:
    """A scenario field path in words: ``services.ucr.capacity`` -> ``UCR capacity``."""
    parts = path.split(".")
    if len(parts) == 3 and parts[0] == "services":
        return f"{service_label(parts[1])} {parts[2].replace('_', ' ')}"
    return " ".join(part.replace("_", " ") for part in parts)
