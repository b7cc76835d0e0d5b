"""Convenient, read-only views of one replication's log: per-event attributes, pairs of
events (queue -> start, ready -> leave) and occupancy series."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from sim.analysis.timeweighted import StepSeries
from sim.config.schema import NO_PATHWAY
from sim.engine.eventlog import Event
from sim.engine.model import ReplicationLog

# A wait for a service ends when it starts or when the patient gives up (docs/patience.md)
WAIT_ENDS = (Event.START, Event.RENEGE)


@dataclass(frozen=True)
class Pairs:
    """Matched events of one service: the k-th ``first`` of a patient with their k-th
    ``second``. ``end`` is NaN where the second event had not happened by the horizon;
    ``pathway`` is the patient's pathway tag at the first event."""

    patient: np.ndarray
    start: np.ndarray
    end: np.ndarray
    pathway: np.ndarray
    ended_by: np.ndarray  # the kind of event that ended each pair (Event), -1 if none yet

    def end_or(self, horizon: float) -> np.ndarray:
        """``end``, with pairs still open at the end of the run closed at ``horizon``."""
        return np.where(np.isnan(self.end), horizon, self.end)

    def elapsed(self, horizon: float) -> np.ndarray:
        """Days from first to second event, counting open pairs up to ``horizon``."""
        return self.end_or(horizon) - self.start


class LogView:
    """One replication's log (``ReplicationLog``) read as arrays, for the metrics.

    Per event, in log order (docs/eventlog.md): ``patient`` (id), ``time`` (days since the
    start of warm-up), ``event`` (``Event`` code), ``service`` (index into the scenario's
    services, ``service_index`` maps names to it), ``pathway`` (code, ``pathway_names``) and
    ``locality`` (index of the patient's locality, ``localities``). On top: masks of one
    kind of event at one service, the k-th of one event matched with the k-th of another
    (``pairs``), a patient's neighbouring events (``neighbour_service``, ``latest_before``)
    and time-weighted series of units in use and patients waiting (``occupancy``,
    ``queue``). Built once per replication and shared by every metric: pairs and series are
    computed on first use and kept.

        view = LogView(sim.run_replication(scenario, 0))
        waits = view.pairs("acute", Event.QUEUE, Event.START).elapsed(view.log.horizon)
    """

    def __init__(self, log: ReplicationLog):
        self.log = log
        self.scenario = log.scenario
        self.service_index = {name: i for i, name in enumerate(log.scenario.services)}
        self.pathway_names = [NO_PATHWAY, *log.scenario.pathways]
        self.localities = list(log.scenario.geography.localities)
        ev = log.events
        self.patient = ev["patient"]
        self.time = ev["time"]
        self.event = ev["event"]
        self.service = ev["service"]
        self.pathway = ev["pathway"]
        self.locality = log.patients["locality"][self.patient] if len(self.patient) else \
            np.zeros(0, dtype=np.int8)
        self._pairs: dict[tuple[str, Event, Event | tuple[Event, ...]], Pairs] = {}

    @property
    def start(self) -> float:
        """Start of the results period (days since the start of warm-up)."""
        return self.log.results_start

    @property
    def end(self) -> float:
        """End of the results period, excluded (days since the start of warm-up)."""
        return self.log.results_end

    def patient_locality(self, patients: np.ndarray) -> np.ndarray:
        """The locality (its index) each of ``patients`` lives in."""
        return self.log.patients["locality"][patients]

    def in_results(self, times: np.ndarray) -> np.ndarray:
        """Whether each of ``times`` (days) falls in the results period ``[start, end)``."""
        return (times >= self.start) & (times < self.end)

    def mask(self, service: str, event: Event) -> np.ndarray:
        """Over all events: True for each ``event`` at ``service`` (a name)."""
        return (self.service == self.service_index[service]) & (self.event == event)

    def pairs(self, service: str, first: Event, second: Event | tuple[Event, ...]) -> Pairs:
        """``second`` may be several kinds of event, e.g. (START, RENEGE): a wait ends when
        the service starts or when the patient gives up. Matched once per view: the whole
        results period, the weeks and the months all ask for the same pairs."""
        key = (service, first, second)
        if key not in self._pairs:
            self._pairs[key] = self._matched(service, first, second)
        return self._pairs[key]

    def _matched(self, service: str, first: Event, second: Event | tuple[Event, ...]) -> Pairs:
        s = self.service_index[service]
        a = np.flatnonzero((self.service == s) & (self.event == first))
        b = np.flatnonzero((self.service == s) & np.isin(self.event, second))
        key_a, key_b = _occurrence_keys(self.patient[a]), _occurrence_keys(self.patient[b])
        order_b = np.argsort(key_b, kind="stable")
        pos = np.searchsorted(key_b[order_b], key_a)
        pos_clipped = np.minimum(pos, max(len(b) - 1, 0))
        found = (pos < len(b)) & (key_b[order_b][pos_clipped] == key_a) if len(b) else \
            np.zeros(len(a), dtype=bool)
        end = np.full(len(a), np.nan)
        ended_by = np.full(len(a), -1, dtype=np.int8)
        matched = b[order_b[pos_clipped[found]]]
        end[found] = self.time[matched]
        ended_by[found] = self.event[matched]
        return Pairs(self.patient[a], self.time[a], end, self.pathway[a], ended_by)

    @cached_property
    def _by_patient(self) -> tuple[np.ndarray, np.ndarray]:
        # int32 positions (a log has fewer than 2^31 events) halve this cache, kept all along
        order = np.argsort(self.patient, kind="stable").astype(np.int32)  # time order kept
        rank = np.empty_like(order)
        rank[order] = np.arange(len(order), dtype=np.int32)
        return order, rank

    def neighbour_service(self, rows: np.ndarray, step: int) -> np.ndarray:
        """Service of the same patient's event ``step`` events away from each of ``rows``
        (-1 before the first or after the last)."""
        order, rank = self._by_patient
        other = rank[rows] + step
        valid = (other >= 0) & (other < len(order))
        other_rows = order[np.clip(other, 0, max(len(order) - 1, 0))]
        same = valid & (self.patient[other_rows] == self.patient[rows])
        return np.where(same, self.service[other_rows], -1)

    def latest_before(self, rows: np.ndarray, mask: np.ndarray) -> np.ndarray:
        """For each of ``rows``: the row of the same patient's latest earlier event where
        ``mask`` (over all events) holds, or -1 if there is none."""
        order, rank = self._by_patient
        marked = np.where(mask[order], np.arange(len(order)), -1)
        latest = np.maximum.accumulate(marked)  # position in ``order`` of the latest marked
        before = rank[rows] - 1
        found = np.where(before >= 0, latest[np.maximum(before, 0)], -1)
        found_rows = order[np.maximum(found, 0)]
        same = (found >= 0) & (self.patient[found_rows] == self.patient[rows])
        return np.where(same, found_rows, -1)

    @cached_property
    def _changes(self) -> dict[tuple[int, int], tuple[np.ndarray, np.ndarray, np.ndarray]]:
        """(service, locality) -> (times, busy deltas, queue deltas); locality -1 is all."""
        # int8 changes: this cache holds every start, leave and queue event twice
        start = self.event == Event.START
        busy = start.astype(np.int8) - (self.event == Event.LEAVE)
        queue = (self.event == Event.QUEUE).astype(np.int8) - start - (self.event == Event.RENEGE)
        relevant = np.flatnonzero((busy != 0) | (queue != 0))
        out = {}
        for s in np.unique(self.service[relevant]):
            rows = relevant[self.service[relevant] == s]
            out[(int(s), -1)] = (self.time[rows], busy[rows], queue[rows])
            for loc in range(len(self.localities)):
                sub = rows[self.locality[rows] == loc]
                out[(int(s), loc)] = (self.time[sub], busy[sub], queue[sub])
        return out

    def occupancy(self, service: str, locality: int = -1) -> StepSeries:
        """Units in use (patients holding the service); locality -1 for all patients."""
        times, busy, _ = self._series(service, locality)
        return StepSeries(times, busy)

    def queue(self, service: str, locality: int = -1) -> StepSeries:
        """Patients waiting for a unit (``queue`` to ``start`` or ``renege``); locality -1
        for all patients."""
        times, _, queue = self._series(service, locality)
        return StepSeries(times, queue)

    def _series(self, service: str, locality: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        empty = (np.zeros(0), np.zeros(0), np.zeros(0))
        return self._changes.get((self.service_index[service], locality), empty)


def _occurrence_keys(patients: np.ndarray) -> np.ndarray:
    """patient * 2^20 + how many earlier events of the same kind the patient had."""
    order = np.argsort(patients, kind="stable")
    sorted_p = patients[order]
    first = np.searchsorted(sorted_p, sorted_p, side="left")
    occurrence = np.empty(len(patients), dtype=np.int64)
    occurrence[order] = np.arange(len(patients)) - first
    return patients.astype(np.int64) * (1 << 20) + occurrence
