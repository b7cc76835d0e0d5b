"""A browser session's runs: its own results folder, replications run with a progress
callback into the shared results cache, then the command line's ``compare`` over the cache,
so the folder (CSVs, ``report.html``, ``results.xlsx``) is exactly what the CLI writes."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from pathlib import Path

from sim.app.edits import write_whatif
from sim.cache import ResultCache
from sim.cli import main as cli_main
from sim.cli_options import DEFAULT_CACHE
from sim.compile import load_scenario, with_changes
from sim.config import Scenario
from sim.executors import open_executor
from sim.runner import map_replications, simulate

APP_RESULTS = Path("results") / "app"

Progress = Callable[[int, int], None]  # (replications done, replications in all)


def session_folder(root: Path = APP_RESULTS) -> Path:
    """A new folder for one browser session's files (uploads, what-ifs, results)."""
    folder = root / f"{dt.datetime.now():%Y%m%d-%H%M%S}-{uuid.uuid4().hex[:8]}"
    folder.mkdir(parents=True)
    return folder


def reference_yaml(base: Path, time: dict[str, float | int], folder: Path) -> Path:
    """The chosen scenario with only the run settings changed (run length, warm-up,
    replications, seed): the A side of the comparison, so A and B differ only by the levers."""
    path, _ = write_whatif(base, f"{base.stem}_reference",
                           {f"time.{key}": value for key, value in time.items()}, folder)
    return path


def compare(a_path: Path, b_path: Path, out: Path, progress: Progress,
            cache: Path = DEFAULT_CACHE, jobs: int | None = None) -> Path:
    """Run A and B replication by replication (``progress`` called after each batch), then
    write ``out`` with ``python -m sim compare A B`` reading every replication from the cache.
    Returns ``out``. Raises ``ScenarioError`` or ``OSError`` as the command line would."""
    a, b = load_scenario(a_path), load_scenario(b_path)
    b = with_changes(b, {"time.seed": a.time.seed, "time.replications": a.time.replications})
    _fill_cache([a, b], ResultCache(cache), progress, jobs)
    status = cli_main(["compare", str(a_path), str(b_path), "--out", str(out),
                       "--cache", str(cache), "--quiet", "--executor", "serial"])
    if status != 0:
        raise RuntimeError(f"python -m sim compare exited with {status}")
    return out


def _fill_cache(scenarios: list[Scenario], cache: ResultCache, progress: Progress,
                jobs: int | None) -> None:
    """Every replication of ``scenarios`` computed into ``cache``, a batch of ``jobs`` at a
    time on one pool of worker processes, so the page can show progress between batches."""
    tasks = [(s, r) for s in scenarios for r in range(s.time.replications)]
    with open_executor("processes", jobs) as pool:
        batch = max(1, pool.workers)
        progress(0, len(tasks))
        for start in range(0, len(tasks), batch):
            map_replications(simulate, tasks[start:start + batch], pool, cache=cache,
                             progress=False)
            progress(min(start + batch, len(tasks)), len(tasks))
