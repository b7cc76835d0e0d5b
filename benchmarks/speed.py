"""Speed of one replication, and its cost per stage visit against the bare SimPy network.

Throughput (journeys and SimPy events a second) is wall-clock time, what an analyst waits
for. The ratio to the bare network uses CPU time of this process, so that other work on a
shared machine disturbs it less; both sides are timed the same way, interleaved, best of
``repeats``, each including its own set-up (the model also freezes its log and checks that
no patient was lost, which is part of its cost).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from benchmarks.bare_simpy import run_bare_network
from benchmarks.figures import Figure
from sim.config.schema import Scenario
from sim.engine.counting import simpy_events
from sim.engine.eventlog import Event
from sim.engine.model import run_replication
from sim.engine.streams import patient_stream

SECTION = "speed"
RATIO_GOAL = 1.5  # model seconds per stage visit / bare network seconds per stage visit


@dataclass(frozen=True)
class SpeedRun:
    wall_seconds: float
    cpu_seconds: float
    journeys: int  # patients who arrived (ARRIVE events)
    stage_visits: int  # units of service granted (START events)


def time_model(scenario: Scenario, replication: int = 0) -> SpeedRun:
    wall, cpu = time.perf_counter(), time.process_time()
    log = run_replication(scenario, replication)
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    kinds = log.events["event"]
    return SpeedRun(wall, cpu, int(np.count_nonzero(kinds == Event.ARRIVE)),
                    int(np.count_nonzero(kinds == Event.START)))


def time_bare(scenario: Scenario, stage_visits: int) -> float:
    """CPU seconds of the bare network doing ``stage_visits`` stage visits."""
    cpu = time.process_time()
    run_bare_network(scenario, stage_visits)
    return time.process_time() - cpu


def time_patient_generators(n: int) -> float:
    """CPU seconds to seed ``n`` patients' private generators and draw once from each, as the
    model does for every arrival (the price of common random numbers per patient)."""
    seeds = np.random.default_rng(0).integers(0, 2**63, n).tolist()
    cpu = time.process_time()
    for seed in seeds:
        patient_stream(seed).random()
    return time.process_time() - cpu


def measure_speed(scenario: Scenario, repeats: int, assessed: bool = True) -> list[Figure]:
    """Best of ``repeats`` runs of replication 0 of ``scenario`` and of the bare network."""
    runs, bare = [], []
    for _ in range(repeats):
        runs.append(time_model(scenario))
        bare.append(time_bare(scenario, runs[-1].stage_visits))
    seeding = min(time_patient_generators(runs[0].journeys) for _ in range(repeats))
    events = simpy_events(scenario, 0)  # counted in a run of its own: counting costs time
    best_wall = min(runs, key=lambda run: run.wall_seconds)
    model_cpu, bare_cpu = min(run.cpu_seconds for run in runs), min(bare)
    visits = runs[0].stage_visits
    per_visit = lambda seconds: seconds / visits * 1e6  # noqa: E731
    return [
        Figure(SECTION, "one replication, wall clock", best_wall.wall_seconds, "s",
               note=f"best of {repeats}"),
        Figure(SECTION, "patient journeys per second", best_wall.journeys
               / best_wall.wall_seconds, "/s", note=f"{best_wall.journeys:,} journeys"),
        Figure(SECTION, "SimPy events per second", events / best_wall.wall_seconds, "/s",
               note=f"{events:,} events"),
        Figure(SECTION, "model CPU per stage visit", per_visit(model_cpu), "us",
               note=f"{visits:,} stage visits (START events)"),
        Figure(SECTION, "bare SimPy network CPU per stage visit", per_visit(bare_cpu), "us",
               note="same services, capacities, routes and blocking; no log, one generator"),
        Figure(SECTION, "model / bare cost per stage visit", model_cpu / bare_cpu,
               at_most=RATIO_GOAL, assessed=assessed, note="CPU time, best of each"),
        Figure(SECTION, "of the model: seeding patient generators, per stage visit",
               per_visit(seeding), "us", note=f"{seeding / model_cpu:.0%} of the model's CPU time"),
    ]
