"""Calibrating the shipped baseline against the national figures (issue 19): wall time,
points per wave, simulator replications, and the time spent simulating against the time
spent fitting and using the emulators. The goal is at most 20 minutes on 2 cores with the
issue's design (10 points per input, 2 waves, 50 confirmed input sets at 5 replications).

    python benchmarks/calibrate.py                       # the full design (long)
    python benchmarks/calibrate.py --project 3           # time 3 replications, project the rest

``--project N`` times N replications of the scenario at its point values on one core and
projects the full calibration's wall time from the design's count of replications, without
running it (the shared machine's cores are not the benchmark's).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import tempfile
import time
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the repository's packages importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402

from sim.calibrate.emulator import fit_emulator  # noqa: E402
from sim.calibrate.history import OVERSAMPLE  # noqa: E402
from sim.cli import main  # noqa: E402
from sim.compile import load_scenario  # noqa: E402
from sim.figures import load_figures  # noqa: E402
from sim.runner import simulate  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
GOAL_MINUTES = 20.0


def design_replications(k: int, waves: int, points_per_input: int, reps: int,
                        ensemble_size: int, confirm_reps: int) -> int:
    """Replications of a calibration whose confirmations all pass at the first batch."""
    return (waves * points_per_input * k * reps
            + math.ceil(ensemble_size * OVERSAMPLE) * confirm_reps)


def emulator_seconds(k: int, points_per_input: int, waves: int, figures: int) -> float:
    """CPU seconds to fit the emulators of every wave: one GP timed at each wave's number of
    points (wave w is fitted to w x points_per_input x k points, starting from wave w - 1's
    kernel as the calibration does), on a smooth function of k inputs with noise, times the
    number of figures."""
    rng = np.random.default_rng(0)
    unit = rng.random((waves * points_per_input * k, k))
    values = np.sin(3 * unit[:, 0]) + unit[:, 1] ** 2 + rng.normal(0, 0.05, len(unit))
    total, start = 0.0, None
    for wave in range(1, waves + 1):
        n = wave * points_per_input * k
        cpu = time.process_time()
        start = fit_emulator(unit[:n], values[:n], 0, start).gp.kernel_
        total += (time.process_time() - cpu) * figures
    return total


def project(args: argparse.Namespace, k: int) -> None:
    scenario = load_scenario(args.scenario)
    seconds, walls = [], []
    for replication in range(args.project):
        started, cpu = time.perf_counter(), time.process_time()
        simulate(scenario, replication)
        seconds.append(time.process_time() - cpu)  # CPU: less disturbed by a busy machine
        walls.append(time.perf_counter() - started)
    per_rep = sum(seconds) / len(seconds)
    total = design_replications(k, args.waves, args.points_per_input, args.reps,
                                args.ensemble_size, args.confirm_reps)
    minutes = total * per_rep / args.jobs / 60
    print(f"{scenario.name}: {k} inputs; one replication {per_rep:.1f} s of CPU "
          f"({', '.join(f'{s:.1f}' for s in seconds)}; wall {', '.join(f'{w:.1f}' for w in walls)})")
    print(f"design: {args.waves} waves x {args.points_per_input * k} points x {args.reps} "
          f"replications + {math.ceil(args.ensemble_size * OVERSAMPLE)} confirmations x "
          f"{args.confirm_reps} = {total} replications")
    figures = len(load_figures(args.figures))
    emulate = emulator_seconds(k, args.points_per_input, args.waves, figures) / 60
    print(f"projected: simulating {minutes:.1f} min on {args.jobs} cores, fitting "
          f"{figures} emulators a wave {emulate:.1f} min (CPU, one process): "
          f"{minutes + emulate:.1f} min against the goal of {GOAL_MINUTES:g}")


def run(args: argparse.Namespace) -> None:
    out = Path(tempfile.mkdtemp(prefix="calibrate-bench-")) / "calibration"
    started = time.perf_counter()
    status = main(["calibrate", str(args.scenario), "--figures", str(args.figures),
                   "--out", str(out), "--waves", str(args.waves),
                   "--points-per-input", str(args.points_per_input), "--reps", str(args.reps),
                   "--ensemble-size", str(args.ensemble_size),
                   "--confirm-reps", str(args.confirm_reps), "--jobs", str(args.jobs),
                   "--no-cache"])
    wall = time.perf_counter() - started
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    print(f"\nexit status {status}; wall {wall / 60:.1f} min (goal {GOAL_MINUTES:g}) -> {out}")
    for count in manifest["counts"]:
        print(f"  {count['wave']}: {count['points']} points, {count['replications']} "
              "replications")
    print(f"simulator replications: {sum(c['replications'] for c in manifest['counts'])}; "
          f"simulating {manifest['simulate_seconds'] / 60:.1f} min, emulators "
          f"{manifest['emulate_seconds'] / 60:.1f} min")


def main_benchmark() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", type=Path, default=ROOT / "scenarios" / "baseline.yaml")
    parser.add_argument("--figures", type=Path,
                        default=ROOT / "scenarios" / "figures" / "england.yaml")
    parser.add_argument("--waves", type=int, default=2)
    parser.add_argument("--points-per-input", type=int, default=10)
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--ensemble-size", type=int, default=50)
    parser.add_argument("--confirm-reps", type=int, default=5)
    parser.add_argument("--jobs", type=int, default=min(2, os.cpu_count() or 1))
    parser.add_argument("--project", type=int, metavar="N",
                        help="time N replications and project, instead of running")
    args = parser.parse_args()
    k = len(load_scenario(args.scenario).calibration)
    if args.project:
        project(args, k)
    else:
        run(args)


if __name__ == "__main__":
    main_benchmark()
