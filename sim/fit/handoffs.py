"""Fitting hand-off delays: the time from ``ready`` to leaving on a route that does not block.

On a route without ``blocking`` the patient leaves the service once the hand-off delay is over
(medicines, transport, a discharge letter), so ``end - ready`` of the visits that took it is
that delay. On a blocking route it also holds the wait for the next service, which the model
makes itself, so those routes' hand-offs are not fitted (docs/data.md).
"""

from __future__ import annotations

import numpy as np

from sim.config.schema import CapacitatedService, Scenario
from sim.fit.durations import Stays, fit_all
from sim.fit.extract import Episodes
from sim.fit.lengths_of_stay import MIN_STAYS, StayFit

HANDOFF = "handoff_delay"


def fit_handoffs(episodes: Episodes, base: Scenario) -> list[StayFit]:
    t = episodes.table
    out = []
    for name, spec in base.services.items():
        if not isinstance(spec, CapacitatedService):
            continue
        here = (t["service"] == episodes.services.index(name)) & t["ready"].notna() & \
            t["end"].notna()
        for route_name, route in spec.routes.items():
            if route.blocking or route.handoff_delay is None:
                continue
            rows = t[here & (t["route"] == route_name)]
            if len(rows) < MIN_STAYS:
                continue
            stays = Stays((rows["end"] - rows["ready"]).to_numpy(), np.ones(len(rows), bool),
                          np.zeros(len(rows)))
            out.append(StayFit(name, route_name, {"all": fit_all(stays)}, {"all": stays},
                               f"time from ready to leaving ({route_name})", HANDOFF))
    return out
