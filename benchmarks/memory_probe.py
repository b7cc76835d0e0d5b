"""Run in a fresh interpreter by ``benchmarks.memory``: the peak memory of one replication.

    python benchmarks/memory_probe.py {model|simulate} SCENARIO CHANGES_JSON

Prints one JSON line. ``model`` runs ``run_replication`` (the simulation step) and then
measures the log's bytes per event in memory and in events.parquet; ``simulate`` runs
``sim.runner.simulate`` (simulation and analysis). Both report the run's CPU and wall seconds
(``cpu_seconds``, ``wall_seconds``) and its number of logged events (``n_events``). Peaks are
read after importing the package and after the run, from the process's own high-water mark,
so nothing of the parent process is counted (a child's ``ru_maxrss`` can include its
parent's size before ``exec``).
"""

from __future__ import annotations

import json
import resource
import sys
import tempfile
import time
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the repository's packages importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def peak_resident_bytes() -> tuple[int, str]:
    """The peak resident set of this process so far, and how it was read."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024, "VmHWM"
    except OSError:
        pass
    maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return (maxrss if sys.platform == "darwin" else maxrss * 1024), "ru_maxrss"


def main(mode: str, scenario_path: str, changes_json: str) -> dict[str, object]:
    from sim.compile import load_scenario
    from sim.engine.model import run_replication
    from sim.runner import events_table, simulate

    scenario = load_scenario(scenario_path, json.loads(changes_json))
    imports, how = peak_resident_bytes()
    out: dict[str, object] = {"measure": how, "imports_bytes": imports}
    wall, cpu = time.perf_counter(), time.process_time()
    if mode == "simulate":
        result = simulate(scenario, 0)
        out.update(cpu_seconds=time.process_time() - cpu, wall_seconds=time.perf_counter() - wall,
                   peak_bytes=peak_resident_bytes()[0], n_events=result.n_events)
        return out
    log = run_replication(scenario, 0)
    out.update(cpu_seconds=time.process_time() - cpu, wall_seconds=time.perf_counter() - wall,
               peak_bytes=peak_resident_bytes()[0], n_events=log.n_events)
    columns = [*log.events.values(), *log.patients.values()]
    out["event_bytes"] = sum(column.nbytes for column in log.events.values())
    out["patient_bytes"] = sum(column.nbytes for column in log.patients.values())
    # the typed arrays the columns were recorded in and still live in (a NumPy view's base is
    # a memoryview of them), with their growth slack
    out["allocated_bytes"] = sum(sys.getsizeof(getattr(column.base, "obj", column)) for column in columns)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "events.parquet"
        events_table(log).to_parquet(path)
        out["parquet_bytes"] = path.stat().st_size
    return out


if __name__ == "__main__":
    print(json.dumps(main(*sys.argv[1:4])))
