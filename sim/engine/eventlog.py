"""The replication's primary output: a columnar event log and a patient table.

Every measure is computed from these two tables (see ``sim.analysis``). Columns are typed
arrays, appended to while the model runs and seen as NumPy arrays at the end, so one event
costs 16 bytes (patient 4, time 8, event 1, service 2, pathway 1), plus the arrays' growth
slack (at most 1/16). Each code column is the narrowest that holds every code a valid scenario
can give (the limits of ``sim.config.checks``).
"""

from __future__ import annotations

from array import array
from dataclasses import dataclass, field
from enum import IntEnum

import numpy as np

from sim.config.checks import MAX_CODES, MAX_SERVICES


class Event(IntEnum):
    """What happened to a patient at a service."""

    ARRIVE = 0  # entered the system at an entry service
    PREVENTED = 1  # a crisis that case management or care home support prevented
    QUEUE = 2  # asked for the service (referral, admission decision, request for a slot)
    START = 3  # got a unit of the service (a bed, a slot, a clinician)
    VISIT = 4  # a mobile team reached the patient (after travelling)
    READY = 5  # service time over: ready to move on (medically optimised, in a ward)
    LEAVE = 6  # gave the unit back
    EXIT = 7  # journey ended; the service is the outcome
    BALK = 8  # found the service busy on asking and went to its alternative instead
    RENEGE = 9  # gave up waiting for the service (patience ran out) and went to its alternative


def holding(largest: int) -> str:
    """The narrowest signed ``array`` typecode holding the codes 0 to ``largest``."""
    return next(code for code in "bhiq" if largest < 2 ** (8 * array(code).itemsize - 1))


NAME_CODE = holding(MAX_CODES)  # a code among at most MAX_CODES names, or one more ("none")
EVENT_COLUMNS = {"patient": "i", "time": "d", "event": holding(max(Event)),
                 "service": holding(MAX_SERVICES - 1), "pathway": NAME_CODE}
PATIENT_COLUMNS = {
    "stream": NAME_CODE,
    "locality": NAME_CODE,
    "age_band": NAME_CODE,
    "residence": "b",
    "source": NAME_CODE,
    "high_risk": "b",
    "prevented": "b",
    "arrival_time": "d",
    "surge": NAME_CODE,  # index of the surge that added the patient (sim.config.surges), -1 none
}


@dataclass
class Recorder:
    """Appends events and patients while a replication runs."""

    events: dict[str, array] = field(
        default_factory=lambda: {name: array(code) for name, code in EVENT_COLUMNS.items()}
    )
    patients: dict[str, array] = field(
        default_factory=lambda: {name: array(code) for name, code in PATIENT_COLUMNS.items()}
    )

    def __post_init__(self) -> None:
        # each column's append, in the order of EVENT_COLUMNS: the model's hot path appends
        # through these directly
        self.event_appenders = tuple(column.append for column in self.events.values())
        self._patient_appenders = tuple(column.append for column in self.patients.values())

    def event(self, patient: int, time: float, event: int, service: int, pathway: int) -> None:
        add_patient, add_time, add_event, add_service, add_pathway = self.event_appenders
        add_patient(patient)
        add_time(time)
        add_event(event)
        add_service(service)
        add_pathway(pathway)

    def patient(self, stream: int, locality: int, age_band: int, residence: int, source: int,
                high_risk: int, prevented: int, arrival_time: float, surge: int) -> None:
        """Append one patient's attributes (in the order of ``PATIENT_COLUMNS``)."""
        (add_stream, add_locality, add_age_band, add_residence, add_source, add_high_risk,
         add_prevented, add_arrival_time, add_surge) = self._patient_appenders
        add_stream(stream)
        add_locality(locality)
        add_age_band(age_band)
        add_residence(residence)
        add_source(source)
        add_high_risk(high_risk)
        add_prevented(prevented)
        add_arrival_time(arrival_time)
        add_surge(surge)

    def freeze(self) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
        """The columns as NumPy arrays over the recorded buffers, without copying them (a copy
        would double the log's memory at its peak); after this no more rows can be added."""
        def as_numpy(columns: dict[str, array]) -> dict[str, np.ndarray]:
            return {name: np.frombuffer(column, dtype=column.typecode)
                    for name, column in columns.items()}
        return as_numpy(self.events), as_numpy(self.patients)
