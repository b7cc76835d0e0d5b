"""The fit report: an HTML page with the rows read and rejected, the fitted rates, routes and
lengths of stay, and figures (histograms with the fitted densities, Q-Q plots, demand
profiles). Only aggregates: counts of 1-4 patients are shown as "<5", histogram bins of
fewer than 5 stays are left empty, and Q-Q plots use percentiles, not individual stays.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Protocol

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from sim.config.schema import Scenario
from sim.fit.demand import StreamFit
from sim.fit.durations import product_limit
from sim.fit.extract import Episodes
from sim.fit.layer import plain
from sim.fit.lengths_of_stay import StayFit
from sim.fit.routing import RouteFit
from sim.fit.suppression import MIN_PATIENTS, shown
from sim.output.paths import slug
from sim.pages import Header, render


class ReportedFit(Protocol):
    """What the report reads of a fit: ``sim.fit.fitting.FitResult``, named here by its shape
    because fitting writes the report (importing it would make an import circle)."""

    @property
    def base_path(self) -> Path: ...
    @property
    def episodes(self) -> Episodes: ...
    @property
    def notes(self) -> list[str]: ...
    @property
    def demand(self) -> list[StreamFit]: ...
    @property
    def routes(self) -> list[RouteFit]: ...
    @property
    def stays(self) -> list[StayFit]: ...
    @property
    def census_table(self) -> pd.DataFrame: ...

QUANTILES = np.linspace(0.01, 0.99, 99)
COLOURS = {"lognormal": "tab:blue", "gamma": "tab:orange", "exponential": "tab:green"}


def write_report(result: ReportedFit, fitted: Scenario, folder: Path) -> Path:
    """Write ``index.html``, its figures and tables into ``folder``; returns the page."""
    folder.mkdir(parents=True, exist_ok=True)
    ep = result.episodes
    demand = []
    for stream in result.demand:
        rates = stream.rates.assign(referrals=stream.rates["referrals"].map(shown),
                                    patients=stream.rates["patients"].map(shown))
        rates.to_csv(folder / f"rates_{slug(stream.name)}.csv", index=False)
        image = f"profile_{slug(stream.name)}.png" if stream.profile else ""
        if stream.profile:
            written = set(plain(stream.layer["profile"]))
            _profile_figure(stream.name, stream.profile, written).savefig(folder / image, dpi=90)
        demand.append({"name": stream.name, "rates": rates, "image": image})
    routes = pd.concat([r.table.assign(service=r.service, by=r.by or "") for r in result.routes])
    for column in ("visits", "route_patients", "total", "patients"):
        routes[column] = routes[column].map(shown)
    routes.to_csv(folder / "routes.csv", index=False)
    rows, figures = [], []
    for stay in result.stays:
        for band, fits in stay.fits.items():
            for fit in fits:
                rows.append({"service": stay.label, "age_band": band, "family": fit.family,
                             "chosen": fit is fits[0], "n": shown(fit.n),
                             "open": shown(fit.n_censored), "mean_days": fit.mean_days,
                             "ci_low": fit.mean_ci[0], "ci_high": fit.mean_ci[1],
                             "sd_days": fit.sd_days, "aic": fit.aic, "ks": fit.ks})
        image = slug(f"stay_{stay.service}_{stay.route or 'service'}_{stay.field}") + ".png"
        _stay_figure(stay).savefig(folder / image, dpi=80)
        plt.close("all")
        figures.append((stay.label, image))
    stays = pd.DataFrame(rows)
    stays.to_csv(folder / "lengths_of_stay.csv", index=False)
    census = result.census_table.assign(patients=result.census_table["patients"].map(shown))
    census.to_csv(folder / "census.csv", index=False)
    page = folder / "index.html"
    header = Header(f"Fit of {fitted.name}", "Fit report", scenarios=(fitted.name,),
                    created=dt.datetime.now().isoformat(timespec="seconds"))
    page.write_text(render(
        "fit.html.j2", header, extract=Path(ep.source_file).name, period=ep.period,
        base=str(result.base_path), min_patients=MIN_PATIENTS,
        rows_read=ep.rejections.rows_read, rows_used=len(ep.table),
        rejected_total=ep.rejections.total,
        rejected=ep.rejections.lines() if ep.rejections.total else [], notes=result.notes,
        demand=demand, routes=routes, stays=stays, stay_figures=figures, census=census),
        encoding="utf-8")
    plt.close("all")
    return page


def _stay_figure(stay: StayFit) -> plt.Figure:
    """Per age band: histogram of the closed stays with every family's density, and a Q-Q
    plot of the chosen family against the Kaplan-Meier percentiles."""
    bands = list(stay.fits)
    fig, axes = plt.subplots(2, len(bands), figsize=(3.6 * len(bands) + 0.6, 6.4), squeeze=False)
    for i, band in enumerate(bands):
        fits, stays = stay.fits[band], stay.stays[band]
        unit, per_day = fits[0].unit
        closed = stays.closed
        top = float(np.quantile(stays.days[closed], 0.98)) if closed.any() else 1.0
        edges = np.linspace(0, top, 31)
        counts, _ = np.histogram(stays.days[closed], edges, weights=stays.weight[closed])
        counts[counts < MIN_PATIENTS] = 0  # small bins suppressed
        width = np.diff(edges)
        density = counts / max(stays.weight.sum(), 1) / width
        hist = axes[0, i]
        hist.bar(edges[:-1] * per_day, density / per_day, width * per_day, align="edge",
                 color="lightgrey", label="closed stays")
        grid = np.linspace(edges[1] / 4, top, 200)
        for fit in fits:
            hist.plot(grid * per_day, fit.pdf(grid) / per_day, color=COLOURS[fit.family],
                      lw=2 if fit is fits[0] else 1,
                      label=f"{fit.family}{' (chosen)' if fit is fits[0] else ''}")
        hist.set_title(f"{band}: n={shown(fits[0].n)}", fontsize=10)
        hist.set_xlabel(f"{stay.measured} ({unit})")
        hist.set_ylabel(f"density (per {unit[:-1]})")
        hist.legend(fontsize=7)
        qq = axes[1, i]
        times, cdf = product_limit(stays)
        reached = QUANTILES[QUANTILES <= (cdf[-1] if len(cdf) else 0)]
        empirical = times[np.searchsorted(cdf, reached)] * per_day
        model = fits[0].ppf(reached) * per_day
        qq.plot(model, empirical, ".", ms=4, color=COLOURS[fits[0].family])
        limit = max(model.max(initial=0), empirical.max(initial=0))
        qq.plot([0, limit], [0, limit], "k--", lw=1)
        qq.set_xlabel(f"{fits[0].family} percentiles ({unit})")
        qq.set_ylabel(f"observed percentiles ({unit})")
        qq.set_title("Q-Q (Kaplan-Meier)", fontsize=10)
    fig.suptitle(f"Lengths of stay: {stay.label}")
    fig.tight_layout()
    return fig


def _profile_figure(name: str, tables: dict[str, pd.DataFrame], written: set[str]
                    ) -> plt.Figure:
    """Each index as observed; those not written to the layer (no evidence of variation)
    greyed."""
    axis_names = {"monthly": "month", "weekday": "day of the week", "hourly": "hour of the day"}
    fig, axes = plt.subplots(1, len(tables), figsize=(4.2 * len(tables), 3.4), squeeze=False)
    for ax, (kind, table) in zip(axes[0], tables.items()):
        kept = kind in written
        ax.bar(table["key"], table["index"], color="tab:blue" if kept else "lightgrey")
        ax.axhline(1, color="k", lw=0.8)
        ax.set_title(f"{kind} index" + ("" if kept else " (not written: flat)"), fontsize=10)
        ax.set_xlabel(axis_names[kind])
        ax.set_ylabel("referrals per day / mean" if kind != "hourly" else "referrals / mean")
        ax.tick_params(axis="x", labelsize=7, rotation=90 if kind == "hourly" else 0)
    fig.suptitle(f"Demand profile: {name}")
    fig.tight_layout()
    return fig
