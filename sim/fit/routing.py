"""Fitting routes: the probability of each way out of each team, ward and caseload.

Only visits that started inside the period, early enough that nearly all of them have ended
(before the period's end less the 95th percentile of the service's stays), are counted: a
visit still open has an unknown route, and the routes with long stays are the ones still
open, so counting only the closed visits of the last weeks would under-count them.

Where the base's probabilities vary ``by`` age band, locality or residence, the fitted ones
do too; values from fewer than 5 patients take the service's pooled probabilities. Where they
vary by something an extract row does not carry (the pathway tag, e.g. readmissions admitted
from ED; the days waited, harm while waiting; the referral source; or one attribute within
another), the base's probabilities are kept and a note says so: pooling them into one share
would silently drop that structure.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Hashable

import numpy as np
import pandas as pd
from scipy import stats

from sim.config.schema import RESIDENCES, By, CapacitatedService, Scenario, routes_of
from sim.fit.extract import Episodes
from sim.fit.layer import Commented
from sim.fit.suppression import shown, small

ROW_ATTRIBUTES = ("age_band", "locality", "residence")  # attributes an extract row carries
SETTLED_QUANTILE = 0.95
DECIMALS = 4


@dataclass(frozen=True)
class RouteFit:
    service: str
    by: str | None
    layer: dict[str, object]  # route -> {"probability": ...}
    table: pd.DataFrame  # value, route, visits, patients, probability, ci_low, ci_high, pooled


def attribute_names(episodes: Episodes, attribute: str) -> list[str]:
    return {"age_band": episodes.age_bands, "locality": episodes.localities,
            "residence": list(RESIDENCES)}[attribute]


def settled(episodes: Episodes, service: str) -> pd.DataFrame:
    """Closed visits to ``service`` that started in the period early enough that nearly all
    its visits have ended (one selection, so one copy of the rows)."""
    t = episodes.table
    closed = ((t["service"] == episodes.services.index(service)) & (t["route"] != "")).to_numpy()
    lengths = (t["end"].to_numpy() - t["start"].to_numpy())[closed]
    horizon = float(np.quantile(lengths, SETTLED_QUANTILE)) if len(lengths) else 0.0
    start = t["start"].to_numpy()
    return t[closed & (start >= 0) & (start < episodes.period.days - horizon)]


def kept_routes(base: Scenario) -> dict[str, str]:
    """Services whose route probabilities are not fitted, with the reason."""
    kept = {}
    for name, spec in base.services.items():
        varying = [r.probability for r in routes_of(spec).values()
                   if isinstance(r.probability, By)]
        hidden = sorted(set().union(*(p.attributes() for p in varying)) - set(ROW_ATTRIBUTES))
        if hidden:
            kept[name] = (f"route probabilities kept from the base: they vary by "
                          f"{' and '.join(hidden)}, which an extract row does not carry")
        elif any(len(p.attributes()) > 1 for p in varying):
            kept[name] = "route probabilities kept from the base: they vary by two attributes"
    return kept


def fit_routes(episodes: Episodes, base: Scenario) -> list[RouteFit]:
    fits = []
    kept = kept_routes(base)
    for name, spec in base.services.items():
        if isinstance(spec, CapacitatedService) and name not in kept and (
                episodes.table["service"] == episodes.services.index(name)).any():
            fits.append(route_shares(name, settled(episodes, name), episodes, base))
    return fits


def route_shares(name: str, rows: pd.DataFrame, episodes: Episodes, base: Scenario) -> RouteFit:
    """The probabilities of the routes out of ``name`` from ``rows`` (one per visit, with the
    ``route`` it took), by the attribute the base's probabilities vary by."""
    spec_routes = routes_of(base.services[name])
    routes = list(spec_routes)
    bys = [r.probability.by for r in spec_routes.values() if isinstance(r.probability, By)]
    by = next((b for b in bys if b in ROW_ATTRIBUTES), None)
    pooled = _probabilities(rows, routes)
    values: dict[str, pd.DataFrame] = {}
    if by is not None:
        for code, value in enumerate(attribute_names(episodes, by)):
            group = rows[rows[by] == code]
            own = _probabilities(group, routes)
            values[value] = pooled.assign(pooled=True) if small(own["patients"].iloc[0]) or \
                not len(group) else own.assign(pooled=False)
    table = pd.concat({k: v for k, v in (values or {"all": pooled.assign(pooled=False)}).items()},
                      names=["value"]).reset_index(level=0)
    layer: dict[str, object] = {}
    for route in routes:
        chosen = table[table["route"] == route]
        cells = {row["value"]: Commented(row["probability"], _comment(row))
                 for row in chosen.to_dict("records")}
        layer[route] = {"probability": {"by": by, "values": cells} if by else cells["all"]}
    return RouteFit(name, by, layer, table)


def _probabilities(rows: pd.DataFrame, routes: list[str]) -> pd.DataFrame:
    """Share of visits taking each route, rounded so that they sum to 1, with Wilson 95%
    intervals."""
    route = rows["route"].astype(pd.CategoricalDtype(routes))  # codes, no strings per row
    counts = route.value_counts().reindex(routes, fill_value=0)
    n = int(counts.sum())
    shares = (counts / max(n, 1)).round(DECIMALS)
    if n:
        top = str(shares.idxmax())  # a route name
        shares[top] = round(shares[top] + 1 - shares.sum(), DECIMALS)
    low, high = _wilson(counts.to_numpy(), n)
    patients = rows["patient"].groupby(route, observed=True).nunique()
    return pd.DataFrame({"route": routes, "visits": counts.to_numpy(),
                         "route_patients": patients.reindex(routes, fill_value=0).to_numpy(),
                         "total": n, "patients": rows["patient"].nunique(),
                         "probability": shares.to_numpy(),
                         "ci_low": low, "ci_high": high})


def _wilson(k: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    if n == 0:
        return np.zeros(len(k)), np.ones(len(k))
    z = stats.norm.ppf(0.975)
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return np.clip(centre - half, 0, 1), np.clip(centre + half, 0, 1)


def _comment(row: dict[Hashable, Any]) -> str:
    """The comment on one route's probability, from its row of the table."""
    text = f"{shown(row['visits'])}/{shown(row['total'])} visits"
    if row["pooled"]:
        return f"pooled: {row['value']} has <5 patients"
    flag = "; flagged: <5 patients took it" if small(row["route_patients"]) else ""
    return f"{text}, 95% CI {row['ci_low']:.3f}-{row['ci_high']:.3f}{flag}"
