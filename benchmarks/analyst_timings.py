"""Wall time of what analysts run, as they run it: ``python -m sim`` in a fresh process.

    python benchmarks/analyst_timings.py [--jobs 2] [--repeats 1] [--quick]

- ``sim run`` of the baseline at 10 replications;
- the app's comparison, baseline against locality at 2 replications a side (the commands the
  app runs for its comparison, without the browser: ``benchmarks/app_startup.py`` times the
  click to the table in chromium);
- an ensemble comparison, baseline against the locality with uncertain prevention effects
  (each replication draws its own effect sizes) at 20 replications a side.

Each on the frozen scenarios of ``benchmarks/scenarios/`` (so that only the code moves the
figures), with ``--no-cache`` and ``--jobs`` local processes, the results folder written to a
temporary directory; the time includes start-up, the reductions and the report, as a user
waits for them. ``--quick`` runs shortened copies (60 results days, 30 of warm-up): a smoke run
whose times mean nothing for a year.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the repository's packages importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sim.compile import load_scenario  # noqa: E402
from sim.output.folder import resolved_yaml  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
FROZEN = ROOT / "benchmarks" / "scenarios"
QUICK = {"time.run_days": 60, "time.warmup_days": 30}
COMMANDS = {
    "sim run baseline, 10 replications":
        ["run", str(FROZEN / "baseline.yaml"), "--reps", "10"],
    "app comparison: baseline vs locality, 2 replications a side":
        ["compare", str(FROZEN / "baseline.yaml"), str(FROZEN / "locality.yaml"), "--reps", "2"],
    "ensemble comparison: baseline vs locality with uncertain effects, 20 a side":
        ["compare", str(FROZEN / "baseline.yaml"), str(FROZEN / "locality_uncertain_effects.yaml"),
         "--reps", "20"],
}


def shortened(args: list[str], folder: Path) -> list[str]:
    """``args`` with each scenario file replaced by a copy in ``folder`` changed by ``QUICK``."""
    out = []
    for arg in args:
        if arg.endswith(".yaml"):
            copy = folder / Path(arg).name
            copy.write_text(resolved_yaml(load_scenario(arg, QUICK)))
            arg = str(copy)
        out.append(arg)
    return out


def timed(args: list[str], jobs: int, quick: bool) -> float:
    """Wall seconds of ``python -m sim ARGS`` with a fresh results folder and no cache."""
    with tempfile.TemporaryDirectory() as out:
        args = shortened(args, Path(out)) if quick else args
        command = [sys.executable, "-m", "sim", *args, "--no-cache", "--quiet",
                   "--jobs", str(jobs), "--out", str(Path(out) / "results")]
        started = time.perf_counter()
        done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
        seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed ({done.returncode}):\n{done.stderr}")
    return seconds


def load_average() -> str:
    return ", ".join(f"{v:.2f}" for v in os.getloadavg()) if hasattr(os, "getloadavg") else "?"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=2, help="local worker processes (default 2)")
    parser.add_argument("--repeats", type=int, default=1, help="runs of each, best shown")
    parser.add_argument("--quick", action="store_true", help="60-day runs: a smoke run")
    args = parser.parse_args(argv)
    print(f"load average at start (1, 5, 15 min): {load_average()}; {os.cpu_count()} cores; "
          f"--jobs {args.jobs}{'; quick (60 days)' if args.quick else ''}")
    for label, command in COMMANDS.items():
        runs = [timed(command, args.jobs, args.quick) for _ in range(args.repeats)]
        shown = ", ".join(f"{s:.1f}" for s in runs)
        print(f"  {label}: {min(runs):.1f} s wall (runs: {shown})", flush=True)
    print(f"load average at end (1, 5, 15 min): {load_average()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
