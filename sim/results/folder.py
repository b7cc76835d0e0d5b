"""The results folder's format: written atomically, read back, and saying how to reproduce
itself.

Writing: everything goes into a hidden sibling folder ``.<name>.partial``, renamed to its
final name only when complete; an interrupted or failed run removes it, so no folder that
looks complete can be half-written. ``manifest.json`` records the folder's ``kind``, its
``format_version``, seeds, versions, the commit and the command that redoes it.

Reading (``ResultsFolder.open``): format version 2 names its kind in the manifest. Version 1,
folders written before the manifest said either, opens as version 1, its kind told by a
marker file (``V1_MARKERS``). A folder of a newer format than this code knows is
refused with a message saying so, rather than read wrongly.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import platform
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any, Iterator

import pandas as pd
import yaml

from sim.config.schema import Scenario
from sim.output.paths import slug

FORMAT_VERSION = 2  # 1: no format_version and no kind in the manifest (before 2026-12)
# a comparison folder's file prefixes (a_summary.csv, b_scenario.yaml): A, the reference; B
COMPARE_SIDES = ("a_", "b_")
DEPENDENCIES = ("simpy", "numpy", "scipy", "pandas", "pydantic", "PyYAML", "matplotlib",
                "pyarrow", "tqdm", "openpyxl", "holidays")
MANIFEST = "manifest.json"
# format version 1: the file that tells each kind apart, checked in this order (frozen: this
# is how folders written before the manifest named their kind are read)
V1_MARKERS: tuple[tuple[str, str], ...] = (
    ("comparison.csv", "compare"), ("sweep.csv", "sweep"), ("capacity.csv", "capacity"),
    ("search.csv", "capacity_search"), ("warmup.csv", "warmup"), ("summary.csv", "run"))


class NotAResultsFolder(ValueError):
    """The folder holds none of the files a results folder has, or is of a newer format."""


def default_folder(name: str, root: Path = Path("results")) -> Path:
    """``root/<name as a slug>/<date-time>``: a scenario's name never leads outside ``root``."""
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    return root / slug(name) / stamp


def check_free(out: Path) -> None:
    """``FileExistsError`` when ``out`` exists (checked before a long run, and again when
    the folder is written)."""
    if out.exists():
        raise FileExistsError(f"{out} already exists; choose another --out")


@contextlib.contextmanager
def atomic_folder(final: Path) -> Iterator[Path]:
    """Yield a temporary folder that becomes ``final`` only if the block completes."""
    check_free(final)
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


def manifest(kind: str | None, scenarios: list[Scenario], replications: int,
             wall_seconds: float, reproduce: str, extra: dict[str, Any] | None = None
             ) -> dict[str, Any]:
    """How a folder of ``kind`` was made: its format, seeds, versions, commit, the command
    to redo it (``reproduce``, run from inside the folder) and the wall time in seconds.
    ``kind`` None (only through the deprecated ``sim.output.folder.manifest``): not named,
    so the folder is told apart by its files as in format 1."""
    return {
        **({} if kind is None else {"kind": kind}),
        "format_version": FORMAT_VERSION,
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


def write_json(data: dict[str, Any], path: Path) -> None:
    path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")


@dataclass
class ResultsFolder:
    """The files of one results folder, read on demand and kept."""

    path: Path
    kind: str
    manifest: dict[str, Any]
    _tables: dict[str, pd.DataFrame | None] = field(default_factory=dict, repr=False)

    @classmethod
    def open(cls, path: Path) -> ResultsFolder:
        """The folder at ``path``; ``NotAResultsFolder`` saying why when it is not one."""
        if not path.is_dir():
            raise NotAResultsFolder(f"{path}: not a folder")
        manifest_path = path / MANIFEST
        try:
            manifest = json.loads(manifest_path.read_text()) if manifest_path.exists() else {}
        except json.JSONDecodeError as error:
            raise NotAResultsFolder(f"{manifest_path}: not readable as JSON ({error})") \
                from error
        version = manifest.get("format_version", 1)
        if not isinstance(version, int) or not 1 <= version <= FORMAT_VERSION:
            raise NotAResultsFolder(
                f"{manifest_path}: format_version: expected a whole number from 1 to "
                f"{FORMAT_VERSION}, got {version!r} (written by a newer version of the "
                "package? update it to read this folder)")
        kind = manifest.get("kind") or \
            next((k for name, k in V1_MARKERS if (path / name).exists()), None)
        if not isinstance(kind, str):
            raise NotAResultsFolder(
                f"{path}: not a results folder; expected a {MANIFEST} naming its kind, or one "
                f"of {', '.join(name for name, _ in V1_MARKERS)} (written by python -m sim "
                "run, compare, sweep, capacity or warmup)")
        return cls(path, kind, manifest)

    @property
    def format_version(self) -> int:
        """The folder format it was written in (1 when the manifest does not say)."""
        return int(self.manifest.get("format_version", 1))

    def table(self, name: str) -> pd.DataFrame | None:
        """``name``.csv as a frame, or None when the folder has no such file (or it is
        empty)."""
        if name not in self._tables:
            path = self.path / f"{name}.csv"
            frame = pd.read_csv(path) if path.exists() and path.stat().st_size else None
            self._tables[name] = frame if frame is not None and len(frame) else None
        return self._tables[name]

    def scenario(self, prefix: str = "") -> dict[str, Any]:
        """The resolved scenario the folder records (``a_``/``b_`` for compare)."""
        path = self.path / f"{prefix}scenario.yaml"
        return yaml.safe_load(path.read_text()) if path.exists() else {}

    @property
    def scenario_names(self) -> list[str]:
        return list(self.manifest.get("scenarios", [])) or [self.scenario().get("name", "?")]

    @property
    def replications(self) -> int | None:
        return self.manifest.get("replications")


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
