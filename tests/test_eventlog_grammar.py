"""Every patient's events follow the grammar of docs/eventlog.md, in every shipped scenario.

The metrics read a journey by the order of its events (the next event, the one before, the
k-th queue at a service with its k-th start), so the order is a contract: each patient's
events, one letter per kind, must match ``FINISHED`` (they exited) or ``UNFINISHED`` (still
in the system at the horizon), and each event must be at the service the grammar implies.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from helpers import REPO, shipped_cases

from sim import ReplicationLog
from sim.analysis.logview import LogView
from sim.engine.eventlog import Event

LETTER = {Event.ARRIVE: "A", Event.PREVENTED: "P", Event.QUEUE: "Q", Event.START: "S",
          Event.VISIT: "V", Event.READY: "R", Event.LEAVE: "L", Event.EXIT: "X",
          Event.BALK: "B", Event.RENEGE: "G"}
# The grammar as docs/eventlog.md states it (tested to appear there verbatim). W: asking
# for a service and being sent elsewhere (a balk, or a queue given up).
W = "(?:B|QG)"
FINISHED = "P|AW*(?:QSV?R(?:(?:LW*Q|W*QL)SV?R)*(?:LW*|W*L))?X"
UNFINISHED = "AW*(?:Q?|Q(?:SV?R(?:LW*Q|W*QL))*SV?(?:R(?:LW*Q?|W*(?:QL?|L)?))?)"
JOURNEY = re.compile(f"(?:{FINISHED})|(?:{UNFINISHED})".replace("W", W))


def journeys(log: ReplicationLog) -> list[str]:
    """Each patient's events as a string of ``LETTER``s, indexed by patient id."""
    patient, event = log.events["patient"], log.events["event"]
    order = np.argsort(patient, kind="stable")  # by patient, each in the order logged
    letters = np.zeros(len(Event), dtype=np.uint8)
    for kind, letter in LETTER.items():
        letters[kind] = ord(letter)
    text = letters[event[order]]
    ids = patient[order]
    new_patient = np.flatnonzero(ids[1:] != ids[:-1]) + 1
    assert np.array_equal(np.unique(ids), np.arange(len(log.patients["locality"]))), \
        "every patient in the patient table has events, and only they"
    return np.insert(text, new_patient, ord(",")).tobytes().decode("ascii").split(",")


def first_offender(log: ReplicationLog, patients: np.ndarray, what: str) -> str:
    """The first offending patient's events, one per line, for the failure message."""
    pid = int(patients.min())
    rows = np.flatnonzero(log.events["patient"] == pid)
    names = list(log.scenario.services)
    lines = [f"{log.events['time'][r]:10.4f}  {Event(log.events['event'][r]).name:<9} "
             f"{names[log.events['service'][r]]}" for r in rows]
    return f"{log.scenario.name}: {what}; patient {pid}:\n" + "\n".join(lines)


def check_grammar(log: ReplicationLog) -> None:
    strings = journeys(log)
    unmatched = [i for i, s in enumerate(strings) if not JOURNEY.fullmatch(s)]
    assert not unmatched, first_offender(log, np.array(unmatched), "events out of grammar")
    still_in = sum(1 for s in strings if s[0] == "A" and s[-1] != "X")
    assert still_in == log.in_system


def check_services_and_times(log: ReplicationLog) -> None:
    """Each event is at the service of the event it follows up, and a patient's times never
    go back (LogView.pairs matches events per service and takes their difference)."""
    view = LogView(log)
    event, service = view.event, view.service
    # kind -> the kind whose latest earlier event (of the same patient) is at the same service
    follows = {Event.START: Event.QUEUE, Event.RENEGE: Event.QUEUE, Event.VISIT: Event.START,
               Event.READY: Event.START, Event.LEAVE: Event.READY}
    for kind, earlier in follows.items():
        rows = np.flatnonzero(event == kind)
        before = view.latest_before(rows, event == earlier)
        bad = rows[(before < 0) | (service[np.maximum(before, 0)] != service[rows])]
        assert not len(bad), first_offender(
            log, view.patient[bad], f"{kind.name} not at the service of the latest {earlier.name}")
    exits = [i for i, name in enumerate(log.scenario.services) if name in log.exits]
    bad = np.flatnonzero((event == Event.EXIT) & ~np.isin(service, exits))
    assert not len(bad), first_offender(log, view.patient[bad], "EXIT at a service not an exit")
    order = np.argsort(view.patient, kind="stable")
    back = (np.diff(view.time[order]) < 0) & (np.diff(view.patient[order]) == 0)
    assert not back.any(), first_offender(
        log, view.patient[order][1:][back], "a later event at an earlier time")


@pytest.mark.parametrize("path", shipped_cases())
def test_every_journey_follows_the_grammar(path: Path, shipped_run) -> None:
    log = shipped_run(path).log
    check_grammar(log)
    check_services_and_times(log)


def test_the_grammar_is_the_one_documented() -> None:
    doc = (REPO / "docs" / "eventlog.md").read_text(encoding="utf-8")
    for pattern in (W, FINISHED, UNFINISHED, *LETTER.values()):
        assert pattern in doc, pattern
    assert all(f"`{letter}` {kind.name}" in doc for kind, letter in LETTER.items())


@pytest.mark.parametrize("journey, ok", [
    ("P", True), ("AQSRLX", True), ("ABQGQSVRLX", True),
    ("AQSRQLSRLX", True),  # a blocking route: the bed is given back when the next starts
    ("AQSRBQGQLSRLX", True),  # blocking, then a balk and a renege on the way
    ("AQSRLQ", True), ("AQS", True), ("AQSRQL", True),  # still in the system at the horizon
    ("AQSLX", False), ("AQSRX", False), ("AQSRLLX", False), ("AGX", False), ("AQSRLXQ", False),
    ("AQQSRLX", False), ("QSRLX", False), ("AQSRQSRLX", False), ("PA", False),
])
def test_the_grammar_tells_journeys_apart(journey: str, ok: bool) -> None:
    assert bool(JOURNEY.fullmatch(journey)) == ok
