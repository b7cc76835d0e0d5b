"""The what-if form: run settings (replications or a precision), each service's capacity
(in total and per unit), level, time in service and routes, demand growth and policy effects
per locality, surges and escalation beds. Every field starts at the scenario's value
(``edits.current``); no bounds are set here: the scenario's validation says what is allowed,
in its own words."""

from __future__ import annotations

from dataclasses import dataclass
from typing import get_args

import streamlit as st

from sim.analysis.registry import PRECISION, metric_info
from sim.app import edits, scenarios
from sim.app.messages import about, show_field_errors
from sim.app.runs import Precision
from sim.config import Scenario
from sim.config.base import Level
from sim.config.problems import InputProblem
from sim.config.schema import CapacitatedService
from sim.runner import produced_metrics

LEVELS: tuple[str, ...] = get_args(Level)
POLICY_LABELS = {"mdt_case_management": "MDT case management of the frail cohort",
                 "care_home_support": "Enhanced care home support"}
DEFAULT_MAX_REPLICATIONS = 50  # a precision run's cap; the command line's is 200


@dataclass(frozen=True)
class WhatIfForm:
    """The levers, the precision to run to (None: the replications given) and whether to
    estimate the capacity the what-if needs."""

    levers: edits.Levers
    precision: Precision | None
    capacity_needed: bool


def whatif_form(scenario: Scenario, errors: list[InputProblem]) -> WhatIfForm:
    """The form's fields (call inside ``st.form``), with the last check's ``errors`` next to
    the fields they are about."""
    now = edits.current(scenario)
    time, precision, capacity_needed = _run_settings(scenario, now)
    show_field_errors(errors, "time")
    capacity: dict[str, int] = {}
    unit_capacity: dict[str, dict[str, int]] = {}
    level: dict[str, str] = {}
    mean: dict[str, float] = {}
    routes: dict[tuple[str, str], float] = {}
    st.subheader("Services")
    for name, service in scenarios.capacitated(scenario).items():
        field = f"services.{name}"
        with st.expander(f"{name}: {service.description or service.kind}",
                         expanded=name == "ucr" or bool(about(errors, field))):
            _service(name, service, now, capacity, unit_capacity, level, mean, routes)
            show_field_errors(errors, field)
    growth, policies = _demand_and_policies(scenario, now, errors)
    surges, escalation = _winter(scenario, now, errors)
    levers = edits.Levers(capacity, unit_capacity, level, mean, routes, growth, policies,
                          surges, escalation, time)
    return WhatIfForm(levers, precision, capacity_needed)


def _run_settings(scenario: Scenario, now: edits.Levers
                  ) -> tuple[dict[str, float | int], Precision | None, bool]:
    st.subheader("Run settings")
    c1, c2, c3, c4 = st.columns(4)
    time = {"replications": int(c1.number_input("Replications", value=now.time["replications"], step=1)),
            "run_days": float(c2.number_input("Run length (days)", value=float(now.time["run_days"]))),
            "warmup_days": float(c3.number_input("Warm-up (days)", value=float(now.time["warmup_days"]))),
            "seed": int(c4.number_input("Seed", value=now.time["seed"], step=1))}
    c1, c2, c3 = st.columns([1, 2, 1])
    fraction = c1.number_input(
        "Precision (0: the replications above)", value=0.0, step=0.01, format="%.2f",
        help="As python -m sim run --precision: add replications until each chosen metric's "
             "95% interval is within this fraction of its mean (0.05 = 5%), on both sides; "
             "the replications above are the first round (at least 3)")
    produced = _produced(scenario.model_dump_json())
    metrics = c2.multiselect("Precision metrics", produced, format_func=_metric_label,
                             default=[m for m in PRECISION if m in produced])
    most = int(c3.number_input("Most replications (with a precision)",
                               value=DEFAULT_MAX_REPLICATIONS, step=1))
    capacity_needed = st.checkbox(
        "Also estimate the capacity the what-if needs (python -m sim capacity: every team, "
        "ward and caseload unlimited; one more run of the what-if)")
    precision = Precision(float(fraction), list(metrics), most) if fraction else None
    return time, precision, capacity_needed


def _service(name: str, service: CapacitatedService, now: edits.Levers, capacity: dict[str, int],
             unit_capacity: dict[str, dict[str, int]], level: dict[str, str],
             mean: dict[str, float], routes: dict[tuple[str, str], float]) -> None:
    """One service's fields, written into the mappings given."""
    units = _units(service.kind)
    c1, c2, c3 = st.columns(3)
    if name in now.capacity:
        capacity[name] = int(c1.number_input(f"{name} capacity ({units})",
                                             value=now.capacity[name], step=1))
    elif name not in now.unit_capacity:
        c1.caption(f"capacity {service.capacity}: change it in the file")
    level[name] = c2.selectbox(f"{name} level", LEVELS, index=LEVELS.index(now.level[name]))
    if name in now.mean:
        unit = getattr(service.duration, "unit", "")
        mean[name] = float(c3.number_input(f"{name} mean time in service ({unit})",
                                           value=now.mean[name]))
    if name in now.unit_capacity:
        st.caption(f"Capacity per {service.level} (a change here is written as "
                   "capacity_by_unit)")
        given = now.unit_capacity[name]
        unit_capacity[name] = {unit: int(col.number_input(
            f"{name} capacity in {unit} ({units})", value=value, step=1))
            for col, (unit, value) in zip(st.columns(len(given)), given.items())}
    shares = {route: p for (service_name, route), p in now.routes.items() if service_name == name}
    for col, (route, share) in zip(st.columns(max(1, len(shares))), shares.items()):
        routes[(name, route)] = float(col.number_input(
            f"{name} -> {route} share", value=share, step=0.01, format="%.4f"))


def _demand_and_policies(scenario: Scenario, now: edits.Levers, errors: list[InputProblem]
                         ) -> tuple[dict[str, float], dict[str, dict[str, float]]]:
    st.subheader("Demand and policies, by locality")
    localities = list(scenario.geography.localities)
    columns = st.columns(len(localities))
    growth = {loc: float(col.number_input(f"Demand growth in {loc} (%)", value=0.0, step=1.0,
                                          help="% more referrals in every stream")) / 100
              for col, loc in zip(columns, localities)}
    show_field_errors(errors, "demand")
    policies = {}
    for policy, shares in now.policies.items():
        st.caption(f"{POLICY_LABELS.get(policy, policy)}: share of crises prevented (0-1)")
        policies[policy] = {loc: float(col.number_input(
            f"{policy} effect in {loc}", value=share, step=0.01, format="%.3f"))
            for col, (loc, share) in zip(st.columns(len(shares)), shares.items())}
        show_field_errors(errors, f"policies.{policy}")
    return growth, policies


def _winter(scenario: Scenario, now: edits.Levers, errors: list[InputProblem]
            ) -> tuple[dict[str, bool], dict[str, edits.EscalationLever]]:
    st.subheader("Winter: surges and escalation beds")
    offered = edits.offered_surges(scenario)
    surges = {}
    for name, on in now.surges.items():
        block = offered.get(name) or scenario.surges[name].model_dump(mode="json")
        shipped = " (the shipped flu wave, scenarios/winter/layers/flu_wave.yaml)" \
            if name in offered else ""
        surges[name] = st.checkbox(
            f"{name} surge on: {block['start']} to {block['end']}, demand x"
            f"{block['multiplier']:g} at its height{shipped}", value=on)
        show_field_errors(errors, f"surges.{name}")
    escalation = {}
    for name, lever in now.escalation.items():
        spec = scenario.escalation.get(name)
        block = spec.model_dump() if spec else edits.offered_escalation(scenario)[name]
        service = block["service"]
        measure = "% occupied" if block.get("measure", "occupancy_pct") == "occupancy_pct" \
            else "patients waiting"
        c1, c2, c3, c4 = st.columns([2, 1, 1, 1])
        on = c1.checkbox(f"{name} on ({service})", value=lever.on)
        units = lever.capacity
        if units is not None:
            units = int(c2.number_input(f"{name} capacity (units opened)", value=units, step=1))
        else:
            c2.caption("units opened per unit: change them in the file")
        escalation[name] = edits.EscalationLever(
            on, units, float(c3.number_input(f"{name} opens above ({measure})",
                                             value=float(lever.open_above))),
            float(c4.number_input(f"{name} closes below ({measure})",
                                  value=float(lever.close_below))))
        show_field_errors(errors, f"escalation.{name}")
    if not surges and not escalation:
        st.caption("This scenario has no surges, and no acute ward for the shipped escalation beds.")
    return surges, escalation


@st.cache_data(show_spinner=False)
def _produced(scenario_json: str) -> list[str]:
    """The metrics a scenario produces (one simulated day, so kept per scenario)."""
    return list(produced_metrics(Scenario.model_validate_json(scenario_json)))


def _units(kind: str) -> str:
    return {"team": "staff", "ward": "beds", "caseload": "slots"}.get(kind, "units")


def _metric_label(metric: str) -> str:
    info = metric_info(metric)
    return f"{info.label} ({info.unit})"
