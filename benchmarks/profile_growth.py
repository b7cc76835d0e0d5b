"""Which functions cost more per logged event in a large system than in a small one: the
profile of one replication of the frozen Kent & Medway against the frozen baseline.

    python benchmarks/profile_growth.py [--fraction 0.25] [--top 20] [--whole]

Both run under cProfile timed by CPU time (``time.process_time``: on a shared machine other
work would inflate wall time), warm-up and results period shortened by ``--fraction``. For each
function: its own time (excluding what it calls) per logged event in each scenario, and the
excess, the CPU seconds Kent & Medway would save if that function cost per event what it costs
in the baseline: ``(per event at K&M - per event at baseline) x K&M events``. Sorted by excess,
the top of the list is what grows faster than the work. ``--whole`` profiles the whole
replication (``sim.runner.simulate``, reductions included) instead of the simulation step.
cProfile adds a fixed cost to every Python call, which inflates small functions; the
comparison is between two profiled runs, so that cost is on both sides.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

if __package__ in (None, ""):  # run as a script: make the repository's packages importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.scaling import BASELINE, KENT_MEDWAY, horizon_changes  # noqa: E402
from sim.compile import load_scenario  # noqa: E402
from sim.config.schema import Scenario  # noqa: E402
from sim.engine.model import run_replication  # noqa: E402
from sim.runner import simulate  # noqa: E402

Key = tuple[str, int, str]  # file, line, function


@dataclass(frozen=True)
class Profile:
    events: int
    cpu_seconds: float  # the profiled run, profiler overhead included
    own_seconds: dict[Key, float]  # time in each function itself
    calls: dict[Key, int]


def profile(scenario: Scenario, whole: bool) -> Profile:
    step: Callable[[Scenario, int], Any] = simulate if whole else run_replication
    profiler = cProfile.Profile(time.process_time)
    cpu = time.process_time()
    result = profiler.runcall(step, scenario, 0)
    cpu = time.process_time() - cpu
    # {key: (primitive calls, calls, own, cumulative, callers)}: the table pstats prints from,
    # an attribute its type stubs leave out
    stats: dict[Key, Any] = pstats.Stats(profiler).stats  # type: ignore[attr-defined]
    return Profile(result.n_events, cpu, {key: row[2] for key, row in stats.items()},
                   {key: row[1] for key, row in stats.items()})


def name(key: Key) -> str:
    file, line, function = key
    if file == "~":  # built-in
        return function
    parts = Path(file).parts
    inside = parts[parts.index("sim"):] if "sim" in parts else parts[-2:]
    return f"{'/'.join(inside)}:{line} {function}"


def growth_table(small: Profile, large: Profile, top: int) -> str:
    def per_event(p: Profile, key: Key) -> float:
        return p.own_seconds.get(key, 0.0) / p.events * 1e6

    keys = set(small.own_seconds) | set(large.own_seconds)
    excess = {key: (per_event(large, key) - per_event(small, key)) * large.events / 1e6
              for key in keys}
    lines = [f"  {'function':<70} {'us/event base':>13} {'K&M':>8} {'x':>6} {'excess s':>9} "
             f"{'calls/event base':>16} {'K&M':>6}"]
    for key in sorted(keys, key=lambda k: -excess[k])[:top]:
        base, km = per_event(small, key), per_event(large, key)
        ratio = f"{km / base:.2f}" if base > 0 else "new"
        lines.append(f"  {name(key)[:70]:<70} {base:>13.3f} {km:>8.3f} {ratio:>6} "
                     f"{excess[key]:>9.2f} {small.calls.get(key, 0) / small.events:>16.3f} "
                     f"{large.calls.get(key, 0) / large.events:>6.3f}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fraction", type=float, default=0.25,
                        help="warm-up and results period multiplied by this (default 0.25)")
    parser.add_argument("--top", type=int, default=20)
    parser.add_argument("--whole", action="store_true",
                        help="profile the whole replication (reductions included)")
    args = parser.parse_args(argv)
    profiles = {}
    for path in (BASELINE, KENT_MEDWAY):
        scenario = load_scenario(path, horizon_changes(load_scenario(path), args.fraction))
        profiles[path] = profile(scenario, args.whole)
        p = profiles[path]
        print(f"{path.stem}: {p.events:,} events, {p.cpu_seconds:.1f} s CPU profiled, "
              f"{p.cpu_seconds / p.events * 1e6:.2f} us per event", flush=True)
    small, large = profiles[BASELINE], profiles[KENT_MEDWAY]
    total_excess = (large.cpu_seconds / large.events - small.cpu_seconds / small.events) * large.events
    print(f"\nexcess of Kent & Medway over linear scaling of the baseline: {total_excess:.1f} s CPU "
          f"(profiled); the functions most to blame (own time):")
    print(growth_table(small, large, args.top))
    return 0


if __name__ == "__main__":
    sys.exit(main())
