"""Looking metrics up in the catalogue (``sim.analysis.catalogue``), and the named selections
of metrics every table, report and command shows, each declared once here.

A metric name is looked up in three ways, in order:

1. exactly (``emergency_admissions``);
2. as a per-service metric ``<family>:<service>`` (``arrivals:ucr``), entry
   ``arrivals:<service>``;
3. as a per-pathway metric ``<metric>_<pathway>`` (``readmissions_30d_P1``), entry
   ``readmissions_30d_<pathway>`` (any tag the scenario's routes give: ``P1``, ``ESD``), or
   a per-age-band metric ``<metric>_<age_band>`` (``emergency_admissions_per_1000_85+``).

A metric the catalogue does not know (a new one not declared yet, an uncertain field's drawn
value) gets its own name as label, no unit and no bounds, so its interval stays the plain
t-interval.
"""

from __future__ import annotations

from dataclasses import replace

from sim.analysis.catalogue import AGE_BAND, METRICS, PATHWAY, RESPONSE_TARGET, SERVICE
from sim.analysis.metric_info import MetricInfo
from sim.config.schema import CapacitatedService, Scenario

UNKNOWN = MetricInfo(label="", unit="", kind="any")
# "readmissions_30d_" -> the entry "readmissions_30d_<pathway>", and so for age bands
_SUFFIX_PREFIXES = {name.removesuffix(tag): info for name, info in METRICS.items()
                    for tag in (PATHWAY, AGE_BAND) if name.endswith("_" + tag)}


# Metrics renamed, old name -> new name. Every place that looks up a metric name a user wrote
# (sweep files, capacity targets, --metrics, figures files) names the new one in its error.
RENAMED: dict[str, str] = {
    "ucr_within_2h_pct": "ucr_within_target_pct",
    "admissions_avoided": "community_episodes_without_admission",
    "delayed_discharges_per_100k": "nctr_patients_per_100k",
}


def renamed_note(names: list[str]) -> str:
    """``" (renamed: 'old' is now 'new', ...)"`` for the renamed ``names``; "" when none is."""
    moved = [f"'{name}' is now '{RENAMED[name]}'" for name in names if name in RENAMED]
    return f" (renamed: {', '.join(moved)})" if moved else ""


def metric_info(name: str, scenario: Scenario | None = None) -> MetricInfo:
    """The catalogue's entry for ``name`` (see the module docstring for the lookup), with
    the service or pathway in its label, and the UCR response target of ``scenario`` (or
    "the response target" without one)."""
    info = _entry(name)
    if RESPONSE_TARGET in info.label:
        info = replace(info, label=info.label.replace(RESPONSE_TARGET,
                                                      response_target(scenario)))
    return info


def response_target(scenario: Scenario | None) -> str:
    """The UCR response target in words: "2 hours", or "the response target" when unknown."""
    ucr = scenario.reporting.ucr if scenario is not None else None
    spec = scenario.services[ucr] if scenario is not None and ucr else None
    hours = spec.response_target_hours if isinstance(spec, CapacitatedService) else None
    return "the response target" if hours is None else f"{hours:g} hours"


def _entry(name: str) -> MetricInfo:
    if name in METRICS:
        return METRICS[name]
    family, _, service = name.partition(":")
    pattern = METRICS.get(f"{family}:{SERVICE}") if service else None
    if pattern is not None:
        return replace(pattern, label=pattern.label.format(service=service_label(service)))
    for prefix, info in _SUFFIX_PREFIXES.items():
        if name.startswith(prefix):
            tag = name.removeprefix(prefix)
            return replace(info, label=info.label.format(pathway=tag, age_band=tag))
    return replace(UNKNOWN, label=name)


def label(name: str, scenario: Scenario | None = None) -> str:
    """``Label (unit)`` for axes and column headers."""
    info = metric_info(name, scenario)
    return f"{info.label} ({info.unit})" if info.unit else info.label


# the measures a board reads first, in this order (console tables, report page one); each a
# result to compare between scenarios (so not community_episodes_without_admission, which is
# not a causal estimate and must not stand beside B - A differences)
HEADLINE = [
    "emergency_admissions",
    "emergency_admissions_per_1000",
    "acute_occupancy_mean",
    "acute_occupancy_pct_mean",
    "acute_days_above_95pct",
    "peak_week_acute_occupancy_pct",
    "ed_boarding_hours_mean",
    "delayed_discharge_bed_days",
    "nctr_patients_per_100k",
    "ucr_within_target_pct",
    "ic_wait_days_mean",
    "readmissions_30d",
    "admissions_after_reneging",
    "admissions_after_balking",
    "crises_prevented",
]

# page one of the board report: the few that fit on one printed page, in this order
BOARD_SUMMARY = [
    "emergency_admissions",
    "acute_occupancy_pct_mean",
    "acute_days_above_95pct",
    "ed_boarding_hours_mean",
    "delayed_discharge_bed_days",
    "ucr_within_target_pct",
    "ic_wait_days_mean",
    "readmissions_30d",
]
BOARD_COSTS = ["cost_total", "delayed_discharge_cost"]

# the written winter summary (winter.md): the peak week's rows, the month-by-month columns
# (each followed by the escalation metrics the tables have) and the whole period's rows
PEAK_WEEK = [
    "emergency_admissions",
    "acute_occupancy_mean",
    "acute_occupancy_pct_mean",
    "acute_occupancy_pct_max_day",
    "acute_days_above_92pct",
    "acute_days_above_95pct",
    "acute_days_above_100pct",
    "ed_boarding_mean",
    "ed_boarding_hours_mean",
    "delayed_discharges_mean",
    "delayed_discharge_bed_days",
    "ucr_within_target_pct",
]
MONTH_BY_MONTH = [
    "emergency_admissions",
    "acute_occupancy_pct_mean",
    "acute_occupancy_pct_max_day",
    "acute_days_above_92pct",
    "acute_days_above_95pct",
    "acute_days_above_100pct",
    "ed_boarding_hours_mean",
    "delayed_discharge_bed_days",
    "ucr_within_target_pct",
]
WINTER_SUMMARY = [
    "acute_occupancy_pct_mean",
    "peak_week_acute_occupancy_pct",
    "acute_days_above_92pct",
    "acute_days_above_95pct",
    "acute_days_above_100pct",
    "escalation_days",
    "delayed_discharge_bed_days",
    "ed_boarding_hours_mean",
    "ucr_within_target_pct",
]

# the command line's defaults: what `run --precision` makes precise, what `sweep` plots
PRECISION = ["emergency_admissions", "acute_occupancy_mean"]
SWEEP = ["emergency_admissions", "acute_occupancy_pct_mean", "delayed_discharge_bed_days",
         "ucr_within_target_pct", "ic_wait_days_mean"]
# the app's charts shown first: what its common levers (community capacity, flow) move
APP_CHARTS = ["emergency_admissions", "acute_occupancy_pct_mean", "delayed_discharge_bed_days",
              "ucr_within_target_pct"]


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
