"""How the cost of one replication grows with the population and the horizon, and Kent & Medway
against the baseline: time, peak memory and CPU per logged event.

    python benchmarks/scaling.py [--fraction 1] [--populations N ...] [--years Y ...]
                                 [--repeats 3] [--skip SECTION ...] [--plot FILE.png]

Every figure is replication 0 of a frozen scenario (``benchmarks/scenarios/``), run in a fresh
interpreter by ``benchmarks/memory_probe.py``, twice: the simulation step alone
(``run_replication``: its CPU seconds and logged events) and the whole replication
(``sim.runner.simulate``: simulation and reductions, wall clock and peak resident memory).

- **population**: the frozen baseline (250,000 residents) scaled to each population: every
  locality's residents and every service's capacity multiplied by the same factor (capacity
  rounded, at least 1), so demand and capacity grow together and utilisation stays about the
  same; a system k times as large, not a busier one.
- **horizon**: the frozen baseline with a results period of 1 to 5 years.
- **kent_medway**: the frozen Kent & Medway (1.9 million residents in eight localities) against
  the frozen baseline, interleaved, best of ``--repeats``: CPU per logged event of each, and
  the ratio (the goal: within 1.1x); Kent & Medway's wall time (goal 15 s) and peak memory
  (goal 1 GB, MB = 10^6 bytes).

``--fraction`` shortens every warm-up and results period for a quick run (the follow-up stays
30 days): per-event costs stay comparable, times and memory shrink, the goals are not judged.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make the repository's packages importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.memory import MB, probe  # noqa: E402
from sim.compile import load_scenario  # noqa: E402
from sim.config.schema import CapacitatedService, Scenario  # noqa: E402

FROZEN = Path(__file__).with_name("scenarios")
BASELINE = FROZEN / "baseline.yaml"
KENT_MEDWAY = FROZEN / "kent_medway.yaml"
POPULATIONS = (50_000, 250_000, 500_000, 1_000_000, 2_000_000)
YEARS = (1, 2, 3, 4, 5)
SECTIONS = ("population", "horizon", "kent_medway")
DAYS_A_YEAR = 365
PER_EVENT_RATIO_GOAL = 1.1  # Kent & Medway's CPU per event over the baseline's
WALL_GOAL_SECONDS = 15.0
PEAK_GOAL_MB = 1000.0


def population_changes(scenario: Scenario, factor: float) -> dict[str, Any]:
    """Dotted-path changes making ``scenario`` a system ``factor`` times as large: residents
    and capacities multiplied, capacities rounded to whole units (at least 1)."""
    unscalable = [name for name, present in (
        ("census", scenario.census is not None), ("escalation", bool(scenario.escalation)),
        ("staffing.rosters", bool(scenario.staffing.rosters)))
        if present]
    if unscalable:
        raise ValueError(f"scenario '{scenario.name}': cannot scale {', '.join(unscalable)} "
                         "with the population (only residents and capacities are scaled)")
    changes: dict[str, Any] = {}
    for locality, spec in scenario.geography.localities.items():
        for band, residents in spec.population.items():
            changes[f"geography.localities.{locality}.population.{band}"] = round(residents * factor)
    for name, service in scenario.services.items():
        if not isinstance(service, CapacitatedService):
            continue
        if isinstance(service.capacity, int):
            changes[f"services.{name}.capacity"] = max(1, round(service.capacity * factor))
        for unit, units in (service.capacity_by_unit or {}).items():
            changes[f"services.{name}.capacity_by_unit.{unit}"] = max(1, round(units * factor))
    return changes


def horizon_changes(scenario: Scenario, fraction: float, years: float | None = None) -> dict[str, Any]:
    """Changes giving a results period of ``years`` (default: the scenario's), with warm-up and
    results multiplied by ``fraction`` (the follow-up is kept: scenarios need 30 days of it)."""
    t = scenario.time
    run_days = t.run_days if years is None else years * DAYS_A_YEAR
    return {"time.warmup_days": t.warmup_days * fraction, "time.run_days": run_days * fraction}


@dataclass(frozen=True)
class Point:
    """One replication measured: its simulation step and the whole replication."""

    label: str
    residents: int
    horizon_days: float
    events: int
    simulation_cpu: float  # seconds, run_replication
    simulation_peak_mb: float
    total_cpu: float  # seconds, simulate: simulation and reductions
    total_wall: float
    total_peak_mb: float
    imports_mb: float

    @property
    def per_event_us(self) -> float:
        return self.simulation_cpu / self.events * 1e6

    @property
    def reductions_cpu(self) -> float:
        return self.total_cpu - self.simulation_cpu


def measure(label: str, path: Path, changes: dict[str, Any], simulate: bool = True) -> Point:
    """Replication 0 of the scenario at ``path`` with ``changes``, in fresh interpreters
    (the whole replication only when ``simulate``)."""
    scenario = load_scenario(path, changes)
    t = scenario.time
    model = probe("model", path, changes)
    full = probe("simulate", path, changes) if simulate else None
    nan = float("nan")
    return Point(label, scenario.geography.population,
                 t.warmup_days + t.run_days + t.follow_up_days, model["n_events"],
                 model["cpu_seconds"], model["peak_bytes"] / MB,
                 full["cpu_seconds"] if full else nan, full["wall_seconds"] if full else nan,
                 full["peak_bytes"] / MB if full else nan, model["imports_bytes"] / MB)


def scan_population(populations: tuple[int, ...], fraction: float) -> list[Point]:
    base = load_scenario(BASELINE)
    timing = horizon_changes(base, fraction)
    return [measure(f"{residents:,} residents", BASELINE,
                    {**population_changes(base, residents / base.geography.population), **timing})
            for residents in populations]


def scan_horizon(years: tuple[int, ...], fraction: float) -> list[Point]:
    base = load_scenario(BASELINE)
    return [measure(f"{y} year{'s' if y > 1 else ''}", BASELINE, horizon_changes(base, fraction, y))
            for y in years]


@dataclass(frozen=True)
class Comparison:
    baseline: list[Point]
    kent_medway: list[Point]

    def best(self, side: str) -> Point:
        return min(getattr(self, side), key=lambda p: p.per_event_us)

    @property
    def ratio(self) -> float:
        return self.best("kent_medway").per_event_us / self.best("baseline").per_event_us


def compare_kent_medway(repeats: int, fraction: float) -> Comparison:
    """Baseline and Kent & Medway, interleaved, ``repeats`` times each; the whole replication
    (wall, peak memory) of Kent & Medway once, of the baseline once."""
    changes = {path: horizon_changes(load_scenario(path), fraction)
               for path in (BASELINE, KENT_MEDWAY)}
    baseline, kent_medway = [], []
    for k in range(repeats):
        baseline.append(measure("baseline", BASELINE, changes[BASELINE], simulate=k == 0))
        kent_medway.append(measure("Kent & Medway", KENT_MEDWAY, changes[KENT_MEDWAY],
                                   simulate=k == 0))
    return Comparison(baseline, kent_medway)


def render(points: list[Point], reference: Point | None = None) -> str:
    """A table of points; per-event cost also relative to ``reference`` (default the first)."""
    reference = reference or points[0]
    head = (f"  {'':<22} {'residents':>10} {'days':>6} {'log events':>11} {'sim CPU s':>9} "
            f"{'reduce CPU s':>12} {'wall s':>7} {'us/event':>8} {'x ref':>6} {'peak MB':>8}")
    lines = [head]
    for p in points:
        lines.append(f"  {p.label:<22} {p.residents:>10,} {p.horizon_days:>6.0f} {p.events:>11,} "
                     f"{p.simulation_cpu:>9.2f} {p.reductions_cpu:>12.2f} {p.total_wall:>7.2f} "
                     f"{p.per_event_us:>8.2f} {p.per_event_us / reference.per_event_us:>6.2f} "
                     f"{p.total_peak_mb:>8.0f}")
    return "\n".join(lines)


def render_comparison(c: Comparison, judged: bool) -> str:
    km, base = c.best("kent_medway"), c.best("baseline")
    first = c.kent_medway[0]
    runs = lambda side: ", ".join(f"{p.per_event_us:.2f}" for p in getattr(c, side))  # noqa: E731
    verdict = (lambda ok: "met" if ok else "NOT met") if judged else (lambda ok: "not judged")
    return "\n".join([
        f"  CPU per logged event, best of {len(c.baseline)} interleaved: baseline "
        f"{base.per_event_us:.2f} us ({runs('baseline')}), Kent & Medway {km.per_event_us:.2f} us "
        f"({runs('kent_medway')})",
        f"  ratio Kent & Medway / baseline: {c.ratio:.2f} (goal <= {PER_EVENT_RATIO_GOAL}: "
        f"{verdict(c.ratio <= PER_EVENT_RATIO_GOAL)})",
        f"  Kent & Medway, one replication: {first.events:,} events, simulation "
        f"{first.simulation_cpu:.1f} s CPU, with reductions {first.total_cpu:.1f} s CPU, "
        f"{first.total_wall:.1f} s wall (goal <= {WALL_GOAL_SECONDS:g} s: "
        f"{verdict(first.total_wall <= WALL_GOAL_SECONDS)}); peak {first.total_peak_mb:.0f} MB "
        f"(simulation step {first.simulation_peak_mb:.0f} MB, imports {first.imports_mb:.0f} MB; "
        f"goal <= {PEAK_GOAL_MB:g}: {verdict(first.total_peak_mb <= PEAK_GOAL_MB)})",
    ])


def plot(population: list[Point], horizon: list[Point], path: Path, note: str) -> None:
    """Time and peak memory against population and against horizon, and CPU per logged event
    against the events of both, one panel each."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    panels = [(population, [p.residents / 1e6 for p in population], "residents, millions"),
              (horizon, [p.horizon_days / DAYS_A_YEAR for p in horizon],
               "simulated years (warm-up + results + follow-up)")]
    panels = [panel for panel in panels if panel[0]]
    fig, axes = plt.subplots(1, len(panels) + 1, figsize=(5.5 * (len(panels) + 1), 4.2),
                             squeeze=False)
    for ax, (points, x, xlabel) in zip(axes[0], panels):
        ax.plot(x, [p.simulation_cpu for p in points], "o-", label="simulation, CPU s")
        ax.plot(x, [p.total_cpu for p in points], "s-", label="with reductions, CPU s")
        ax.set_xlabel(xlabel)
        ax.set_ylabel("seconds, one replication")
        ax.set_ylim(bottom=0)
        ax.grid(alpha=0.3)
        memory = ax.twinx()
        memory.plot(x, [p.total_peak_mb for p in points], "^--", color="grey",
                    label="peak memory, MB")
        memory.set_ylabel("peak resident memory, MB (imports included)")
        memory.set_ylim(bottom=0)
        lines = ax.get_legend_handles_labels()
        more = memory.get_legend_handles_labels()
        ax.legend(lines[0] + more[0], lines[1] + more[1], loc="lower right", fontsize=8)
    ax = axes[0][-1]
    for points, label, marker in ((population, "population scan", "o-"),
                                  (horizon, "horizon scan", "s-")):
        if points:
            ax.plot([p.events / 1e6 for p in points], [p.per_event_us for p in points], marker,
                    label=label)
    ax.set_xlabel("logged events, millions")
    ax.set_ylabel("simulation CPU per logged event, microseconds")
    ax.set_ylim(bottom=0)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    fig.suptitle(f"One replication of the frozen baseline, scaled ({note})", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fraction", type=float, default=1.0,
                        help="warm-ups and results periods multiplied by this (default 1; 0.25 for "
                             "a quick run)")
    parser.add_argument("--populations", type=int, nargs="+", default=list(POPULATIONS))
    parser.add_argument("--years", type=int, nargs="+", default=list(YEARS))
    parser.add_argument("--repeats", type=int, default=3,
                        help="interleaved runs of the Kent & Medway comparison (default 3)")
    parser.add_argument("--skip", nargs="+", choices=SECTIONS, default=[], metavar="SECTION")
    parser.add_argument("--plot", type=Path, help="write the scaling curves to this PNG")
    parser.add_argument("--json", type=Path, help="write every point measured to this file")
    return parser.parse_args(argv)


def load_average() -> str:
    return ", ".join(f"{v:.2f}" for v in os.getloadavg()) if hasattr(os, "getloadavg") else "?"


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if not 0 < args.fraction <= 1:
        raise SystemExit(f"--fraction: expected a number in (0, 1], got {args.fraction}")
    note = f"horizons x {args.fraction:g}" if args.fraction != 1 else "full horizons"
    print(f"load average at start (1, 5, 15 min): {load_average()}; {os.cpu_count()} cores; {note}")
    population: list[Point] = []
    horizon: list[Point] = []
    saved: dict[str, Any] = {"fraction": args.fraction, "load_average_start": load_average()}
    if "population" not in args.skip:
        population = scan_population(tuple(args.populations), args.fraction)
        print("\nPopulation (the frozen baseline scaled; x ref: CPU per event against the first row)")
        print(render(population), flush=True)
    if "horizon" not in args.skip:
        horizon = scan_horizon(tuple(args.years), args.fraction)
        print("\nHorizon (the frozen baseline, results period of 1 to 5 years)")
        print(render(horizon), flush=True)
    if "kent_medway" not in args.skip:
        comparison = compare_kent_medway(args.repeats, args.fraction)
        print("\nKent & Medway against the baseline (both frozen)")
        print(render_comparison(comparison, judged=args.fraction == 1))
        saved["kent_medway"] = [p.__dict__ for p in comparison.kent_medway]
        saved["baseline"] = [p.__dict__ for p in comparison.baseline]
    print(f"\nload average at end (1, 5, 15 min): {load_average()}")
    saved.update(population=[p.__dict__ for p in population], horizon=[p.__dict__ for p in horizon],
                 load_average_end=load_average())
    if args.plot and (population or horizon):
        plot(population, horizon, args.plot, note)
        print(f"plot written to {args.plot}")
    if args.json:
        args.json.write_text(json.dumps(saved, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
