"""The census at the end of the extract: the patients in each team, ward and caseload at
00:00 after the period's last day, for a scenario that starts from today (docs/census.md).

Open visits are ``in_service``; open visits past ``ready`` whose row names the pathway of a
blocking route out of the service are ``ready`` (delayed discharges) on that pathway. Nobody
is counted ``waiting``: the extract holds visits that started, not referrals still queueing.
Counts are given by locality unless a locality has 1-4 patients, then as a total (which the
model splits by population); the age mix is given unless an age band has 1-4.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.config.schema import CapacitatedService, Scenario
from sim.fit.extract import Episodes
from sim.fit.layer import Commented
from sim.fit.suppression import small


def fit_census(episodes: Episodes, base: Scenario) -> tuple[dict[str, object], pd.DataFrame]:
    """The ``census:`` block and a table of its counts (service, state, locality, patients)."""
    t = episodes.table
    open_rows = t[t["end"].isna()]
    census: dict[str, object] = {}
    rows = []
    for name, spec in base.services.items():
        if not isinstance(spec, CapacitatedService):
            continue
        here = open_rows[open_rows["service"] == episodes.services.index(name)]
        if not len(here):
            continue
        blocking = {r.pathway for r in spec.routes.values() if r.blocking and r.pathway}
        pathway = here["pathway"].astype(str)
        delayed = here["ready"].notna() & pathway.isin(blocking)
        entry: dict[str, object] = {}
        in_service = _counts(here[~delayed], episodes)
        if in_service is not None:
            entry["in_service"] = in_service
        ready = {p: _counts(here[delayed & (pathway == p)], episodes)
                 for p in sorted(set(pathway[delayed]))}
        if ready:
            entry["ready"] = ready
        bands = np.bincount(here["age_band"], minlength=len(episodes.age_bands))
        if not any(small(b) for b in bands):
            mix = (bands / bands.sum()).round(4)
            mix[mix.argmax()] += round(1 - mix.sum(), 4)
            entry["age_mix"] = dict(zip(episodes.age_bands, mix.tolist()))
        census[name] = Commented(entry, f"{len(here):,} open visits at the end of the extract")
        for state, chosen in (("in_service", ~delayed), ("ready", delayed)):
            for code, locality in enumerate(episodes.localities):
                count = int((here[chosen]["locality"] == code).sum())
                rows.append((name, state, locality, count))
    return census, pd.DataFrame(rows, columns=["service", "state", "locality", "patients"])


def _counts(rows: pd.DataFrame, episodes: Episodes) -> object:
    """Patients by locality, or their total when a locality has 1-4 (None when none)."""
    if not len(rows):
        return None
    by_locality = np.bincount(rows["locality"], minlength=len(episodes.localities))
    if any(small(c) for c in by_locality):
        return int(by_locality.sum())
    return dict(zip(episodes.localities, by_locality.tolist()))
