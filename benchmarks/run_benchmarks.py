"""Speed, speed against Ciw, parallel efficiency, memory and replications needed, in one run.

    python benchmarks/run_benchmarks.py [--quick] [--skip SECTION ...] [--out FILE.json|.md]

Prints one table: figure, measured value, goal, met. A full run takes about six minutes on
2 cores; ``--quick`` is a smoke run of a few seconds a section on a shortened baseline, whose
goals (stated for a year and for 20 replications) are shown but not judged. Timings depend
on what else the machine is doing: the load average at the start is printed with the table.

The headline speed figure is ``peers``: the model against Ciw, CPU per customer on three
small networks both express, after checking that they agree (benchmarks/peers.py). The bare
SimPy network of ``speed`` (benchmarks/bare_simpy.py) is kept as a diagnostic of the model's
overhead over plain SimPy on the baseline's shape, no longer the headline: it has no balking
or reneging, so it no longer does the same work (docs/performance.md).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import sys
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the repository's packages importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.figures import Figure, render_table, write_figures  # noqa: E402
from benchmarks.memory import measure_memory  # noqa: E402
from benchmarks.parallel import measure_parallel  # noqa: E402
from benchmarks.peers import measure_peers  # noqa: E402
from benchmarks.replications_needed import measure_replications_needed  # noqa: E402
from benchmarks.speed import measure_speed  # noqa: E402
from sim.compile import load_scenario  # noqa: E402
from sim.runner import ScenarioResult  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "scenarios" / "baseline.yaml"
LOCALITY = ROOT / "scenarios" / "locality.yaml"
SECTIONS = ("speed", "peers", "parallel", "dask", "memory", "replications")
PEER_QUICK = (3, 0.15)  # replications of each simulator and share of each network's run
QUICK = {"time.warmup_days": 30, "time.run_days": 60, "time.follow_up_days": 30}


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="shortened baseline and few replications: a smoke run")
    parser.add_argument("--skip", nargs="+", choices=SECTIONS, default=[], metavar="SECTION",
                        help=f"sections to leave out, of: {', '.join(SECTIONS)}")
    parser.add_argument("--replications", type=int, default=None,
                        help="replications for the parallel runs (default 20; quick 4)")
    parser.add_argument("--pilot", type=int, default=None,
                        help="pilot replications of each scenario (default 20; quick 5)")
    parser.add_argument("--jobs", type=int, default=2, help="workers (default 2)")
    parser.add_argument("--repeats", type=int, default=None,
                        help="timings of one replication, best taken (default 3; quick 1)")
    parser.add_argument("--out", type=Path, help="also write the figures to FILE.json or FILE.md")
    return parser.parse_args(argv)


def load_average() -> str:
    """The 1, 5 and 15 minute load averages: timings mean little when they exceed the cores."""
    if not hasattr(os, "getloadavg"):
        return "unknown"
    return ", ".join(f"{value:.2f}" for value in os.getloadavg())


def context(args: argparse.Namespace) -> dict[str, object]:
    return {
        "date": dt.datetime.now().isoformat(timespec="seconds"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, {platform.python_implementation()} "
                   f"{platform.python_version()}",
        "load average at start (1, 5, 15 min)": load_average(),
        "mode": "quick (shortened baseline; goals not judged)" if args.quick else "full",
    }


def run(args: argparse.Namespace) -> list[Figure]:
    changes = QUICK if args.quick else {}
    judged = not args.quick
    replications = args.replications or (4 if args.quick else 20)
    pilot = args.pilot or (5 if args.quick else 20)
    repeats = args.repeats or (1 if args.quick else 3)
    baseline = load_scenario(BASELINE, changes)
    figures: list[Figure] = []
    baseline_result: ScenarioResult | None = None
    if "speed" not in args.skip:
        figures += measure_speed(baseline, repeats, assessed=judged)
    if "peers" not in args.skip:
        runs, scale = PEER_QUICK if args.quick else (10, 1.0)
        figures += measure_peers(runs, scale, assessed=judged)
    if "parallel" not in args.skip:
        found, baseline_result = measure_parallel(baseline, replications, args.jobs,
                                                  dask="dask" not in args.skip, assessed=judged)
        figures += found
    if "memory" not in args.skip:
        figures += measure_memory(BASELINE, changes, assessed=judged)
    if "replications" not in args.skip:
        figures += measure_replications_needed(baseline, load_scenario(LOCALITY, changes), pilot,
                                               args.jobs, baseline_result, assessed=judged)
    return figures


DEFINITIONS = """\
Definitions: model / Ciw = model CPU seconds per customer / Ciw CPU seconds per customer on the
same network, best of the interleaved runs, judged only when every measure agrees within 3
standard errors; model / bare = model CPU seconds per stage visit / bare SimPy network CPU seconds
per stage visit (same number of visits; a diagnostic, see docs/performance.md);
efficiency = T(serial) / (workers x T(parallel)), wall clock;
peak = resident high-water mark of a fresh process (MB = 10^6 bytes); replications for +-1% =
smallest n per scenario with t(0.975, df) x sd / sqrt(n) <= 1% of the baseline mean emergency
admissions, sd of the paired differences (CRN, df = n - 1) or sqrt(sd_a^2 + sd_b^2) of unpaired
runs with different seeds (independent, Welch df)."""


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    about = context(args)
    for key, value in about.items():
        print(f"{key}: {value}")
    figures = run(args)
    about["load average at end (1, 5, 15 min)"] = load_average()
    print(f"load average at end (1, 5, 15 min): {about['load average at end (1, 5, 15 min)']}")
    print()
    print(render_table(figures))
    print()
    print(DEFINITIONS)
    if args.out:
        write_figures(figures, args.out, about)
        print(f"\nwritten to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
