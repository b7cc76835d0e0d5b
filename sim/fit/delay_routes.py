"""Fitting the routes out of delay services: what happens after a patient goes home.

A delay service has no capacity and no visits in an extract (in the baseline,
``after_discharge``: the time at home after a P0 discharge, from which some patients are
readmitted). Its routes are seen through the patients: a visit *into* it is a visit whose
route leads there (an acute stay ending ``P0``); a visit *out* of it to a team, ward or caseload
is a later visit of the same patient with ``referred_from`` naming it (a readmission). Linking
the two by patient gives, for each route to a service, its probability (out-visits over
in-visits) and its duration (the days between them); the one route to an exit takes the rest
(a delay service with several routes to exits is left as in the base). Only in-visits that
ended early enough for nearly every follow-on visit to fall inside the period are counted
(before its end less the 99th percentile of the gaps seen), since a readmission after the
period's end cannot be seen.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.config.schema import DelayService, Scenario, routes_of
from sim.fit.durations import Stays, fit_all
from sim.fit.extract import NEW_REFERRAL, Episodes
from sim.fit.lengths_of_stay import MIN_STAYS, StayFit
from sim.fit.routing import RouteFit, route_shares

GAP_QUANTILE = 0.99


def fit_delay_routes(episodes: Episodes, base: Scenario) -> tuple[list[RouteFit], list[StayFit]]:
    routes, stays = [], []
    for name, spec in base.services.items():
        if not isinstance(spec, DelayService):
            continue
        fitted = _fit_delay(name, spec, episodes, base)
        if fitted is not None:
            routes.append(fitted[0])
            stays += fitted[1]
    return routes, stays


def _fit_delay(name: str, spec: DelayService, episodes: Episodes, base: Scenario
               ) -> tuple[RouteFit, list[StayFit]] | None:
    exits = [r for r, route in spec.routes.items() if base.services[route.to].kind == "exit"]
    onward = [r for r in spec.routes if r not in exits]
    if len(exits) != 1 or not onward:
        return None  # the rest cannot be shared among exits, or nothing is seen in the extract
    t = episodes.table
    leading = [(episodes.services.index(s), r) for s, svc in base.services.items()
               for r, route in routes_of(svc).items() if route.to == name]
    leads = np.zeros(len(t), dtype=bool)
    for service, route in leading:
        leads |= (t["service"] == service).to_numpy() & (t["route"] == route).to_numpy()
    into = t[leads & (t["end"] >= 0).to_numpy()]
    if not len(into):
        return None
    into = into.assign(entry=np.arange(len(into)), route="")
    gaps = []
    for route in onward:
        target = episodes.services.index(spec.routes[route].to)
        out = t[(t["service"] == target) & (t["referred_from"] == episodes.services.index(name))
                & (t["referred_from"] != NEW_REFERRAL)]
        linked = pd.merge_asof(out.sort_values("start")[["patient", "start"]],
                               into.sort_values("end")[["patient", "end", "entry"]],
                               left_on="start", right_on="end", by="patient",
                               direction="backward").dropna(subset=["entry"])
        linked = linked.drop_duplicates("entry")
        into.loc[into["entry"].isin(linked["entry"]), "route"] = route
        gaps.append((route, linked.assign(gap=linked["start"] - linked["end"])))
    seen = pd.concat([g["gap"] for _, g in gaps])
    horizon = float(seen.quantile(GAP_QUANTILE)) if len(seen) else 0.0
    window = into[into["end"] < episodes.period.days - horizon].copy()
    window.loc[window["route"] == "", "route"] = exits[0]
    routes = route_shares(name, window, episodes, base)
    stays = []
    for route, linked in gaps:
        linked = linked[linked["end"] < episodes.period.days - horizon]
        if len(linked) >= MIN_STAYS and spec.routes[route].duration is not None:
            sample = Stays(linked["gap"].to_numpy(), np.ones(len(linked), bool),
                           np.zeros(len(linked)))
            stays.append(StayFit(name, route, {"all": fit_all(sample)}, {"all": sample},
                                 f"time from leaving to the next visit ({route})"))
    return routes, stays
