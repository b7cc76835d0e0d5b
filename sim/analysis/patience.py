"""Measures of what patients do when a service is busy: balking, reneging, and the emergency
admissions and ED attendances that follow (docs/patience.md, docs/metrics.md).

An admission (or ED attendance) is put down to a service's being busy when the patient's
latest balk or renege before it came after they last left the acute ward or ED: the chain of
events that led to this admission started with the service being full or slow.
"""

from __future__ import annotations

import numpy as np

from sim.analysis.grouping import ALL, Grouper, Row, mean_of, pct_of, sum_of
from sim.analysis.logview import WAIT_ENDS, LogView
from sim.config.schema import CapacitatedService, Scenario, alternatives, routes_of
from sim.engine.eventlog import Event

MARKERS = (Event.BALK, Event.RENEGE)
CAUSE = {Event.BALK: "balking", Event.RENEGE: "reneging"}
STEP_UP, STEP_DOWN = "step_up", "step_down"  # where a patient asking came from


def busy_services(scenario: Scenario) -> list[str]:
    """Services where some patient may balk or renege (their own ``when_busy`` or that of a
    route into them), in scenario order."""
    named = set()
    for name, spec in scenario.services.items():
        if isinstance(spec, CapacitatedService) and alternatives(spec.when_busy):
            named.add(name)
        for route in routes_of(spec).values():
            if alternatives(route.when_busy):
                named.add(route.to)
    return [name for name in scenario.services if name in named]


def came_from_hospital(view: LogView, rows: np.ndarray) -> np.ndarray:
    """For each of ``rows`` (a patient asking for a service, ``queue`` or ``balk``): True for a
    step-down transfer, whose latest ``ready`` or ``leave`` before it (the end of the visit
    they come from) was at the acute service; False for a step-up referral (from any other
    service, or on arrival)."""
    acute = view.scenario.reporting.acute
    if acute is None:
        return np.zeros(len(rows), dtype=bool)
    latest = view.latest_before(rows, np.isin(view.event, (Event.READY, Event.LEAVE)))
    return (latest >= 0) & (view.service[np.maximum(latest, 0)] == view.service_index[acute])


def stepped_down_services(scenario: Scenario) -> list[str]:
    """Services an acute route leads to: those whose patients may be step-down transfers."""
    acute = scenario.reporting.acute
    return [] if acute is None else [route.to for route in routes_of(scenario.services[acute])
                                     .values()]


def when_busy_rows(view: LogView, g: Grouper) -> list[Row]:
    """Per service that can be left: patients who balked and reneged (counts and % of those
    asking, and for services an acute route leads to, % of step-up referrals and of
    step-down transfers), and hours waited before giving up; then admissions and ED
    attendances put down to balking or reneging."""
    rows: list[Row] = []
    services = busy_services(view.scenario)
    split = stepped_down_services(view.scenario)
    for name in services:
        asked = np.flatnonzero(view.mask(name, Event.QUEUE) | view.mask(name, Event.BALK))
        asked = asked[view.in_results(view.time[asked])]
        balked = (view.event[asked] == Event.BALK).astype(float)
        rows += g.reduce(f"balked:{name}", view.locality[asked], balked, sum_of)
        rows += g.reduce(f"balked_pct:{name}", view.locality[asked], balked, pct_of)
        queued = np.flatnonzero(view.mask(name, Event.QUEUE))  # in the order of the pairs
        waits = view.pairs(name, Event.QUEUE, WAIT_ENDS)
        keep = view.in_results(waits.start)
        locs = view.patient_locality(waits.patient[keep])
        gave_up = (waits.ended_by[keep] == Event.RENEGE).astype(float)
        rows += g.reduce(f"reneged:{name}", locs, gave_up, sum_of)
        rows += g.reduce(f"reneged_pct:{name}", locs, gave_up, pct_of)
        hours = ((waits.end - waits.start) * 24)[keep][gave_up > 0]
        rows.append((f"renege_wait_hours_mean:{name}", ALL, mean_of(hours)))
        if name in split:
            down_asked = came_from_hospital(view, asked)
            down_queued = came_from_hospital(view, queued[keep])
            for source, asking, queueing in ((STEP_UP, ~down_asked, ~down_queued),
                                             (STEP_DOWN, down_asked, down_queued)):
                rows += g.reduce(f"balked_pct_{source}:{name}", view.locality[asked][asking],
                                 balked[asking], pct_of)
                rows += g.reduce(f"reneged_pct_{source}:{name}", locs[queueing],
                                 gave_up[queueing], pct_of)
    report = view.scenario.reporting
    for metric, service in (("admissions", report.acute), ("ed_attendances", report.ed)):
        if service:
            rows += _put_down_to_busy(view, g, metric, service, services)
    return rows


def _put_down_to_busy(view: LogView, g: Grouper, metric: str, service: str,
                      services: list[str]) -> list[Row]:
    """``<metric>_after_balking`` and ``_after_reneging`` (all services), and per service
    ``<metric>_after_balk:<service>`` / ``_after_renege:<service>``, for the patients asking
    for ``service`` in the results period."""
    asked = np.flatnonzero(view.mask(service, Event.QUEUE) & view.in_results(view.time))
    report = view.scenario.reporting
    hospital = [view.service_index[s] for s in (report.acute, report.ed) if s]
    left_hospital = (view.event == Event.LEAVE) & np.isin(view.service, hospital)
    latest = view.latest_before(asked, np.isin(view.event, MARKERS) | left_hospital)
    found = latest >= 0
    kind = np.where(found, view.event[np.maximum(latest, 0)], -1)
    where = np.where(found, view.service[np.maximum(latest, 0)], -1)
    locs = view.locality[asked]
    rows: list[Row] = []
    for event, cause in CAUSE.items():
        rows += g.reduce(f"{metric}_after_{cause}", locs, (kind == event).astype(float), sum_of)
    for name in services:
        s = view.service_index[name]
        for event, label in ((Event.BALK, "balk"), (Event.RENEGE, "renege")):
            chosen = ((kind == event) & (where == s)).astype(float)
            rows += g.reduce(f"{metric}_after_{label}:{name}", locs, chosen, sum_of)
    return rows

