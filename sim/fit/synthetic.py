"""A synthetic activity extract, in the format of docs/data.md, from a simulated replication.

No real patient data is ever committed: the example extract shipped in ``data/example/`` is
one replication of a *known* scenario (``data/example/truth.yaml``) written out as an
analyst's extract would be, so fitting it should find that scenario's parameters again::

    python -m sim.fit.synthetic data/example/truth.yaml --out data/example/extract.csv.gz

One row per visit to a team, ward or caseload that overlaps the results period; visits still
open at its end are censored there (``end`` and ``ended_by`` empty), and visits that began
before it keep their earlier start (the fit treats them as left-truncated).
"""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd

from sim.analysis.logview import LogView
from sim.compile import load_scenario, with_changes
from sim.config.schema import NO_PATHWAY, RESIDENCES, CapacitatedService, Scenario
from sim.engine.eventlog import Event
from sim.engine.model import ReplicationLog, run_replication


def extract_from_log(log: ReplicationLog) -> pd.DataFrame:
    """The extract of one replication's results period, one row per visit, sorted by start."""
    scenario, view = log.scenario, LogView(log)
    services = list(scenario.services)
    pathways = [NO_PATHWAY, *scenario.pathways]
    order = np.argsort(view.patient, kind="stable")  # by patient, in time order
    patient, event, service = view.patient[order], view.event[order], view.service[order]
    moves = np.flatnonzero(np.isin(event, [Event.QUEUE, Event.EXIT]))
    starts = np.flatnonzero(event == Event.START)
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order))
    frames = []
    for name in services:
        spec = scenario.services[name]
        if not isinstance(spec, CapacitatedService):
            continue
        leave = view.pairs(name, Event.START, Event.LEAVE)
        ready = view.pairs(name, Event.START, Event.READY)
        # a mobile team's visit starts when it reaches the patient (a contact, as CSDS has it)
        start = view.pairs(name, Event.START, Event.VISIT).end if spec.travel_time_by_level \
            else leave.start
        rows = np.flatnonzero(view.mask(name, Event.START))  # same order as the pairs
        position = rank[rows]
        following = moves[np.minimum(np.searchsorted(moves, position, side="right"),
                                     len(moves) - 1)]
        next_service = np.where(patient[following] == patient[position],
                                service[following], -1)
        earlier = starts[np.maximum(np.searchsorted(starts, position, side="left") - 1, 0)]
        came_from = np.where((earlier < position) & (patient[earlier] == patient[position]),
                             service[earlier], -1)
        tags = any(route.pathway for route in spec.routes.values())
        frames.append(pd.DataFrame({
            "patient": leave.patient, "service": name, "start": start,
            "ready": ready.end, "end": leave.end,
            "ended_by": [services[s] if s >= 0 else "" for s in next_service],
            "pathway": [pathways[p] if tags and p else "" for p in view.pathway[rows]],
            "referred_from": [services[s] if s >= 0 else "" for s in came_from],
        }))
    visits = pd.concat(frames, ignore_index=True)
    first, last = log.results_start, log.results_end
    visits = visits[(visits["start"] < last) & ~(visits["end"] < first)]  # NaN start: travelling
    open_at_end = ~(visits["end"] < last)
    visits.loc[open_at_end, ["end"]] = np.nan
    visits.loc[open_at_end, "ended_by"] = ""
    visits.loc[~(visits["ready"] < last), "ready"] = np.nan
    return _as_extract(visits.sort_values("start", kind="stable"), log)


def _as_extract(visits: pd.DataFrame, log: ReplicationLog) -> pd.DataFrame:
    scenario: Scenario = log.scenario
    geo, pt = scenario.geography, log.patients
    who = visits["patient"].to_numpy()
    origin = pd.Timestamp(scenario.time.start_date) - pd.Timedelta(days=log.results_start)

    def stamp(days: pd.Series) -> pd.Series:
        times = (origin + pd.to_timedelta(days, unit="D")).dt.round("min")
        return times.dt.strftime("%Y-%m-%d %H:%M").fillna("")

    new = visits["referred_from"].to_numpy() == ""
    sources = np.array(scenario.sources, dtype=object)[pt["source"][who]]
    return pd.DataFrame({
        "patient_id": [f"S{p:07d}" for p in who],
        "age_band": np.array(geo.age_bands, dtype=object)[pt["age_band"][who]],
        "locality": np.array(list(geo.localities), dtype=object)[pt["locality"][who]],
        "residence": np.array(RESIDENCES, dtype=object)[pt["residence"][who]],
        "service": visits["service"].to_numpy(),
        "start": stamp(visits["start"]).to_numpy(),
        "ready": stamp(visits["ready"]).to_numpy(),
        "end": stamp(visits["end"]).to_numpy(),
        "ended_by": visits["ended_by"].to_numpy(),
        "pathway": visits["pathway"].to_numpy(),
        "referred_from": visits["referred_from"].to_numpy(),
        "referral_source": np.where(new, sources, ""),
    })


def synthetic_extract(truth: Scenario, seed: int) -> pd.DataFrame:
    """The extract of replication 0 of ``truth`` run with ``seed``."""
    return extract_from_log(run_replication(with_changes(truth, {"time.seed": seed}), 0))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sim.fit.synthetic", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("truth", type=Path, help="the scenario the data come from")
    parser.add_argument("--out", type=Path, required=True, help="CSV (.csv or .csv.gz)")
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    args = parser.parse_args(argv)
    started = dt.datetime.now()
    extract = synthetic_extract(load_scenario(args.truth), args.seed)
    extract.to_csv(args.out, index=False)
    seconds = (dt.datetime.now() - started).total_seconds()
    print(f"{len(extract):,} visits of {extract['patient_id'].nunique():,} patients -> "
          f"{args.out} ({seconds:.1f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
