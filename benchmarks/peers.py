"""The model against Ciw, an independent queueing-network library, on three small networks both
can express: first that they agree, then which is faster per customer.

    python benchmarks/peers.py [--replications 10] [--scale 1.0] [--networks re-entry ...]

For each network (``benchmarks.peer_networks``) the replications of the two simulators run
interleaved (model, Ciw, model, Ciw ...), same horizon and arrival rates, each seeded apart.
Each run is timed, CPU time of this process, from the built scenario or network to the end of
the run (the model's ``run_replication``, which freezes its log and checks that no patient was
lost; Ciw's ``Simulation`` and ``simulate_until_max_time``); measures are taken after the clock
stops. The check: every measure's mean over the replications agrees within 3 standard errors
of the difference, sqrt(se_model^2 + se_ciw^2). The speed: CPU seconds per customer (patients
who arrived from outside, including those turned away), best and median of the runs; the
ratio model / Ciw below 1 means the model is faster.
"""

from __future__ import annotations

import argparse
import math
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the repository's packages importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import ciw  # type: ignore[import-untyped]  # noqa: E402
import numpy as np  # noqa: E402

from benchmarks.figures import Figure  # noqa: E402
from benchmarks.peer_networks import PEERS, PeerNetwork, Visits, ciw_visits, model_visits  # noqa: E402
from sim.compile import load_scenario  # noqa: E402
from sim.config.schema import Scenario  # noqa: E402
from sim.engine.eventlog import Event  # noqa: E402
from sim.engine.model import run_replication  # noqa: E402

SECTION = "peers"
AGREEMENT_SE = 3.0  # the two agree when their means differ by at most this many standard errors
RATIO_GOAL = 0.667  # model / Ciw CPU per customer, 1 / 1.5 rounded: the model 1.5x faster (issue 23)


@dataclass(frozen=True)
class Run:
    cpu_seconds: float
    customers: int
    visits: Visits

    @property
    def per_customer_us(self) -> float:
        return self.cpu_seconds / self.customers * 1e6


def scaled_scenario(network: PeerNetwork, scale: float, seed: int | None = None) -> Scenario:
    """The network's scenario with its results period ``scale`` times as long."""
    scenario = load_scenario(network.scenario_file)
    changes: dict[str, float] = {"time.run_days": scenario.time.run_days * scale}
    if seed is not None:
        changes["time.seed"] = seed
    return load_scenario(network.scenario_file, changes)


def run_model(network: PeerNetwork, scenario: Scenario, replication: int) -> Run:
    cpu = time.process_time()
    log = run_replication(scenario, replication)
    cpu = time.process_time() - cpu
    customers = int(np.count_nonzero(log.events["event"] == Event.ARRIVE))
    return Run(cpu, customers, model_visits(log, network.nodes))


def run_ciw(network: PeerNetwork, scenario: Scenario, replication: int) -> Run:
    """One run of the network in Ciw over the scenario's horizon, seeded by replication."""
    t = scenario.time
    ciw_network = network.ciw_network()
    ciw.seed(t.seed * 1000 + replication)
    cpu = time.process_time()
    simulation = ciw.Simulation(ciw_network)
    simulation.simulate_until_max_time(t.warmup_days + t.run_days + t.follow_up_days)
    cpu = time.process_time() - cpu
    window = (t.warmup_days, t.warmup_days + t.run_days)
    customers = simulation.nodes[0].number_of_individuals  # the arrival node's count
    return Run(cpu, customers, ciw_visits(simulation.get_all_records(), window))


@dataclass(frozen=True)
class Agreement:
    label: str
    model_mean: float
    model_se: float
    ciw_mean: float
    ciw_se: float

    @property
    def z(self) -> float:
        """The difference in standard errors of the difference (0 when both are exact)."""
        se = math.hypot(self.model_se, self.ciw_se)
        difference = self.model_mean - self.ciw_mean
        return 0.0 if difference == 0 else difference / se if se > 0 else math.inf

    @property
    def agrees(self) -> bool:
        return abs(self.z) <= AGREEMENT_SE


def mean_and_se(values: list[float]) -> tuple[float, float]:
    return statistics.fmean(values), statistics.stdev(values) / math.sqrt(len(values))


@dataclass(frozen=True)
class PeerResult:
    network: PeerNetwork
    model: list[Run]
    ciw: list[Run]

    def agreements(self) -> list[Agreement]:
        return [Agreement(m.label, *mean_and_se([m.of(r.visits) for r in self.model]),
                          *mean_and_se([m.of(r.visits) for r in self.ciw]))
                for m in self.network.measures]

    def per_customer(self, side: str) -> tuple[float, float]:
        """Best and median CPU microseconds per customer of ``side`` ('model' or 'ciw')."""
        values = [r.per_customer_us for r in getattr(self, side)]
        return min(values), statistics.median(values)


def compare(network: PeerNetwork, replications: int, scale: float = 1.0,
            seed: int | None = None) -> PeerResult:
    """``replications`` runs of each simulator, interleaved."""
    if replications < 2:
        raise ValueError(f"replications: at least 2 are needed for a standard error, got "
                         f"{replications}")
    scenario = scaled_scenario(network, scale, seed)
    model, other = [], []
    for r in range(replications):
        model.append(run_model(network, scenario, r))
        other.append(run_ciw(network, scenario, r))
    return PeerResult(network, model, other)


def render_agreement(result: PeerResult) -> str:
    lines = [f"{result.network.name}: model against Ciw, mean (standard error) over "
             f"{len(result.model)} replications each",
             f"  {'measure':<28} {'model':>20} {'Ciw':>20} {'z':>6}  within 3 SE"]
    for a in result.agreements():
        model, other = f"{a.model_mean:.4g} ({a.model_se:.2g})", f"{a.ciw_mean:.4g} ({a.ciw_se:.2g})"
        lines.append(f"  {a.label:<28} {model:>20} {other:>20} {a.z:>6.2f}  "
                     f"{'yes' if a.agrees else 'NO'}")
    return "\n".join(lines)


def render_speed(results: list[PeerResult]) -> str:
    lines = ["CPU microseconds per customer, best / median of the interleaved runs",
             f"  {'network':<12} {'customers':>10} {'model':>15} {'Ciw':>15} "
             f"{'model / Ciw':>12}"]
    for result in results:
        (mb, mm), (cb, cm) = result.per_customer("model"), result.per_customer("ciw")
        customers = statistics.median(r.customers for r in result.model)
        lines.append(f"  {result.network.name:<12} {customers:>10,.0f} {mb:>7.1f} / {mm:<5.1f} "
                     f"{cb:>7.1f} / {cm:<5.1f} {mb / cb:>5.2f} / {mm / cm:.2f}")
    return "\n".join(lines)


def peer_figures(results: list[PeerResult], assessed: bool = True) -> list[Figure]:
    """The headline ratio per network for ``benchmarks/run_benchmarks.py``."""
    figures = []
    for result in results:
        (mb, mm), (cb, cm) = result.per_customer("model"), result.per_customer("ciw")
        disagree = [a.label for a in result.agreements() if not a.agrees]
        figures.append(Figure(
            SECTION, f"{result.network.name}: model / Ciw CPU per customer", mb / cb,
            at_most=RATIO_GOAL, assessed=assessed and not disagree,
            note=(f"best of {len(result.model)}: model {mb:.1f} us, Ciw {cb:.1f} us; median "
                  f"{mm / cm:.2f}; ") + ("agree within 3 SE" if not disagree else
                                         "DISAGREE on " + ", ".join(disagree))))
    return figures


def measure_peers(replications: int, scale: float, assessed: bool = True) -> list[Figure]:
    results = [compare(network, replications, scale) for network in PEERS]
    for result in results:
        print(render_agreement(result))
    print(render_speed(results))
    return peer_figures(results, assessed)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replications", type=int, default=10,
                        help="runs of each simulator per network, interleaved (default 10)")
    parser.add_argument("--scale", type=float, default=1.0,
                        help="results period as a multiple of the scenario file's (default 1)")
    parser.add_argument("--networks", nargs="+", choices=[n.name for n in PEERS],
                        default=[n.name for n in PEERS], help="networks to run (default all)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    results = []
    for network in PEERS:
        if network.name in args.networks:
            results.append(compare(network, args.replications, args.scale))
            print(render_agreement(results[-1]), end="\n\n", flush=True)
    print(render_speed(results))
    disagree = [a.label for r in results for a in r.agreements() if not a.agrees]
    return 1 if disagree else 0


if __name__ == "__main__":
    sys.exit(main())
