"""Peak memory of one replication and bytes per logged event, each probe in a fresh process.

Peak memory is the resident set high-water mark (Linux ``VmHWM``) of a new interpreter that
imports the package and runs replication 0; the figure after the imports is reported too,
so the replication's own share is visible. The simulation step alone (``run_replication``)
and simulation plus analysis (``simulate``) are separate processes, since a peak can only
be read as a running maximum.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from benchmarks.figures import Figure

SECTION = "memory"
PEAK_GOAL_MB = 300.0
BYTES_PER_EVENT_GOAL = 100.0
PROBE = Path(__file__).with_name("memory_probe.py")
MB = 1e6


def probe(mode: str, scenario_path: Path, changes: dict[str, Any]) -> dict[str, Any]:
    """Run ``memory_probe.py`` in a new interpreter and return what it measured."""
    done = subprocess.run([sys.executable, str(PROBE), mode, str(scenario_path), json.dumps(changes)],
                          capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def measure_memory(scenario_path: Path, changes: dict[str, Any], assessed: bool = True) -> list[Figure]:
    model = probe("model", scenario_path, changes)
    full = probe("simulate", scenario_path, changes)
    how = f"{model['measure']}, fresh process"
    n = model["n_events"]
    return [
        Figure(SECTION, "interpreter + imports", full["imports_bytes"] / MB, "MB", note=how),
        Figure(SECTION, "peak, simulation step (run_replication)", model["peak_bytes"] / MB, "MB",
               note=f"+{(model['peak_bytes'] - model['imports_bytes']) / MB:.0f} MB over imports"),
        Figure(SECTION, "peak, one replication (simulate)", full["peak_bytes"] / MB, "MB",
               at_most=PEAK_GOAL_MB, assessed=assessed,
               note=f"+{(full['peak_bytes'] - full['imports_bytes']) / MB:.0f} MB over imports; "
                    "simulation and analysis"),
        Figure(SECTION, "logged events", n, "", note="one replication"),
        Figure(SECTION, "bytes per event in memory", model["allocated_bytes"] / n, "B",
               at_most=BYTES_PER_EVENT_GOAL,
               note=f"event columns {model['event_bytes'] / n:.1f} + patient table "
                    f"{model['patient_bytes'] / n:.1f} + growth slack"),
        Figure(SECTION, "bytes per event on disk (events.parquet)", model["parquet_bytes"] / n, "B",
               at_most=BYTES_PER_EVENT_GOAL, note="events_table(log).to_parquet"),
    ]
