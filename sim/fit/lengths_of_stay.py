"""Fitting each service's time in service, and the routes' own, from the extract's visits.

A visit's time in service is from ``start`` to ``ready`` (medically optimised) when the
extract gives ``ready``, else to ``end``: what follows ``ready`` (assessments, waiting for the
next service) the model adds itself, through the routes' hand-off delays and blocking.

Where a route out of the service has its own duration in the base (the longer stays of
patients discharged with support, say), visits that took it are fitted apart. A visit still
open has no known route, so it counts towards each group with the probability that a stay
of its group lasts that long (a posterior weight, from the route shares and a first fit of
the closed visits), which keeps the censoring correction when stays depend on the route.
Durations that vary by age band in the base are fitted by age band when each band has at
least ``MIN_STAYS`` stays; otherwise one distribution for all ages.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.config.schema import By, CapacitatedService, Scenario
from sim.fit.durations import MAX_FIT_ROWS, Fit, Stays, fit_all
from sim.fit.extract import Episodes
from sim.fit.layer import Commented
from sim.fit.routing import RouteFit
from sim.fit.suppression import shown

MIN_STAYS = 30
SERVICE = ""  # the group of routes that use the service's own duration


@dataclass(frozen=True)
class StayFit:
    """The fits of one group of one service, by age band (or ``all``)."""

    service: str
    route: str  # SERVICE, or the route with its own duration
    fits: dict[str, list[Fit]]  # age band or "all" -> every family, best first
    stays: dict[str, Stays]
    measured: str = "time in service"  # what the durations are, for the report
    field: str = "duration"  # the route's (or service's) field the fit is written to

    @property
    def label(self) -> str:
        what = "" if self.field == "duration" else f" {self.field}"
        return f"{self.service}" + (f" (route {self.route}{what})" if self.route else "")

    def layer(self) -> object:
        cells = {band: Commented(fits[0].distribution(), comment(fits))
                 for band, fits in self.fits.items()}
        return cells["all"] if "all" in cells else {"by": "age_band", "values": cells}


def comment(fits: list[Fit]) -> str:
    best = fits[0]
    others = ", ".join(f"{f.family} +{f.aic - best.aic:.1f}" for f in fits[1:])
    unit, per_day = best.unit
    low, high = (x * per_day for x in best.mean_ci)
    return (f"n={shown(best.n)} ({shown(best.n_censored)} open, {shown(best.n_truncated)} "
            f"begun before), mean 95% CI {low:.3g}-{high:.3g} {unit}, "
            f"KS {best.ks:.3f}; AIC vs {others}")


def visit_stays(rows: pd.DataFrame, period_days: float) -> Stays:
    """Each visit's time in service (days), closed or censored at the period's end."""
    finish = rows["ready"].fillna(rows["end"])
    closed = finish.notna()
    days = np.where(closed, finish, period_days) - rows["start"]
    return Stays(days.to_numpy(), closed.to_numpy(), (-rows["start"]).clip(lower=0).to_numpy())


def fit_stays(episodes: Episodes, base: Scenario, routes: list[RouteFit]) -> list[StayFit]:
    shares = {r.service: r.table.groupby("route")["visits"].sum() for r in routes}
    out: list[StayFit] = []
    for name, spec in base.services.items():
        rows = episodes.table[episodes.table["service"] == episodes.services.index(name)]
        if not isinstance(spec, CapacitatedService) or not len(rows):
            continue
        own = [r for r, route in spec.routes.items() if route.duration is not None]
        groups = {SERVICE: [r for r in spec.routes if r not in own], **{r: [r] for r in own}}
        weights = _group_weights(rows, groups, shares.get(name), episodes.period.days)
        for group in groups:
            model = spec.duration if group == SERVICE else spec.routes[group].duration
            by_band = isinstance(model, By) and model.by == "age_band"
            fitted = _fit_group(rows, weights[group], episodes, by_band)
            if fitted:
                out.append(StayFit(name, group, *fitted))
    return out


def _group_weights(rows: pd.DataFrame, groups: dict[str, list[str]], visits: pd.Series | None,
                   period_days: float) -> dict[str, np.ndarray]:
    """Share of each visit in each group: 1 or 0 where its route is known; for open visits,
    the posterior from the groups' route shares and a first fit of their closed visits."""
    route = rows["route"].astype(str).to_numpy()
    known = route != ""
    weights = {g: np.isin(route, members).astype(float) for g, members in groups.items()}
    if len(groups) == 1:
        return {g: np.ones(len(rows)) for g in groups}
    if visits is None or known.all():
        return weights
    stays = visit_stays(rows[~known], period_days)
    likelihood = {}
    for group, members in groups.items():
        share = float(visits.reindex(members, fill_value=0).sum() / max(visits.sum(), 1))
        closed_rows = rows[known & (weights[group] > 0)]
        if share == 0 or len(closed_rows) < MIN_STAYS:
            likelihood[group] = np.zeros(len(stays))
            continue
        fit = fit_all(visit_stays(closed_rows, period_days))[0]
        density = np.where(stays.closed, fit.pdf(stays.days), 1 - fit.cdf(stays.days))
        likelihood[group] = share * density
    total = sum(likelihood.values())
    for group in groups:
        weights[group][~known] = np.divide(likelihood[group], total,
                                           out=np.zeros(len(stays)), where=total > 0)
    return weights


def _fit_group(rows: pd.DataFrame, weight: np.ndarray, episodes: Episodes, by_band: bool
               ) -> tuple[dict[str, list[Fit]], dict[str, Stays]] | None:
    chosen = weight > 0
    rows, weight = rows[chosen], weight[chosen]
    if weight.sum() < MIN_STAYS:
        return None
    stays = visit_stays(rows, episodes.period.days)
    stays = Stays(stays.days, stays.closed, stays.entered, weight)
    groups = {"all": np.ones(len(rows), dtype=bool)}
    if by_band:
        bands = {band: (rows["age_band"] == code).to_numpy()
                 for code, band in enumerate(episodes.age_bands)}
        if all(weight[mask].sum() >= MIN_STAYS for mask in bands.values()):
            groups = bands
    picked = {name: Stays(stays.days[m], stays.closed[m], stays.entered[m], stays.weight[m])
              for name, m in groups.items()}
    # the report draws its figures from a sample of the size fitted, not every stay
    return ({name: fit_all(s) for name, s in picked.items()},
            {name: s.subsample(MAX_FIT_ROWS) for name, s in picked.items()})
