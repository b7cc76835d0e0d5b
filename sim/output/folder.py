"""Results folders, written atomically, that record how to reproduce themselves.

Everything is written into a hidden sibling folder ``.<name>.partial`` which is renamed to
its final name only when complete; an interrupted or failed run removes it, so no folder
that looks complete can be half-written.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import platform
import shutil
import subprocess
import sys
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator

import pandas as pd
import yaml

from sim.config.schema import Scenario
from sim.output.paths import slug
from sim.output.plots import write_weekly_plots
from sim.pages.winter import winter_report

if TYPE_CHECKING:
    from sim.runner import ScenarioResult

# a comparison folder's file prefixes (a_summary.csv, b_scenario.yaml): A, the reference; B
COMPARE_SIDES = ("a_", "b_")
DEPENDENCIES = ("simpy", "numpy", "scipy", "pandas", "pydantic", "PyYAML", "matplotlib",
                "pyarrow", "tqdm", "openpyxl")


def default_folder(name: str, root: Path = Path("results")) -> Path:
    """``root/<name as a slug>/<date-time>``: a scenario's name never leads outside ``root``."""
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    return root / slug(name) / stamp


@contextlib.contextmanager
def atomic_folder(final: Path) -> Iterator[Path]:
    """Yield a temporary folder that becomes ``final`` only if the block completes."""
    if final.exists():
        raise FileExistsError(f"{final} already exists; choose another --out")
    final.parent.mkdir(parents=True, exist_ok=True)
    partial = final.parent / f".{final.name}.partial"
    if partial.exists():
        shutil.rmtree(partial)
    partial.mkdir()
    try:
        yield partial
        partial.rename(final)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise


def write_scenario(scenario: Scenario, path: Path) -> None:
    path.write_text(resolved_yaml(scenario), encoding="utf-8")


def resolved_yaml(scenario: Scenario) -> str:
    """The fully resolved scenario as YAML (``extends`` already applied)."""
    data = scenario.model_dump(mode="json", exclude_none=True)
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)


def manifest(scenarios: list[Scenario], replications: int, wall_seconds: float,
             reproduce: str, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """How this folder was made: seeds, versions, commit, the command to redo it, wall time."""
    return {
        "scenarios": [s.name for s in scenarios],
        "seed": scenarios[0].time.seed,
        "replications": replications,
        "created": dt.datetime.now().isoformat(timespec="seconds"),
        "wall_seconds": round(wall_seconds, 2),
        "command": " ".join(["python -m sim", *sys.argv[1:]]),
        "reproduce": reproduce,
        "package_version": _version("integrated-care-sim"),
        "git_commit": _git_commit(),
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "dependencies": {name: _version(name) for name in DEPENDENCIES},
        **(extra or {}),
    }


def write_winter_outputs(result: ScenarioResult, summary: pd.DataFrame, folder: Path) -> None:
    """The week-by-week and month-by-month outputs of a run (docs/winter.md): ``weekly.csv``
    and ``monthly.csv`` (mean and 95% interval across replications), the values of each
    replication (``weekly_replications.csv``, ``monthly_replications.csv``), escalation
    episodes (``escalation.csv``), ``winter.md`` and the weekly plots in ``plots/``."""
    weekly, monthly, episodes = result.weekly_summary(), result.monthly_summary(), \
        result.escalation
    weekly.to_csv(folder / "weekly.csv", index=False)
    monthly.to_csv(folder / "monthly.csv", index=False)
    result.weekly.to_csv(folder / "weekly_replications.csv", index=False)
    result.monthly.to_csv(folder / "monthly_replications.csv", index=False)
    episodes.to_csv(folder / "escalation.csv", index=False)
    (folder / "winter.md").write_text(
        winter_report(result.scenario, summary, weekly, monthly, episodes), encoding="utf-8")
    write_weekly_plots(weekly, result.scenario, folder / "plots")


def write_json(data: dict[str, Any], path: Path) -> None:
    path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")


def _version(package: str) -> str | None:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


def _git_commit() -> str | None:
    here = Path(__file__).resolve().parent
    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], cwd=here, capture_output=True,
                             text=True, timeout=10, check=True)
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"],
                               cwd=here, capture_output=True, text=True, timeout=10).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() + ("-dirty" if dirty.strip() else "")
