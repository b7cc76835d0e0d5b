"""Fitting demand: each stream's rates by age band and locality, the care home rate ratio,
the referral source mix, and its profile over the year, week and day with a trend.

A new referral is a visit with ``referred_from`` empty, starting inside the period, at the
entry service of a demand stream of the base. Rates are per 1,000 residents a year, with the
base scenario's populations (its ``geography``) as denominators; they are written as each
locality's own rates (``rate_per_1000_per_year_by_locality``, no need index), so that the
need index of the base no longer applies to the stream.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Hashable, NamedTuple

import numpy as np
import pandas as pd
from scipy import stats

from sim.config.profile import MONTHS, WEEKDAYS
from sim.config.schema import RESIDENCES, By, DemandStream, Scenario
from sim.fit.extract import NEW_REFERRAL, Episodes
from sim.fit.layer import Commented
from sim.fit.suppression import MIN_PATIENTS, shown, small

DAYS_PER_YEAR = 365.25
MIN_DAYS_MONTHLY = 365  # a monthly index needs every month seen
MIN_DAYS_WEEKDAY = 28
MIN_DAYS_TREND = 730  # a trend needs two years, or it is confused with the season
OTHER_SOURCE = "other"
SIGNIFICANCE = 0.05


@dataclass(frozen=True)
class StreamFit:
    """What was fitted for one stream: the layer's values and tables for the report."""

    name: str
    layer: dict[str, object]
    rates: pd.DataFrame  # locality, age_band, referrals, patients, rate, ci_low, ci_high, pooled
    profile: dict[str, pd.DataFrame]  # "monthly"/"weekday"/"hourly" -> key, referrals, index
    notes: list[str]


def new_referrals(episodes: Episodes, stream: DemandStream) -> pd.DataFrame:
    t = episodes.table
    entry = episodes.services.index(stream.entry)
    chosen = (t["service"] == entry) & (t["referred_from"] == NEW_REFERRAL) & \
        (t["start"] >= 0) & (t["start"] < episodes.period.days)
    return t[chosen]


def fit_demand(episodes: Episodes, base: Scenario) -> list[StreamFit]:
    entries = pd.Series({name: s.entry for name, s in base.demand.items()})
    shared = entries[entries.duplicated(keep=False)]
    if len(shared):
        raise ValueError(f"streams {list(shared.index)} of the base share an entry service, so "
                         "a new referral cannot be told to one of them; give each its own entry")
    return [_fit_stream(name, stream, episodes, base) for name, stream in base.demand.items()]


def _fit_stream(name: str, stream: DemandStream, episodes: Episodes, base: Scenario) -> StreamFit:
    visits = new_referrals(episodes, stream)
    years = episodes.period.days / DAYS_PER_YEAR
    notes: list[str] = []
    layer: dict[str, object] = {}
    ratio = _care_home_ratio(visits, base, episodes)
    if ratio is None:
        ratio = stream.care_home_rate_ratio
        notes.append(f"care_home_rate_ratio kept from the base ({ratio:g}): fewer than "
                     f"{MIN_PATIENTS} care home residents' referrals, or no care home residents")
    else:
        layer["care_home_rate_ratio"] = Commented(
            round(ratio, 3), "fitted: care home residents' rate / others' of the same age")
    growth = _trend(visits, episodes.period.days)
    first_year = _first_year_factor(growth[0] if growth else 0.0, episodes.period.days)
    rates = _rates(visits, episodes, base, ratio, years, first_year)
    layer["rate_per_1000_per_year_by_locality"] = {
        locality: {row["age_band"]: Commented(round(row["rate"], 3), _rate_comment(row))
                   for row in group.to_dict("records")}
        for locality, group in rates.groupby("locality", sort=False)}
    if episodes.has_sources:
        layer["sources"] = _sources(visits, stream, notes)
    profile, tables, estimated = _profile(visits, episodes, growth, notes)
    kept = {key: Commented(value, "kept from the base: the extract cannot show it")
            for key, value in (stream.profile.model_dump(mode="json") if stream.profile
                               else {}).items()
            if key not in estimated and value not in (None, {}, 0.0)}
    layer["profile"] = Commented({**kept, **profile}, "flat where not written: see the notes")
    return StreamFit(name, layer, rates, tables, notes)


def _denominators(base: Scenario, ratio: float) -> pd.DataFrame:
    """Residents by locality and age band, care home residents counted ``ratio`` times."""
    geo = base.geography
    rows = [(loc, band, pop * (1 - geo.care_home_share.get(band, 0.0)),
             pop * geo.care_home_share.get(band, 0.0))
            for loc, spec in geo.localities.items() for band, pop in spec.population.items()]
    table = pd.DataFrame(rows, columns=["locality", "age_band", "own_home", "care_home"])
    table["weighted"] = table["own_home"] + ratio * table["care_home"]
    return table


def _cells(visits: pd.DataFrame, episodes: Episodes, by: list[str]) -> pd.DataFrame:
    """Referrals and distinct patients by the named attributes (grouped by code, then
    named, so no name is built per row)."""
    grouped = visits.groupby(by, sort=False)
    cells = pd.DataFrame({"referrals": grouped.size(),
                          "patients": grouped["patient"].nunique()}).reset_index()
    names = {"locality": episodes.localities, "age_band": episodes.age_bands,
             "residence": list(RESIDENCES)}
    for column in by:
        cells[column] = np.array(names[column], dtype=object)[cells[column].to_numpy()]
    return cells


def _care_home_ratio(visits: pd.DataFrame, base: Scenario, episodes: Episodes) -> float | None:
    """Care home residents' referrals over those expected at others' rates of the same
    locality and age (a pooled ratio of rates)."""
    cells = _cells(visits, episodes, ["locality", "age_band", "residence"])
    pop = _denominators(base, 0.0).set_index(["locality", "age_band"])
    counts = cells.pivot_table(index=["locality", "age_band"], columns="residence",
                               values="referrals", aggfunc="sum", fill_value=0)
    patients = cells[cells["residence"] == "care_home"]["patients"].sum()
    if "care_home" not in counts or small(patients) or patients == 0:
        return None
    counts = counts.reindex(pop.index, fill_value=0)
    own_rate = counts.get("own_home", 0) / pop["own_home"].where(pop["own_home"] > 0)
    expected = (own_rate * pop["care_home"]).sum()
    return float(counts["care_home"].sum() / expected) if expected > 0 else None


def _rates(visits: pd.DataFrame, episodes: Episodes, base: Scenario, ratio: float,
           years: float, first_year: float) -> pd.DataFrame:
    """Rate per 1,000 a year by locality and age band with exact Poisson 95% intervals;
    cells from fewer than 5 patients take the pooled rate of their age band."""
    cells = _cells(visits, episodes, ["locality", "age_band"])
    table = _denominators(base, ratio).merge(cells, on=["locality", "age_band"],
                                             how="left").fillna({"referrals": 0, "patients": 0})
    exposure = table["weighted"] * years / 1000 / first_year  # 1,000 person-years
    band = table.groupby("age_band", sort=False)
    pooled = band["referrals"].transform("sum") / (exposure.groupby(table["age_band"])
                                                   .transform("sum"))
    table["pooled"] = table["patients"].map(small)
    own = table["referrals"] / exposure.where(exposure > 0)
    table["rate"] = np.where(table["pooled"], pooled, own.fillna(0))
    k = table["referrals"].to_numpy()
    low = np.where(k > 0, stats.chi2.ppf(0.025, 2 * k) / 2, 0.0)
    high = stats.chi2.ppf(0.975, 2 * k + 2) / 2
    table["ci_low"] = np.where(table["pooled"], np.nan, low / exposure)
    table["ci_high"] = np.where(table["pooled"], np.nan, high / exposure)
    return table[["locality", "age_band", "referrals", "patients", "rate", "ci_low", "ci_high",
                  "pooled"]]


def _rate_comment(row: dict[Hashable, Any]) -> str:
    """The comment on one rate, from its row of the rates table."""
    n = f"n={shown(row['referrals'])} referrals"
    if row["pooled"]:
        return f"{n} of <{MIN_PATIENTS} patients: the age band's rate across localities"
    return f"{n}, 95% CI {row['ci_low']:.3g}-{row['ci_high']:.3g}"


def _sources(visits: pd.DataFrame, stream: DemandStream, notes: list[str]) -> object:
    """The source mix, by residence if the base's varies by residence; sources with fewer
    than 5 referrals are counted as 'other'."""
    by_residence = isinstance(stream.sources, By) and stream.sources.by == "residence"
    groups = {"all": visits}
    if by_residence:
        groups = {name: visits[visits["residence"] == i] for i, name in enumerate(RESIDENCES)}
        if any(len(g) < MIN_PATIENTS for g in groups.values()):
            notes.append("sources: one residence has fewer than 5 referrals; one mix for all")
            groups, by_residence = {"all": visits}, False
    mixes = {}
    for name, group in groups.items():
        counts = group["source"].astype(str).value_counts()
        counts = counts[counts > 0]
        folded = counts[counts.map(small)]
        if len(folded):
            counts = counts.drop(folded.index)
            counts[OTHER_SOURCE] = counts.get(OTHER_SOURCE, 0) + folded.sum()
        total = counts.sum()
        shares = {s: round(c / total, 4) for s, c in counts.items()}
        shares[max(shares, key=shares.__getitem__)] += round(1 - sum(shares.values()), 4)
        mixes[name] = Commented(shares, f"n={shown(total)} referrals"
                                + (f"; {len(folded)} sources of <5 counted as '{OTHER_SOURCE}'"
                                   if len(folded) else ""))
    if by_residence:
        return {"by": "residence", "values": mixes}
    return mixes["all"]


def _profile(visits: pd.DataFrame, episodes: Episodes, growth: tuple[float, float, float] | None,
             notes: list[str]) -> tuple[dict[str, object], dict[str, pd.DataFrame], set[str]]:
    """Monthly, weekday and hourly indices (referrals per day of each kind over the mean) and
    the trend, each where the period is long enough to show it and the data vary more than
    chance; with the tables for the report and the keys the extract could estimate (a key
    estimated but not written is flat)."""
    days = episodes.period.days
    when = pd.Timestamp(episodes.period.start) + pd.to_timedelta(visits["start"], unit="D")
    calendar = pd.date_range(episodes.period.start, periods=days, freq="D")
    kinds = {"monthly": _Season(MONTHS, (when.dt.month - 1).to_numpy(),
                                np.asarray(calendar.month - 1), MIN_DAYS_MONTHLY),
             "weekday": _Season(WEEKDAYS, when.dt.day_of_week.to_numpy(),
                                np.asarray(calendar.day_of_week), MIN_DAYS_WEEKDAY)}
    fitted = {kind: spec for kind, spec in kinds.items() if days >= spec.min_days}
    for kind in kinds.keys() - fitted.keys():
        notes.append(f"profile.{kind}: the period ({days} days) is shorter than the "
                     f"{kinds[kind].min_days} days needed; left flat")
    estimated = set(fitted) | ({"trend_pct_per_year"} if growth else set())
    exposures = _seasonal_exposure(fitted, growth[0] if growth else 0.0, days)
    profile: dict[str, object] = {}
    tables: dict[str, pd.DataFrame] = {}
    for kind, (keys, of_visit, _, _) in fitted.items():
        counts = np.bincount(of_visit, minlength=len(keys))
        tables[kind] = _index_table(keys, counts, exposures[kind])
        if _varies(counts, exposures[kind], kind, notes):
            profile[kind] = Commented(dict(zip(keys, tables[kind]["index"].round(3))),
                                      f"fitted from {shown(counts.sum())} referrals")
    hours = when.dt.hour + when.dt.minute / 60
    if (hours == 0).mean() > 0.95:
        notes.append("profile.hourly: start times have no time of day; left flat")
    else:
        counts = np.bincount(when.dt.hour, minlength=24)
        tables["hourly"] = _index_table([f"{h:02d}" for h in range(24)], counts, np.ones(24))
        estimated.add("hourly")
    if "hourly" in tables and _varies(counts, np.ones(24), "hourly", notes):
        profile["hourly"] = Commented([float(v) for v in tables["hourly"]["index"].round(3)],
                                      "00:00 first")
    if growth is None:
        notes.append(f"profile.trend_pct_per_year: needs {MIN_DAYS_TREND} days; none fitted")
    else:
        pct, low, high = (100 * g for g in growth)
        profile["trend_pct_per_year"] = Commented(
            round(pct, 2), f"last year over first, 95% CI {low:.1f} to {high:.1f}")
    return profile, tables, estimated


class _Season(NamedTuple):
    """One seasonal index: its keys (e.g. months), the key of each visit and of each day of
    the period (positions in ``keys``), and the days of data needed to fit it."""

    keys: list[str]
    of_visit: np.ndarray
    of_day: np.ndarray
    min_days: int


def _seasonal_exposure(kinds: dict[str, _Season], growth: float, days: int
                       ) -> dict[str, np.ndarray]:
    """For each index, the days of each of its kinds weighted by the trend and by the other
    indices (iterative proportional fitting), so that growth within a year, or a month with
    five Mondays, is not read as a season."""
    weight = (1 + growth) ** (np.arange(days) / DAYS_PER_YEAR)
    of_day = {kind: spec.of_day for kind, spec in kinds.items()}
    counts = {kind: np.bincount(spec.of_visit, minlength=len(spec.keys))
              for kind, spec in kinds.items()}
    index = {kind: np.ones(len(spec.keys)) for kind, spec in kinds.items()}
    exposure: dict[str, np.ndarray] = {}
    for _ in range(20 if len(kinds) > 1 else 1):
        for kind in kinds:
            others = np.prod([index[k][of_day[k]] for k in kinds if k != kind], axis=0)
            exposure[kind] = np.bincount(of_day[kind], weights=weight * others,
                                         minlength=len(index[kind]))
            index[kind] = counts[kind] / np.maximum(exposure[kind], 1e-12)
    return exposure


def _varies(counts: np.ndarray, exposure: np.ndarray, kind: str, notes: list[str]) -> bool:
    """Whether referrals vary over the ``kind`` more than chance would make them (chi-square
    test at 5%): a flat profile is kept otherwise, rather than one fitted to noise."""
    expected = counts.sum() * exposure / exposure.sum()
    p = float(stats.chisquare(counts, expected).pvalue) if counts.sum() else 1.0
    if p >= SIGNIFICANCE:
        notes.append(f"profile.{kind}: no evidence of variation (chi-square p = {p:.2f}); flat")
    return p < SIGNIFICANCE


def _index_table(keys: list[str], counts: np.ndarray, exposure: np.ndarray) -> pd.DataFrame:
    per_day = counts / np.maximum(exposure, 1)
    index = per_day / (counts.sum() / exposure.sum())
    return pd.DataFrame({"key": keys, "referrals": counts, "days": exposure, "index": index})


def _trend(visits: pd.DataFrame, days: int) -> tuple[float, float, float] | None:
    """Growth a year (and its 95% interval) from the referrals of the last 365 days over those
    of the first 365: the same seasons in both, so the season does not pass for a trend."""
    if days < MIN_DAYS_TREND:
        return None
    first = int((visits["start"] < 365).sum())
    last = int((visits["start"] >= days - 365).sum())
    if first == 0 or last == 0:
        return None
    years_apart = (days - 365) / DAYS_PER_YEAR
    share = np.asarray(stats.beta.ppf([0.025, 0.975], [last, last + 1], [first + 1, first]))
    ratios = [last / first, *(share / (1 - share))]
    point, low, high = (r ** (1 / years_apart) - 1 for r in ratios)
    return point, low, high


def _first_year_factor(growth: float, days: int) -> float:
    """Mean rate over the first year over the mean over the period, under the trend (the
    scenario's rate is the first year's average)."""
    g = math.log1p(growth)
    if abs(g) < 1e-12:
        return 1.0
    over = lambda span: (math.exp(g * span / DAYS_PER_YEAR) - 1) / (g * span)  # noqa: E731
    return over(min(DAYS_PER_YEAR, days)) / over(days)
